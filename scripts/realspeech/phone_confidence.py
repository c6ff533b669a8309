#!/usr/bin/python3
"""Would the parse's phones, aligned one by one, make a better confidence than the statistic over its words?
Measured on TUNING speakers from `scripts/realspeech/tune.ts --details` (its lines carry `phones`: per phone
of the answered parse, aligned again to the final pass's frames, [frames, per-frame ratio against the phone
loop, per-frame score]; `src/asr/phoneAlign.ts`, `SenoneRecognizer.phones`).

The statistic today is `(ratio - floor) * sqrt(frames / 50)` with `ratio` the per-frame ratio over the
words: a long vowel outweighs the short consonant that tells "dog" from "down". The candidates:
  - `phone_mean`: the same statistic with the ratio averaged per phone instead of per frame;
  - `plus_min`: the statistic plus b * the worst phone's ratio (its margin above the floor, capped);
  - `blend`: the statistic with the ratio (1 - w) * per-frame + w * per-phone mean.

One JSON object on stdout:
  - `pooled`: per set and candidate, the share of in-context files answered right that it keeps when it
    accepts at most 2, 4 or 6 % of the out-of-context files;
  - `chosen_on_all`: tune.ts's rule on every file, per candidate;
  - `chosen_no_set_loses`: `plus_min` (floor, weight, threshold) accepting the most overall at the target with
    no set accepting fewer, pooled or clean, than the statistic as shipped (`--baseline`): the default;
  - `folds`: the speakers split in two by md5 of the speaker id; on each half, tune.ts's rule (floor,
    candidate parameter and threshold accepting the most commands right, mean over sets and conditions, at
    <= target false acceptance per set, pooled and clean), scored on the other half, for the statistic and
    each candidate.

  /usr/bin/python3 scripts/realspeech/phone_confidence.py DETAILS.jsonl [DETAILS.jsonl ...] [--target-fa 0.04]
"""
import argparse
import json
import math

import numpy as np
from confidence_rule import Rule, fold, kept
from confidence_rule import statistic as shipped_statistic

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("details", nargs="+")
ap.add_argument("--target-fa", type=float, default=0.04)
ap.add_argument("--floor", type=float, default=-0.4, help="the statistic's floor for the pooled measure")
ap.add_argument("--baseline", default="-0.4,1.05",
                help="FLOOR,THRESHOLD of the statistic as shipped, which `chosen_no_set_loses` may not do worse than")
args = ap.parse_args()
rows = [json.loads(line) for path in args.details for line in open(path) if line.strip()]
if not any(r.get("phones") for r in rows):
    raise SystemExit("phone_confidence: no `phones` in these details; run tune.ts --details again")


for r in rows:
    r["fold"] = fold(r)
    phones = r.get("phones") or []
    r["phone_mean"] = float(np.mean([p[1] for p in phones])) if phones else None
    r["phone_min"] = float(min(p[1] for p in phones)) if phones else None
rule = Rule(rows, args.target_fa)
evaluate = rule.evaluate
NONE = -1e9


def scale(r: dict) -> float:
    return math.sqrt(r["frames"] / 50)


def statistic(r: dict, floor: float, _p: float = 0) -> float:
    return shipped_statistic(r, floor)


def phone_mean(r: dict, floor: float, _p: float = 0) -> float:
    if r["ratio"] is None or r["phone_mean"] is None:
        return statistic(r, floor)
    return (r["phone_mean"] - floor) * scale(r)


def plus_min(r: dict, floor: float, b: float) -> float:
    if r["ratio"] is None or r["phone_min"] is None:
        return statistic(r, floor)
    return statistic(r, floor) + b * min(r["phone_min"] - floor, 2.0)


def blend(r: dict, floor: float, w: float) -> float:
    if r["ratio"] is None or r["phone_mean"] is None:
        return statistic(r, floor)
    return ((1 - w) * r["ratio"] + w * r["phone_mean"] - floor) * scale(r)


CANDIDATES = {
    "statistic": (statistic, [0.0]),
    "phone_mean": (phone_mean, [0.0]),
    "plus_min": (plus_min, [0.1, 0.2, 0.3, 0.5, 0.75, 1.0]),
    "blend": (blend, [0.25, 0.5, 0.75]),
}


def best_grid(rs: list, score, params: list):
    best = None
    for floor in np.arange(-1.5, 0.51, 0.1):
        for p in params:
            s = np.array([score(r, floor, p) for r in rs])
            for threshold in np.arange(0, 4.01, 0.05):
                objective, ok, _ = evaluate(rs, s >= threshold)
                if ok and (best is None or objective > best[0]):
                    best = (objective, round(float(floor), 2), p, round(float(threshold), 2))
    return best


out = {"details": args.details, "target_false_accept": args.target_fa, "floor": args.floor,
       "files": len(rows), "with_phones": sum(bool(r.get("phones")) for r in rows), "pooled": {}, "folds": []}
for s in rule.sets:
    rs = [r for r in rows if r["set"] == s]
    out["pooled"][s] = {
        "out_of_context": sum(not r["inContext"] for r in rs),
        **{f"kept_at_{int(fa * 100)}pct": {
            f"{name}" + (f"_{p}" if len(params) > 1 else ""): kept(rs, lambda r, f=f, p=p: f(r, args.floor, p), fa)
            for name, (f, params) in CANDIDATES.items() for p in params}
           for fa in (0.02, 0.04, 0.06)},
    }
for fold in (0, 1):
    fit = [r for r in rows if r["fold"] != fold]
    test = [r for r in rows if r["fold"] == fold]
    result = {"fold": fold, "fit_files": len(fit), "test_files": len(test)}
    for name, (f, params) in CANDIDATES.items():
        grid = best_grid(fit, f, params)
        if grid is None:
            result[name] = None
            continue
        obj, _, per = evaluate(test, np.array([f(r, grid[1], grid[2]) for r in test]) >= grid[3])
        result[name] = {"chosen": {"floor": grid[1], "param": grid[2], "threshold": grid[3],
                                   "fit_objective": round(grid[0], 3)},
                        "test_objective": round(obj, 3), "test": per}
    out["folds"].append(result)
# Chosen on every tuning file (what a default would be), with the objective and per-set figures it gives.
out["chosen_on_all"] = {}
for name, (f, params) in CANDIDATES.items():
    grid = best_grid(rows, f, params)
    if grid is not None:
        _, _, per = evaluate(rows, np.array([f(r, grid[1], grid[2]) for r in rows]) >= grid[3])
        out["chosen_on_all"][name] = {"floor": grid[1], "param": grid[2], "threshold": grid[3],
                                      "objective": round(grid[0], 3), "per_set": per}
# As tune.ts chooses the noise allowance: the most accepted overall, at the target, with no set accepting fewer
# (pooled or clean) than the statistic as shipped.
base_floor, base_threshold = (float(x) for x in args.baseline.split(","))
_, _, base_per = evaluate(rows, np.array([statistic(r, base_floor) for r in rows]) >= base_threshold)
out["baseline"] = {"floor": base_floor, "threshold": base_threshold, "per_set": base_per}
best = None
for floor in np.arange(-2.0, 0.31, 0.1):
    for b in (0.0, 0.05, 0.1, 0.15, 0.2, 0.3):
        scores = np.array([plus_min(r, floor, b) for r in rows])
        for threshold in np.arange(0, 4.01, 0.05):
            objective, ok, per = evaluate(rows, scores >= threshold)
            if not ok or any(per[k]["acceptance"] < base_per[k]["acceptance"] or per[k]["clean"] < base_per[k]["clean"]
                             for k in per):
                continue
            if best is None or objective > best["objective"]:
                best = {"floor": round(float(floor), 2), "worst_phone_weight": b, "threshold": round(float(threshold), 2),
                        "objective": round(objective, 4), "per_set": per}
out["chosen_no_set_loses"] = best
out["mean_test_objective"] = {name: round(float(np.mean([f[name]["test_objective"] for f in out["folds"] if f[name]])), 4)
                              for name in CANDIDATES}
print(json.dumps(out, indent=1))
