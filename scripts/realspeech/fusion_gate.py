#!/usr/bin/python3
"""The fusion model on the CMU path with a gate: where the search completed only one parse there is nothing to
choose, so the decoder's own statistic decides that utterance (at the runtime's threshold, 1.05), and the model
decides the others. Chooses the model's accept logit for the gated rule on the validation speakers (the same
crc32 split as scripts/train_fusion_cmu.py, at most --target-fa false acceptance) and scores the held-out files.

    /usr/bin/python3 scripts/realspeech/fusion_gate.py --dumps work/fusion/a,work/fusion/b,work/fusion/r \\
        --valid-scores work/fusion/runs/r2-validall.jsonl --test-scores work/fusion/runs/r2-test.jsonl \\
        [--model-json work/fusion/runs/r2/fusion-cmu.json --out-json models/fusion-cmu/fusion-cmu.json]

`--valid-scores` / `--test-scores`: train_fusion_cmu.py `--init … --minutes 0 --scores-out` of the tuning
hold-out dumps / the held-out dumps. Prints JSON lines: the threshold and validation rates, then per held-out
dump the gated rule's and the decoder's right and false-accept rates over every file of the dump (files
without a parse count as rejected). `--out-json` writes the model's .json with the gated accept logit and
`min_parses: 2`, which src/runtime/cmuFusion.ts honours.
"""

import argparse
import collections
import glob
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from train_fusion_cmu import MIDPOINT, is_valid_speaker  # noqa: E402  (the one speaker split and threshold)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dumps", required=True, help="dump folders, comma-separated")
    ap.add_argument("--valid-scores", required=True)
    ap.add_argument("--test-scores", required=True)
    ap.add_argument("--target-fa", type=float, default=0.05)
    ap.add_argument("--model-json", default=None)
    ap.add_argument("--out-json", default=None)
    args = ap.parse_args()

    info = {}  # (dump, file) -> (parses, speaker, in context)
    for folder in args.dumps.split(","):
        for path in glob.glob(os.path.join(folder, "*.jsonl")):
            name = os.path.basename(path)[: -len(".jsonl")]
            for line in open(path):
                r = json.loads(line)
                info[(name, r["file"])] = (len(r["candidates"]), r["speaker"], r["inContext"])

    def is_valid(s):
        _, speaker, _ = info[(s["dump"], s["file"])]
        return is_valid_speaker({"speaker": speaker, "file": s["file"]})

    valid = [json.loads(l) for l in open(args.valid_scores)]
    valid = [s for s in valid if is_valid(s)]
    test = [json.loads(l) for l in open(args.test_scores)]

    def gated(s, threshold):
        if info[(s["dump"], s["file"])][0] >= 2:
            return s["model_score"] >= threshold, s["model_right"]
        return s["base_score"] >= MIDPOINT, s["base_right"]

    def decoder(s, _threshold):
        return s["base_score"] >= MIDPOINT, s["base_right"]

    def counts(rows, rule, threshold):
        right = sum(1 for s in rows if s["in"] and all(rule(s, threshold)))
        fa = sum(1 for s in rows if not s["in"] and rule(s, threshold)[0])
        return right, fa

    outs = sum(1 for s in valid if not s["in"])
    allowed = math.floor(args.target_fa * outs)
    threshold = math.inf
    for t in sorted({s["model_score"] for s in valid}):
        if counts(valid, gated, t + 1e-6)[1] <= allowed:
            threshold = t + 1e-6
            break
    ins = sum(1 for s in valid if s["in"])
    g, d = counts(valid, gated, threshold), counts(valid, decoder, threshold)
    print(json.dumps({"event": "valid", "files": len(valid), "accept_logit": threshold,
                      "gated": {"right": round(g[0] / ins, 4), "fa": round(g[1] / max(1, outs), 4)},
                      "decoder": {"right": round(d[0] / ins, 4), "fa": round(d[1] / max(1, outs), 4)}}))

    totals = collections.defaultdict(lambda: [0, 0])  # dump -> [in, out], every file of the dump
    dumps = {s["dump"] for s in test}
    for (name, _), (_, _, in_context) in info.items():
        if name in dumps:
            totals[name][0 if in_context else 1] += 1
    by = collections.defaultdict(list)
    for s in test:
        by[s["dump"]].append(s)
    for dump in sorted(by):
        n_in, n_out = totals[dump]
        row = {"event": "test", "dump": dump, "in": n_in, "out": n_out}
        for name, rule in (("gated", gated), ("decoder", decoder)):
            right, fa = counts(by[dump], rule, threshold)
            row[name] = {"right": round(right / max(1, n_in), 4), "fa": round(fa / n_out, 4) if n_out else None}
        print(json.dumps(row))

    if args.out_json:
        meta = json.load(open(args.model_json))
        meta["accept_logit"] = threshold
        meta["min_parses"] = 2
        with open(args.out_json, "w") as f:
            json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
