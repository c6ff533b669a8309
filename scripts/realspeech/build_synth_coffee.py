#!/usr/bin/python3
"""Builds a SYNTHETIC coffee-maker set in the real-speech sets' layout, so that scripts/realspeech/evaluate.ts
scores it, ours and pocketsphinx side by side: a regression check on the kind of command the independent check
uses (long orders with many slots, ../shared/contexts/coffee_maker.yaml), never evidence of accuracy on people.

  /usr/bin/python3 scripts/realspeech/build_synth_coffee.py [--out work/synth] [--count 40] [--oog 40]
      [--voices slt,rms,awb] [--snrs 6,12,18,24] [--seed 91] [--shared ../shared]
  npx tsx scripts/realspeech/evaluate.ts --root work/synth --sets coffee_synth --conditions clean,6,12,18,24

Writes <out>/coffee_synth_<condition>/ (clean and snr<N>; 16 kHz WAVs and manifest.jsonl, the rows of
scripts/build_realsets.py) and <out>/README.json naming the context. In context: --count sentences of the context
(scripts/generate-sentences.ts, seeded), each spoken by every flite voice in --voices (Debian's `flite`; slt,
rms and awb are its 16 kHz voices). Out of context: --oog sentences of SLURP's test split (its texts, spoken by
the voices in turn), so that long speech that is not an order measures false acceptance. Noise: the last 30 %
of each ../shared/data/noise file, file and offset seeded per (file, SNR), by build_realsets.mix. A JSON summary
on stdout. Exit 1 when flite or ../shared is missing. Needs flite, numpy, scipy and soundfile (Debian's
python3-soundfile, for scripts/voxtrain/synth.py).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import build_realsets as br  # noqa: E402  (mix, write_wav and the noise rule)
from voxtrain import augment, synth  # noqa: E402  (flite and the resampler the training corpus uses)

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SET = "coffee_synth"


def sentences(context: str, count: int, seed: int) -> list[dict]:
    """`count` seeded sentences of the context: {text, intent, slots}."""
    out = subprocess.run(["npx", "tsx", os.path.join(ROOT, "scripts", "generate-sentences.ts"), "--context", context,
                          "--count", str(count), "--seed", str(seed)], check=True, capture_output=True, text=True,
                         cwd=ROOT).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def speak(text: str, voice: str) -> np.ndarray:
    """flite's voice saying text at its own pace and pitch (voxtrain.synth.flite), as 16 kHz mono float32."""
    pcm, rate = synth.flite(text, voice, 1.0, None)
    return augment.resample(pcm, rate, br.SAMPLE_RATE)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="work/synth")
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--count", type=int, default=40, help="in-context sentences (each spoken by every voice)")
    ap.add_argument("--oog", type=int, default=40, help="out-of-context SLURP test sentences")
    ap.add_argument("--voices", default="slt,rms,awb")
    ap.add_argument("--snrs", default="6,12,18,24", help="comma-separated; empty for clean only")
    ap.add_argument("--seed", type=int, default=91)
    args = ap.parse_args()
    if shutil.which("flite") is None:
        sys.exit("build_synth_coffee: `flite` is missing (apt-get install flite)")
    context = os.path.join(args.shared, "contexts", "coffee_maker.yaml")
    slurp = os.path.join(args.shared, "data", "slurp", "test.jsonl")
    for path in (context, slurp, os.path.join(args.shared, "data", "noise")):
        if not os.path.exists(path):
            sys.exit(f"build_synth_coffee: {path} is missing")
    voices = [v for v in args.voices.split(",") if v]
    snrs = [int(s) for s in args.snrs.split(",") if s.strip()]

    rows = []
    for i, s in enumerate(sentences(os.path.abspath(context), args.count, args.seed)):
        for v in voices:
            rows.append({"file": f"{v}-{i:03d}.wav", "text": s["text"], "intent": s["intent"], "slots": s["slots"],
                         "speaker": f"flite:{v}", "source": "flite"})
    with open(slurp) as f:
        texts = [json.loads(line)["sentence"] for line in f if line.strip()]
    picks = np.random.default_rng(args.seed).permutation(len(texts))[: args.oog]
    for j, k in enumerate(picks):
        v = voices[j % len(voices)]
        rows.append({"file": f"oog-{v}-{j:03d}.wav", "text": texts[int(k)], "intent": None, "slots": {},
                     "speaker": f"flite:{v}", "source": "flite+slurp"})

    noises = br.load_noises(args.shared) if snrs else {}
    conditions = ["clean"] + [f"snr{s}" for s in snrs]
    audio = {}
    for n, r in enumerate(rows):
        audio[r["file"]] = speak(r["text"], r["speaker"].split(":")[1])
        if (n + 1) % 50 == 0:
            print(json.dumps({"event": "progress", "spoken": n + 1, "of": len(rows)}), file=sys.stderr, flush=True)
    for condition, snr in zip(conditions, [None] + snrs):
        folder = os.path.join(args.out, f"{SET}_{condition}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "manifest.jsonl"), "w") as m:
            for r in rows:
                pcm, extra = audio[r["file"]], {}
                if snr is not None:
                    pcm, extra = br.mix(pcm, noises, snr, args.seed, f"{SET}/{r['file']}/{snr}")
                br.write_wav(os.path.join(folder, r["file"]), pcm)
                m.write(json.dumps({**r, **extra}) + "\n")
    readme = {"builder": "scripts/realspeech/build_synth_coffee.py", "seed": args.seed, "sample_rate": br.SAMPLE_RATE,
              "noise": "last 30 % of each ../shared/data/noise file; file and offset seeded per (file, snr)",
              "sets": {SET: {"source": "flite voices " + ",".join(voices) + "; out of context: SLURP test texts",
                             "context": os.path.relpath(os.path.abspath(context), os.path.abspath(args.out)),
                             "synthetic": True,
                             "conditions": {c: len(rows) for c in conditions},
                             "in_context": sum(r["intent"] is not None for r in rows),
                             "out_of_context": sum(r["intent"] is None for r in rows)}}}
    with open(os.path.join(args.out, "README.json"), "w") as f:
        json.dump(readme, f, indent=1)
    print(json.dumps({"out": args.out, "conditions": conditions, "files": len(rows),
                      "in_context": readme["sets"][SET]["in_context"], "out_of_context": readme["sets"][SET]["out_of_context"]}))


if __name__ == "__main__":
    main()
