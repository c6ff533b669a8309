"""Augmentation for the training corpus: speed, noise (real and synthetic), reverberation, gain, Opus, 8 kHz.

Real noise files are split in time: the first 70 % of each is for training, the last 30 % for evaluation,
so that noisy evaluation never hears a noise segment the model was trained on.
"""

import glob
import os
import subprocess
import tempfile
from fractions import Fraction

import numpy as np
import soundfile as sf
from scipy.signal import fftconvolve, lfilter, resample_poly

SAMPLE_RATE = 16000
NOISE_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "noise")
TRAIN_NOISE_SHARE = 0.7


def resample(pcm: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    if from_rate == to_rate:
        return pcm.astype(np.float32)
    ratio = Fraction(to_rate, from_rate).limit_denominator(1000)
    return resample_poly(pcm, ratio.numerator, ratio.denominator).astype(np.float32)


def load_noises(part: str) -> list[np.ndarray]:
    """Real noise at 16 kHz; part is 'train' (first 70 %) or 'eval' (last 30 %). Empty if ../shared is absent."""
    noises = []
    for path in sorted(glob.glob(os.path.join(NOISE_DIR, "*.flac"))):
        pcm, rate = sf.read(path, dtype="float32", always_2d=True)
        pcm = resample(pcm.mean(axis=1), rate, SAMPLE_RATE)
        cut = int(len(pcm) * TRAIN_NOISE_SHARE)
        noises.append(pcm[:cut] if part == "train" else pcm[cut:])
    return noises


def _power(x: np.ndarray) -> float:
    return float(np.mean(x.astype(np.float64) ** 2)) + 1e-12


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Adds a random segment of noise (looped if short) at the given SNR measured over the whole utterance."""
    if len(noise) < len(speech):
        noise = np.tile(noise, len(speech) // len(noise) + 1)
    start = int(rng.integers(0, len(noise) - len(speech) + 1))
    seg = noise[start:start + len(speech)]
    scale = np.sqrt(_power(speech) / (_power(seg) * 10 ** (snr_db / 10)))
    return (speech + scale * seg).astype(np.float32)


def synthetic_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    white = rng.standard_normal(n).astype(np.float32)
    kind = rng.integers(0, 3)
    if kind == 0:
        return white
    if kind == 1:  # pink-ish: Paul Kellet's economy filter
        return lfilter([0.049922035, -0.095993537, 0.050612699, -0.004408786],
                       [1, -2.494956002, 2.017265875, -0.522189400], white).astype(np.float32)
    return lfilter([1.0], [1.0, -0.98], white).astype(np.float32)  # brown-ish


def reverberate(pcm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A synthetic room: exponentially decaying noise with RT60 0.15–0.7 s, direct path kept."""
    rt60 = rng.uniform(0.15, 0.7)
    n = int(rt60 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    rir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    rir[0] = 1.0 / rng.uniform(0.3, 1.0)
    rir /= np.sqrt(np.sum(rir ** 2))
    wet = fftconvolve(pcm, rir)[: len(pcm)]
    return (wet * np.sqrt(_power(pcm) / _power(wet))).astype(np.float32)


def opus_round_trip(pcm: np.ndarray, bitrate_kbps: int) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        sf.write(f"{tmp}/in.wav", pcm, SAMPLE_RATE, subtype="PCM_16")
        subprocess.run(["opusenc", "--quiet", "--bitrate", str(bitrate_kbps), f"{tmp}/in.wav", f"{tmp}/x.opus"],
                       check=True, capture_output=True)
        subprocess.run(["opusdec", "--quiet", "--rate", str(SAMPLE_RATE), f"{tmp}/x.opus", f"{tmp}/out.wav"],
                       check=True, capture_output=True)
        out, _ = sf.read(f"{tmp}/out.wav", dtype="float32")
        return out[: len(pcm)]


def pad_silence(pcm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    before = np.zeros(int(rng.uniform(0.05, 0.4) * SAMPLE_RATE), np.float32)
    after = np.zeros(int(rng.uniform(0.1, 0.5) * SAMPLE_RATE), np.float32)
    return np.concatenate([before, pcm, after])


def augment(pcm: np.ndarray, rng: np.random.Generator, noises: list[np.ndarray], clean_share: float) -> tuple[np.ndarray, str]:
    """Randomly perturbs a 16 kHz utterance; returns the audio and a short description of what was done."""
    done = []
    speed = rng.uniform(0.9, 1.1)
    if abs(speed - 1) > 0.01:  # resampling changes tempo and pitch together, like Kaldi's speed perturbation
        pcm = resample(pcm, int(round(SAMPLE_RATE * speed)), SAMPLE_RATE)
        done.append(f"speed{speed:.2f}")
    pcm = pad_silence(pcm, rng)
    if rng.random() >= clean_share:
        if rng.random() < 0.3:
            pcm = reverberate(pcm, rng)
            done.append("reverb")
        if rng.random() < 0.15:
            pcm = resample(resample(pcm, SAMPLE_RATE, 8000), 8000, SAMPLE_RATE)
            done.append("8k")
        snr = rng.uniform(0, 20)
        if noises and rng.random() < 0.6:
            pcm = mix_at_snr(pcm, noises[int(rng.integers(len(noises)))], snr, rng)
            done.append(f"noise{snr:.0f}dB")
        elif rng.random() < 0.7:
            pcm = mix_at_snr(pcm, synthetic_noise(len(pcm), rng), snr + 5, rng)
            done.append(f"synth-noise{snr + 5:.0f}dB")
        if rng.random() < 0.1:
            pcm = opus_round_trip(pcm, int(rng.choice([12, 16, 24, 32])))
            done.append("opus")
    peak = float(np.max(np.abs(pcm))) + 1e-9
    gain = 10 ** (rng.uniform(-20, -1) / 20) / peak  # peak between -20 and -1 dBFS
    pcm = np.clip(pcm * gain, -1, 1)
    return np.round(pcm * 32767) / 32767, "+".join(done) or "clean"
