#!/usr/bin/python3
"""Narrowband copies of real-speech sets: each clean file resampled to 8 kHz (as telephone-band recordings and
FSDD's come; voxstream resamples them back to 16 kHz itself), written as the set's `nb8k` condition beside its
others, so that `evaluate.ts` / `tune.ts --conditions clean,nb8k` measure how a choice fares on narrowband
speech without touching FSDD's held-out speakers.

  /usr/bin/python3 scripts/realspeech/narrowband.py [--root work/real] [--sets sc_tunehold,so_tunehold] [--limit N]

Reads `<root>/<set>_clean/manifest.jsonl` and its WAVs; writes `<root>/<set>_nb8k/` (manifest with the same
rows, their first --limit). Needs python3-numpy, python3-scipy, python3-soundfile.
"""
import argparse
import json
import os

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--root", default="work/real")
ap.add_argument("--sets", default="sc_tunehold,so_tunehold")
ap.add_argument("--limit", type=int, default=None)
args = ap.parse_args()

for name in args.sets.split(","):
    source = os.path.join(args.root, f"{name}_clean")
    target = os.path.join(args.root, f"{name}_nb8k")
    os.makedirs(target, exist_ok=True)
    rows = [json.loads(line) for line in open(os.path.join(source, "manifest.jsonl")) if line.strip()]
    rows = rows[: args.limit] if args.limit else rows
    for row in rows:
        audio, rate = sf.read(os.path.join(source, row["file"]), dtype="float32", always_2d=False)
        if rate != 16000:
            raise SystemExit(f"{row['file']}: {rate} Hz, expected 16000")
        narrow = np.clip(resample_poly(audio, 1, 2), -1, 1)
        sf.write(os.path.join(target, row["file"]), narrow, 8000, subtype="PCM_16")
    with open(os.path.join(target, "manifest.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps({**row, "narrowband_hz": 8000}) + "\n")
    print(json.dumps({"set": name, "condition": "nb8k", "files": len(rows), "folder": target}))
