#!/usr/bin/python3
"""How many commands a run accepts right at a given false acceptance, from `scripts/realspeech/tune.ts --details`
files: per file, per condition group (clean, noisy), the share of in-context files answered right whose
statistic `(ratio - floor) * sqrt(frames / 50)` beats the out-of-context files' at 2, 4 and 6 % false
acceptance, for each floor; and how many in-context files the parse got right with nothing rejected. Compares
runs that decode differently (e.g. `tune.ts --cmn-prior N`), where the share of right answers kept would not.

  /usr/bin/python3 scripts/realspeech/accepted_at_fa.py DETAILS.jsonl [...] [--floors -0.6,-0.4,-0.2]

stdout: one JSON object, per file.
"""
import argparse
import json
import math

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("details", nargs="+")
ap.add_argument("--floors", default="-0.6,-0.4,-0.2")
args = ap.parse_args()
floors = [float(f) for f in args.floors.split(",")]


def statistic(r: dict, floor: float) -> float:
    return -1e9 if r["ratio"] is None else (r["ratio"] - floor) * math.sqrt(r["frames"] / 50)


out = {}
for path in args.details:
    rows = [json.loads(line) for line in open(path) if line.strip()]
    per = {}
    for group in ("clean", "noisy"):
        rs = [r for r in rows if (r["condition"] == "clean") == (group == "clean")]
        inside = [r for r in rs if r["inContext"]]
        outside = [r for r in rs if not r["inContext"]]
        if not inside:
            continue
        entry = {"in_context": len(inside), "out_of_context": len(outside),
                 "right_nothing_rejected": sum(r["right"] for r in inside)}
        for floor in floors:
            negatives = sorted((statistic(r, floor) for r in outside), reverse=True)
            shares = {}
            for fa in (0.02, 0.04, 0.06):
                k = int(fa * len(negatives))
                cut = negatives[k] if k < len(negatives) else -1e9
                shares[f"{int(fa * 100)}pct"] = round(
                    sum(r["right"] and statistic(r, floor) > cut for r in inside) / len(inside), 3)
            entry[f"floor_{floor}"] = shares
        per[group] = entry
    out[path] = per
print(json.dumps(out, indent=1))
