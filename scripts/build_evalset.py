#!/usr/bin/python3
"""Builds the synthesized evaluation sets: commands of each context spoken by voices held out of training,
clean and mixed with the held-out 30 % of ../shared/data/noise, plus out-of-context speech (SLURP test).

Usage: /usr/bin/python3 scripts/build_evalset.py [--out work/eval] [--count 200] [--seed 1001]

Writes <out>/<set>/NNNN.wav (16 kHz, 16-bit) and <out>/<set>/manifest.jsonl ({file, text, intent, slots,
voice, snr_db}). Sets: <context>_clean, <context>_noise (SNR 6, 9, ..., 24 dB in turn), oog_clean, oog_noise.
"""

import argparse
import json
import os
import sys

import numpy as np
import soundfile as sf

sys.path.insert(0, os.path.dirname(__file__))
from voxtrain import augment, sources, synth  # noqa: E402

SNRS = [6, 9, 12, 15, 18, 21, 24]
CONTEXTS = ["coffee_maker", "smart_home"]


def write_set(folder: str, rows: list[dict], audio: list[np.ndarray]) -> None:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "manifest.jsonl"), "w") as f:
        for i, (row, pcm) in enumerate(zip(rows, audio)):
            name = f"{i:04d}.wav"
            sf.write(os.path.join(folder, name), pcm, augment.SAMPLE_RATE, subtype="PCM_16")
            f.write(json.dumps({"file": name, **row}) + "\n")
    print(json.dumps({"event": "set", "folder": folder, "files": len(rows)}), flush=True)


def speak(rows: list[dict], voices: list[str], rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for i, row in enumerate(rows):
        voice = voices[i % len(voices)]
        row["voice"] = voice
        pcm, rate = synth.synthesize(row["text"], voice, rng)
        pcm = augment.resample(pcm, rate, augment.SAMPLE_RATE)
        pcm = np.concatenate([np.zeros(4000, np.float32), pcm, np.zeros(8000, np.float32)])  # 0.25 s + 0.5 s
        pcm = pcm / (np.max(np.abs(pcm)) + 1e-9) * 0.5
        # A faint noise floor (-80 dBFS) as any microphone has: digitally exact silence is not realistic
        # and trips up recognizers that estimate their noise floor from it (pocketsphinx does).
        out.append((pcm + rng.standard_normal(len(pcm)) * 1e-4).astype(np.float32))
    return out


def noisy(rows: list[dict], audio: list[np.ndarray], noises: list[np.ndarray], rng) -> tuple[list, list]:
    out_rows, out_audio = [], []
    for i, (row, pcm) in enumerate(zip(rows, audio)):
        snr = SNRS[i % len(SNRS)]
        mixed = augment.mix_at_snr(pcm, noises[i % len(noises)], snr, rng)
        out_rows.append({**row, "snr_db": snr})
        out_audio.append(np.clip(mixed / (np.max(np.abs(mixed)) + 1e-9) * 0.5, -1, 1).astype(np.float32))
    return out_rows, out_audio


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="work/eval")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1001)
    ap.add_argument("--voices", choices=["held-out", "training"], default="held-out",
                    help="held-out voices for evaluation; training voices for a development set to tune thresholds on")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    voices = sorted(synth.HELD_OUT_VOICES) if args.voices == "held-out" else \
        [synth.training_voices()[int(i)] for i in rng.permutation(len(synth.training_voices()))[:12]]
    noises = augment.load_noises("eval")
    if not noises:
        sys.exit("build_evalset: ../shared/data/noise is missing")
    for context in CONTEXTS:
        rows = [{"text": g["text"], "intent": g["intent"], "slots": g["slots"]}
                for g in sources.grammar_sentences(context, args.count, args.seed)]
        audio = speak(rows, voices, rng)
        write_set(os.path.join(args.out, f"{context}_clean"), rows, audio)
        write_set(os.path.join(args.out, f"{context}_noise"), *noisy(rows, audio, noises, rng))
    oog = sources.slurp_sentences("test")
    picks = rng.permutation(len(oog))[: args.count]
    rows = [{"text": oog[int(i)], "intent": None, "slots": {}} for i in picks]
    audio = speak(rows, voices, rng)
    write_set(os.path.join(args.out, "oog_clean"), rows, audio)
    write_set(os.path.join(args.out, "oog_noise"), *noisy(rows, audio, noises, rng))


if __name__ == "__main__":
    main()
