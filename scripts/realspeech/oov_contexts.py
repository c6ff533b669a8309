#!/usr/bin/python3
"""Common words as competitors of a context's commands (an experiment on the tuning speakers; nothing in the
runtime reads it). Writes a copy of a real-speech root whose Speech Commands context has one more intent,
`zzoov`, whose expressions are the N most frequent words of SLURP's devel sentences (../shared/data/slurp)
that are in the lexicon, not in the context and not pronounced as one of its words. A file answered `zzoov`
is a rejection; `--score` counts it so from `evaluate.ts --details` files.

Usage:
  /usr/bin/python3 scripts/realspeech/oov_contexts.py [--real work/real] [--out work/oov] [--shared ../shared]
      [--words 50,200]
  npx tsx scripts/realspeech/evaluate.ts --root work/oov/r50 --systems ours --sets sc_tunehold \\
      --conditions clean,6,12 --limit 700 --details r50.jsonl
  /usr/bin/python3 scripts/realspeech/oov_contexts.py --score r50.jsonl [more.jsonl ...]
  /usr/bin/python3 scripts/realspeech/oov_contexts.py --write-list models/lexicon/competitors.txt

Writes <out>/contexts/sc<N>.yaml and <out>/r<N>/ (README.json naming that context for the Speech Commands sets,
the other sets' folders linked from --real). --score prints one JSON object per details file: per condition
the in-context files answered right, the out-of-context files answered with a command (not `zzoov`), and the
in-context files answered `zzoov`; and pooled over the conditions, the same counts had the accept
threshold (the runtime's confidence, 0.5 by default) been each of --thresholds (from the confidence and
transcript that `--details` keeps for rejected files too; for one-word commands only).
"""

import argparse
import gzip
import json
import os
import re
import sys
from collections import Counter, defaultdict

import yaml

OOV = "zzoov"
# The assistant's name in SLURP's recordings: frequent there, said by nobody else.
NAMES = {"olly"}


def lexicon(path: str) -> dict:
    out: dict = {}
    with gzip.open(path, "rt") as f:
        for line in f:
            parts = line.split()
            if parts:
                word = re.sub(r"\(\d+\)$", "", parts[0].lower())
                out.setdefault(word, set()).add(" ".join(parts[1:]))
    return out


def frequent_words(slurp_devel: str, lex: dict) -> list:
    counts: Counter = Counter()
    with open(slurp_devel) as f:
        for line in f:
            counts.update(re.findall(r"[a-z]+(?:'[a-z]+)?", json.loads(line)["sentence"].lower()))
    # "olly" is the name SLURP's speakers called the assistant by, not a word people say.
    return [w for w, _ in counts.most_common() if "'" not in w and w in lex and w not in NAMES]


def build(args) -> None:
    lex = lexicon("models/lexicon/cmudict.txt.gz")
    top = frequent_words(os.path.join(args.shared, "data/slurp/devel.jsonl"), lex)
    readme = json.load(open(os.path.join(args.real, "README.json")))
    os.makedirs(os.path.join(args.out, "contexts"), exist_ok=True)
    for n in [int(x) for x in args.words.split(",")]:
        spec = yaml.safe_load(open(os.path.join(args.real, "contexts/speech_commands.yaml")))
        words = {w for exprs in spec["context"]["expressions"].values() for e in exprs
                 for w in re.findall(r"[a-z']+", e.lower())}
        sounds = set().union(*[lex.get(w, set()) for w in words])
        competitors = [w for w in top[:n] if w not in words and not (lex[w] & sounds)]
        spec["context"]["expressions"][OOV] = competitors
        context = os.path.abspath(os.path.join(args.out, f"contexts/sc{n}.yaml"))
        with open(context, "w") as f:
            yaml.safe_dump(spec, f, sort_keys=False)
        root = os.path.join(args.out, f"r{n}")
        os.makedirs(root, exist_ok=True)
        for name in os.listdir(args.real):
            src = os.path.abspath(os.path.join(args.real, name))
            if os.path.isdir(src) and name != "contexts" and not os.path.exists(os.path.join(root, name)):
                os.symlink(src, os.path.join(root, name))
        sets = {k: dict(v) for k, v in readme["sets"].items()}
        for info in sets.values():
            if info.get("context") == "contexts/speech_commands.yaml":
                info["context"] = context
        with open(os.path.join(root, "README.json"), "w") as f:
            json.dump({**readme, "sets": sets}, f)
        print(json.dumps({"words": n, "competitors": len(competitors), "context": context, "root": root}))


def accepted_at(rows: list, threshold: float, words: set) -> tuple:
    """In-context files right and out-of-context files answered with a command, were the accept threshold
    `threshold` (a one-word-command context: the transcript of a rejected file is the command it would be)."""
    ins = [r for r in rows if r["expected"] and r["expected"].get("intent")]
    outs = [r for r in rows if not (r["expected"] and r["expected"].get("intent"))]

    def answers(r: dict) -> bool:
        return r["confidence"] >= threshold and r["transcript"] in words and r["intent"] != OOV

    right = sum(answers(r) and r["transcript"] == r["expected"]["intent"] for r in ins)
    return right, len(ins), sum(answers(r) for r in outs), len(outs)


def score(paths: list, thresholds: list) -> None:
    for path in paths:
        by = defaultdict(list)
        for line in open(path):
            row = json.loads(line)
            by[row["condition"]].append(row)
        out = {}
        for condition, rows in by.items():
            ins = [r for r in rows if r["expected"] and r["expected"].get("intent")]
            outs = [r for r in rows if not (r["expected"] and r["expected"].get("intent"))]
            out[condition] = {
                "in_context": len(ins),
                "right": sum(r["right"] for r in ins),
                "out_of_context": len(outs),
                "false_accepts": sum(r["understood"] and r["intent"] != OOV for r in outs),
                "in_context_as_oov": sum(r["intent"] == OOV for r in ins),
            }
        words = {r["expected"]["intent"] for rows in by.values() for r in rows
                 if r["expected"] and r["expected"].get("intent")}
        curve = []
        for t in thresholds:
            right, ins, fa, outs = accepted_at([r for rows in by.values() for r in rows], t, words)
            curve.append({"threshold": t, "right": right, "in_context": ins, "false_accepts": fa,
                          "out_of_context": outs})
        print(json.dumps({"details": path, "conditions": out, "pooled_at_thresholds": curve}))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--real", default="work/real")
    p.add_argument("--out", default="work/oov")
    p.add_argument("--shared", default="../shared")
    p.add_argument("--words", default="50,200")
    p.add_argument("--score", nargs="+")
    p.add_argument("--write-list", metavar="FILE",
                   help="write the 200 words, most frequent first, as models/lexicon/competitors.txt is")
    p.add_argument("--thresholds", default="0.3,0.35,0.4,0.45,0.5,0.55,0.6")
    args = p.parse_args()
    if args.score:
        score(args.score, [float(t) for t in args.thresholds.split(",")])
        return
    if not os.path.exists(os.path.join(args.shared, "data/slurp/devel.jsonl")):
        sys.exit(f"{args.shared}/data/slurp/devel.jsonl not found: pass --shared")
    if args.write_list:
        lex = lexicon("models/lexicon/cmudict.txt.gz")
        top = frequent_words(os.path.join(args.shared, "data/slurp/devel.jsonl"), lex)[:200]
        with open(args.write_list, "w") as f:
            f.write("# The 200 words people say most often to voice assistants (SLURP's devel sentences, in the\n"
                    "# lexicon, without apostrophes, less the assistant's name 'olly'), most frequent first: the\n"
                    "# competitors of src/asr/competitors.ts.\n"
                    "# Written by scripts/realspeech/oov_contexts.py --write-list; the counts are not kept.\n")
            f.write("\n".join(top) + "\n")
        return
    build(args)


if __name__ == "__main__":
    main()
