#!/usr/bin/python3
"""Writes the log-mel parity fixture used by test/audio/logMel.test.ts.

Run from the project root with /usr/bin/python3 (numpy needed):
    /usr/bin/python3 scripts/make-feature-fixture.py
Outputs (deterministic, a few tens of KB):
    test/fixtures/features/signal.wav   1.3 s, 16 kHz, 16-bit mono: chirp + harmonics + seeded noise + a silent gap
    test/fixtures/features/logmel.f32   raw float32 little-endian, [frames * 80], from scripts/voxtrain/features.py
The features are computed on the int16-quantised samples / 32768, exactly what the WAV decodes to.
"""

import os
import sys
import wave

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "voxtrain"))
from features import SAMPLE_RATE, log_mel  # noqa: E402

OUT_DIR = os.path.join(ROOT, "test", "fixtures", "features")


def make_signal() -> np.ndarray:
    n = int(1.3 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    # Linear chirp 100 Hz -> 7,900 Hz sweeps every mel band (and a little past the top one).
    f0, f1, dur = 100.0, 7900.0, n / SAMPLE_RATE
    chirp = 0.3 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * dur)))
    # Voiced-like harmonics of 140 Hz with a slow amplitude wobble.
    harmonics = sum((0.15 / k) * np.sin(2 * np.pi * 140 * k * t + k) for k in range(1, 12))
    harmonics = harmonics * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    noise = 0.02 * np.random.default_rng(762).standard_normal(n)
    signal = chirp + harmonics + noise + 0.05  # a DC offset exercises the per-frame mean removal
    # 0.1 s of digital silence exercises the log floor.
    signal[int(0.6 * SAMPLE_RATE) : int(0.7 * SAMPLE_RATE)] = 0.0
    return signal


def main() -> None:
    pcm16 = np.clip(np.round(make_signal() * 32768), -32768, 32767).astype("<i2")
    os.makedirs(OUT_DIR, exist_ok=True)
    with wave.open(os.path.join(OUT_DIR, "signal.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm16.tobytes())
    feats = log_mel(pcm16.astype(np.float32) / np.float32(32768))
    feats.astype("<f4").tofile(os.path.join(OUT_DIR, "logmel.f32"))
    print(f"{len(pcm16)} samples, {feats.shape[0]} frames x {feats.shape[1]} mel bins")


if __name__ == "__main__":
    main()
