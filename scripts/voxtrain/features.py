"""Log-mel features, the reference that src/audio/logMel.ts reproduces bit for bit (within float32 rounding).

Input: float32 mono PCM in [-1, 1] at 16,000 Hz. Output: float32 [frames, 80].
- frames of 400 samples (25 ms) every 160 samples (10 ms); only whole frames: frames = (n - 400) // 160 + 1
- each frame: subtract its mean (DC), multiply by a periodic Hann window, zero-pad to 512, power spectrum |X|^2 (257 bins)
- 80 triangular filters, equally spaced on the HTK mel scale (mel = 1127 ln(1 + f / 700)) from 20 Hz to 7,600 Hz,
  weights computed on each FFT bin's centre frequency (bin * 16000 / 512) in the mel domain (as Kaldi does)
- log(max(energy, 1e-10))
Normalisation is not done here: the ONNX encoder carries its global mean and variance.
"""

import numpy as np

SAMPLE_RATE = 16000
FRAME_SAMPLES = 400
HOP_SAMPLES = 160
FFT_SIZE = 512
MEL_BINS = 80
LOW_HZ = 20.0
HIGH_HZ = 7600.0
LOG_FLOOR = 1e-10


def _mel(hz):
    return 1127.0 * np.log(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_filterbank() -> np.ndarray:
    """[80, 257] triangular weights, float64."""
    bins = FFT_SIZE // 2 + 1
    low, high = _mel(LOW_HZ), _mel(HIGH_HZ)
    delta = (high - low) / (MEL_BINS + 1)
    bin_mel = _mel(np.arange(bins) * SAMPLE_RATE / FFT_SIZE)
    fb = np.zeros((MEL_BINS, bins))
    for m in range(MEL_BINS):
        left, centre, right = low + m * delta, low + (m + 1) * delta, low + (m + 2) * delta
        up = (bin_mel - left) / (centre - left)
        down = (right - bin_mel) / (right - centre)
        fb[m] = np.maximum(0.0, np.minimum(up, down))
    return fb


_FB = mel_filterbank()
_WINDOW = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(FRAME_SAMPLES) / FRAME_SAMPLES)


def log_mel(pcm: np.ndarray) -> np.ndarray:
    pcm = np.asarray(pcm, dtype=np.float64)
    n = len(pcm)
    if n < FRAME_SAMPLES:
        return np.zeros((0, MEL_BINS), dtype=np.float32)
    count = (n - FRAME_SAMPLES) // HOP_SAMPLES + 1
    idx = np.arange(FRAME_SAMPLES)[None, :] + HOP_SAMPLES * np.arange(count)[:, None]
    frames = pcm[idx]
    frames = frames - frames.mean(axis=1, keepdims=True)
    frames = frames * _WINDOW
    spec = np.fft.rfft(frames, n=FFT_SIZE, axis=1)
    power = spec.real ** 2 + spec.imag ** 2
    mel = power @ _FB.T
    return np.log(np.maximum(mel, LOG_FLOOR)).astype(np.float32)
