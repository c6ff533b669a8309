"""Sphinx's MFCC front end in numpy, as sphinx_fe and pocketsphinx compute it for the CMU en-us model.

`fe` is the `frontEnd` object of models/am-en-us/am.json.gz (scripts/import_cmu_am.py writes it). Checked against
sphinx_fe and pocketsphinx's own -mfclogdir cepstra on goforward.raw: within 2e-5. Steps and constants as in
../shared/notes/cmu-en-us-acoustic-model.md.
"""

import math

import numpy as np


def mel_filters(fe):
    mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)  # noqa: E731
    inv = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)  # noqa: E731
    nfilt, nfft, rate = fe["nfilt"], fe["nfft"], fe["sampleRate"]
    lo, hi = mel(fe["lowerf"]), mel(fe["upperf"])
    step = (hi - lo) / (nfilt + 1)
    bin_hz = rate / nfft
    hz = np.arange(nfft // 2 + 1) * bin_hz
    filters = np.zeros((nfilt, nfft // 2 + 1))
    for i in range(nfilt):
        left, centre, right = (np.floor(inv(lo + (i + j) * step) / bin_hz + 0.5) * bin_hz for j in range(3))
        up = (hz - left) / (centre - left)
        down = (right - hz) / (right - centre)
        filters[i] = np.clip(np.minimum(up, down), 0, None) * 2.0 / (right - left)
    return filters


def mfcc(samples, fe):
    """Cepstra [frames, 13] from int16-valued samples, as sphinx_fe computes them (no dither, no noise removal)."""
    x = samples.astype(np.float64)
    size, shift, nfft = fe["windowSamples"], fe["shiftSamples"], fe["nfft"]
    n_frames = 1 + max(0, math.ceil((len(x) - size) / shift))
    padded = np.concatenate([x, np.zeros(n_frames * shift + size - len(x))])
    starts = np.arange(n_frames) * shift
    frames = padded[starts[:, None] + np.arange(size)]
    prior = np.where(starts > 0, padded[np.maximum(starts - 1, 0)], 0.0)
    emph = np.empty_like(frames)
    emph[:, 0] = frames[:, 0] - fe["preemphasis"] * prior
    emph[:, 1:] = frames[:, 1:] - fe["preemphasis"] * frames[:, :-1]
    # The last, partial frame is pre-emphasised before it is zero-padded (as sphinx_fe does).
    emph[-1, len(x) - starts[-1] :] = 0
    window = 0.54 - 0.46 * np.cos(2 * np.pi * np.arange(size) / (size - 1))
    power = np.abs(np.fft.rfft(emph * window, nfft)) ** 2
    log_e = np.log(power @ mel_filters(fe).T + fe["logFloor"])
    n, ncep = fe["nfilt"], fe["ncep"]
    i = np.arange(ncep)[:, None]
    dct = np.cos(np.pi * i * (np.arange(n)[None, :] + 0.5) / n) * np.sqrt(2.0 / n)
    dct[0] *= np.sqrt(0.5)
    cep = log_e @ dct.T
    lifter = 1 + fe["lifter"] / 2 * np.sin(np.pi * np.arange(ncep) / fe["lifter"])
    return cep * lifter


def batch_cmn(cep):
    voiced = cep[cep[:, 0] >= 0]
    return cep - (voiced.mean(0) if len(voiced) else 0)


def deltas(cep):
    """1s_c_d_dd: [frames, 39], edges padded with the first and last frame."""
    t = len(cep)
    c = lambda k: cep[np.clip(np.arange(t) + k, 0, t - 1)]  # noqa: E731
    d = c(2) - c(-2)
    dd = (c(3) - c(-1)) - (c(1) - c(-3))
    return np.concatenate([cep, d, dd], axis=1).astype(np.float32)


def read_audio(path):
    if path.endswith(".wav"):
        import wave

        with wave.open(path) as w:
            assert w.getframerate() == 16000 and w.getsampwidth() == 2 and w.getnchannels() == 1, path
            return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return np.fromfile(path, dtype="<i2")
