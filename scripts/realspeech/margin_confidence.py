#!/usr/bin/python3
"""Would the n-best margin make a better confidence than the statistic alone? Measured on TUNING speakers from
`scripts/realspeech/tune.ts --details` (whose lines carry `margin`: the best parse's per-frame score over the
utterance above the best parse with other words, null where no other parse survived the search).

Two measures, one JSON object on stdout:
  - `pooled`: per set, the share of in-context files answered right that a confidence keeps when it accepts
    at most 2, 4 or 6 % of the out-of-context files: the statistic `(ratio - floor) * sqrt(frames / 50)`
    alone, and the statistic plus a * margin (margin capped at 2, null counted as 2).
  - `folds`: the speakers split in two by md5 of the speaker id (crc32 cannot split them: the tuning speakers
    are those with crc32 % 4 == 0); on each half, tune.ts's rule (the floor and threshold accepting the most
    commands right, mean over sets and conditions, at <= target false acceptance per set, pooled and clean)
    and a logistic regression over the statistic's parts and the margin (in-context right against
    out-of-context), its threshold chosen by the same rule; each scored on the other half.

  /usr/bin/python3 scripts/realspeech/margin_confidence.py DETAILS.jsonl [--target-fa 0.04] [--floor -0.4]
"""
import argparse
import json
import math

import numpy as np
from confidence_rule import Rule, fold, kept, statistic

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("details")
ap.add_argument("--target-fa", type=float, default=0.04)
ap.add_argument("--floor", type=float, default=-0.4, help="the statistic's floor for the pooled measure")
args = ap.parse_args()
rows = [json.loads(line) for line in open(args.details)]
if not any("margin" in r for r in rows):
    raise SystemExit("margin_confidence: no `margin` in these details; run tune.ts --details again")


for r in rows:
    r["fold"] = fold(r)
rule = Rule(rows, args.target_fa)
evaluate = rule.evaluate
sets = rule.sets
MARGIN_CAP = 2.0


def margin(r: dict) -> float:
    return MARGIN_CAP if r.get("margin") is None else min(r["margin"], MARGIN_CAP)


def features(r: dict) -> list | None:
    if r["ratio"] is None:
        return None
    scale = math.sqrt(r["frames"] / 50)
    return [r["ratio"], r["ratio"] * scale, scale, math.log(scale), margin(r),
            1.0 if r.get("margin") is None else 0.0, float(r.get("denoised", False))]


def fit_logistic(rs: list, l2: float = 1e-2, steps: int = 3000):
    data = [(features(r), 1.0 if r["inContext"] and r["right"] else 0.0) for r in rs
            if features(r) is not None and not (r["inContext"] and not r["right"])]
    x = np.array([f for f, _ in data])
    y = np.array([t for _, t in data])
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        w -= 0.5 * (z.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0])
    return lambda r: -1e9 if features(r) is None else float(np.r_[(np.array(features(r)) - mu) / sd, 1] @ w)


def best_grid(rs: list):
    best = None
    for floor in np.arange(-1.5, 0.51, 0.1):
        s = np.array([statistic(r, floor) for r in rs])
        for threshold in np.arange(0, 3.01, 0.05):
            objective, ok, _ = evaluate(rs, s >= threshold)
            if ok and (best is None or objective > best[0]):
                best = (objective, round(float(floor), 2), round(float(threshold), 2))
    return best


def best_threshold(rs: list, score):
    s = np.array([score(r) for r in rs])
    best = None
    for threshold in np.quantile(s[s > -1e8], np.linspace(0, 1, 400)):
        objective, ok, _ = evaluate(rs, s >= threshold)
        if ok and (best is None or objective > best[0]):
            best = (objective, float(threshold))
    return best


out = {"details": args.details, "target_false_accept": args.target_fa, "floor": args.floor, "pooled": {},
       "folds": []}
for s in sets:
    rs = [r for r in rows if r["set"] == s]
    out["pooled"][s] = {
        "out_of_context": sum(not r["inContext"] for r in rs),
        "no_other_parse": {"right": round(float(np.mean([r.get("margin") is None for r in rs if r["inContext"] and r["right"]])), 3),
                           "out_of_context": round(float(np.mean([r.get("margin") is None for r in rs if not r["inContext"]])), 3)},
        **{f"kept_at_{int(fa * 100)}pct": {"statistic": kept(rs, lambda r: statistic(r, args.floor), fa),
                                          **{f"plus_{a}_margin": kept(rs, lambda r, a=a: statistic(r, args.floor) + a * margin(r), fa)
                                             for a in (0.5, 1, 2)}}
           for fa in (0.02, 0.04, 0.06)},
    }
for half in (0, 1):
    fit = [r for r in rows if r["fold"] != half]
    test = [r for r in rows if r["fold"] == half]
    grid = best_grid(fit)
    score = fit_logistic(fit)
    chosen = best_threshold(fit, score)
    g_obj, _, g_per = evaluate(test, np.array([statistic(r, grid[1]) for r in test]) >= grid[2])
    l_obj, _, l_per = evaluate(test, np.array([score(r) for r in test]) >= chosen[1])
    out["folds"].append({
        "test_fold": half, "fit_files": len(fit), "test_files": len(test),
        "statistic": {"floor": grid[1], "threshold": grid[2], "fit_mean": round(grid[0], 3),
                      "test_mean": round(g_obj, 3), "test": g_per},
        "logistic_with_margin": {"fit_mean": round(chosen[0], 3), "test_mean": round(l_obj, 3), "test": l_per},
    })
print(json.dumps(out, indent=1))
