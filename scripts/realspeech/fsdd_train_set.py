#!/usr/bin/python3
"""A digits set of FSDD's training speakers (all but theo and george, the held-out ones), for checking a choice
on 8 kHz, tightly trimmed digits without touching the held-out speakers. These speakers were in the CMU
model's MAP adaptation (scripts/adapt_cmu_am.py), so the model knows them: their figures flatter it, and the
set only tells how a confidence rule moves on such recordings, never how good the model is.

  /usr/bin/python3 scripts/realspeech/fsdd_train_set.py [--root work/real] [--shared ../shared] [--per-speaker 60]

Writes `<root>/fsdd_train_clean/` (the WAVs as they are, 8 kHz, and manifest.jsonl rows as
scripts/build_realsets.py writes for `fsdd`) and adds `fsdd_train` with context `digits` to `<root>/README.json`.
The files are a seeded choice of --per-speaker per speaker.
"""
import argparse
import json
import os
import random
import shutil

DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
HELD_OUT = {"theo", "george"}

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--root", default="work/real")
ap.add_argument("--shared", default="../shared")
ap.add_argument("--per-speaker", type=int, default=60)
ap.add_argument("--seed", type=int, default=2612)
args = ap.parse_args()

recordings = os.path.join(args.shared, "data", "fsdd", "recordings")
by_speaker: dict[str, list[str]] = {}
for name in sorted(os.listdir(recordings)):
    if not name.endswith(".wav"):
        continue
    digit, speaker, _ = name[:-4].split("_")
    if speaker not in HELD_OUT and digit.isdigit():
        by_speaker.setdefault(speaker, []).append(name)
rng = random.Random(args.seed)
rows = []
for speaker, names in sorted(by_speaker.items()):
    for name in rng.sample(names, min(args.per_speaker, len(names))):
        word = DIGITS[int(name.split("_")[0])]
        rows.append({"file": name, "text": word, "intent": "digit", "slots": {"digit": word}, "speaker": speaker,
                     "source": f"data/fsdd/recordings/{name}"})
rng.shuffle(rows)
folder = os.path.join(args.root, "fsdd_train_clean")
os.makedirs(folder, exist_ok=True)
for row in rows:
    shutil.copyfile(os.path.join(recordings, row["file"]), os.path.join(folder, row["file"]))
with open(os.path.join(folder, "manifest.jsonl"), "w") as f:
    f.writelines(json.dumps(row) + "\n" for row in rows)
readme_path = os.path.join(args.root, "README.json")
readme = json.load(open(readme_path)) if os.path.exists(readme_path) else {"sets": {}}
readme.setdefault("sets", {})["fsdd_train"] = {
    "source": "fsdd", "context": "digits", "builder": "scripts/realspeech/fsdd_train_set.py",
    "rule": "FSDD speakers other than theo and george (in the model's adaptation: a check of rules, not of accuracy)",
    "conditions": {"clean": len(rows)}, "speakers": len(by_speaker)}
with open(readme_path, "w") as f:
    json.dump(readme, f, indent=2)
print(json.dumps({"set": "fsdd_train", "files": len(rows), "speakers": sorted(by_speaker), "folder": folder}))
