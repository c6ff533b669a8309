#!/usr/bin/python3
"""Writes the Sphinx front-end parity fixture used by test/audio/sphinxMfcc.test.ts.

Run from the project root with /usr/bin/python3 (numpy needed) where Debian's sphinxbase-utils is installed:
    /usr/bin/python3 scripts/make-sphinx-fe-fixture.py
Outputs (deterministic, about 20 KB):
    test/fixtures/sphinx-fe/signal.wav    0.505 s, 16 kHz, 16-bit mono: two tones + seeded noise + a silent gap
    test/fixtures/sphinx-fe/cepstra.mfc   what `sphinx_fe` wrote for it (Sphinx format: an int32 count of floats,
                                          then float32 cepstra, 13 per frame, in the writer's byte order: readers
                                          pick the order in which count * 4 + 4 is the file size)
    test/fixtures/sphinx-fe/cepstra-remove-noise.mfc   the same with `-remove_noise yes` (src/audio/sphinxNoise.ts)
The options are the CMU en-us model's front end (its feat.params) with noise and silence removal and dither off
(noise removal on for the second file).
"""

import os
import subprocess
import wave

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "fixtures", "sphinx-fe")
SAMPLE_RATE = 16000

# Shared with test/audio/sphinxMfcc.test.ts, which runs the same command live when sphinx_fe is installed.
SPHINX_FE_ARGS = [
    "-mswav", "yes", "-samprate", "16000", "-frate", "100", "-wlen", "0.025625", "-nfft", "512",
    "-alpha", "0.97", "-lowerf", "130", "-upperf", "6800", "-nfilt", "25", "-ncep", "13",
    "-transform", "dct", "-lifter", "22", "-round_filters", "yes", "-unit_area", "yes",
    "-remove_dc", "no", "-remove_noise", "no", "-remove_silence", "no", "-dither", "no",
]


def make_signal() -> np.ndarray:
    # 8,077 samples: not a whole number of frame shifts, so the zero-padded last frame is exercised.
    n = 8077
    t = np.arange(n) / SAMPLE_RATE
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 2.5 * t)
    tones = 0.25 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 1300 * t + 1.0)
    noise = 0.03 * np.random.default_rng(11).standard_normal(n)
    signal = envelope * tones + noise
    # 800 samples of digital silence: frames lying wholly inside it hit the log floor (and c0 < 0).
    signal[3000:3800] = 0.0
    return signal


def main() -> None:
    pcm16 = np.clip(np.round(make_signal() * 32768), -32768, 32767).astype("<i2")
    os.makedirs(OUT_DIR, exist_ok=True)
    wav_path = os.path.join(OUT_DIR, "signal.wav")
    with wave.open(wav_path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm16.tobytes())
    mfc_path = os.path.join(OUT_DIR, "cepstra.mfc")
    subprocess.run(["sphinx_fe", "-i", wav_path, "-o", mfc_path, *SPHINX_FE_ARGS], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The same with noise removal on.
    with_noise_removal = [a if a != "no" or SPHINX_FE_ARGS[i - 1] != "-remove_noise" else "yes"
                          for i, a in enumerate(SPHINX_FE_ARGS)]
    subprocess.run(["sphinx_fe", "-i", wav_path, "-o", os.path.join(OUT_DIR, "cepstra-remove-noise.mfc"),
                    *with_noise_removal], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    raw = open(mfc_path, "rb").read()
    count = int.from_bytes(raw[:4], "little")
    if count * 4 + 4 != len(raw):
        count = int.from_bytes(raw[:4], "big")
    print(f"{len(pcm16)} samples, {count // 13} frames x 13 cepstra")


if __name__ == "__main__":
    main()
