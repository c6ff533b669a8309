#!/usr/bin/python3
"""Would choosing, for each utterance the noisy-utterance pass denoises, the better of its denoised pass and the
plain batch-CMN pass (by the confidence statistic each gives its own best parse) accept more commands right at
the same false acceptance than the denoised pass alone? Measured from two `scripts/realspeech/tune.ts --details`
runs over the same TUNING files, one with `--denoise auto` (the default) and one with `--denoise off`:

  /usr/bin/python3 scripts/realspeech/pass_choice.py AUTO.jsonl OFF.jsonl [--target-fa 0.04]

For each configuration the floor and threshold of the statistic `(ratio - floor) * sqrt(frames / 50)` are chosen
by tune.ts's rule (false acceptance at or under the target on every set, pooled over its conditions and on its
clean files; most commands accepted right, averaged over each set's conditions, then over the sets), and printed
with acceptance per set and condition. Configurations:
  auto:    the denoised pass where the gate sends an utterance, batch CMN elsewhere (the runtime's default);
  off:     batch CMN everywhere;
  choice:  where the gate denoised, whichever of the two passes has the higher statistic (its answer and
           statistic), the statistic of the other pass bettered by `margin` (one line per margin).
stdout: JSON.
"""
import argparse
import json
import math

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("auto")
ap.add_argument("off")
ap.add_argument("--target-fa", type=float, default=0.04)
ap.add_argument("--margins", default="-0.5,-0.25,0,0.25,0.5,1")
args = ap.parse_args()


def load(path):
    return {(p["set"], p["condition"], p["file"]): p for p in map(json.loads, open(path)) if p}


auto, off = load(args.auto), load(args.off)
keys = sorted(set(auto) & set(off))
FLOORS = [-1.0, -0.8, -0.6, -0.4, -0.2, 0.0]
THRESHOLDS = [round(0.05 * i, 2) for i in range(-10, 80)]


def stat(p, floor):
    if p["ratio"] is None or p["frames"] <= 0:
        return -math.inf
    return (p["ratio"] - floor) * math.sqrt(p["frames"] / 50)


def pick(k, floor, margin):
    """The point a configuration answers with: (in context, right, statistic)."""
    a, o = auto[k], off[k]
    if margin is None:
        return a, stat(a, floor)
    if margin == "off":
        return o, stat(o, floor)
    if not a["denoised"]:
        return a, stat(a, floor)
    sa, so = stat(a, floor), stat(o, floor)
    return (o, so) if so > sa + margin else (a, sa)


def rates(floor, threshold, margin):
    per = {}
    for k in keys:
        p, s = pick(k, floor, margin)
        row = per.setdefault(k[0], {}).setdefault(k[1], [0, 0, 0, 0])
        if p["inContext"]:
            row[0] += 1
            row[1] += p["right"] and s >= threshold
        else:
            row[2] += 1
            row[3] += s >= threshold
    return per


def summary(per):
    out, ok, means = {}, True, []
    for st, conds in per.items():
        accs = [c[1] / c[0] for c in conds.values() if c[0]]
        pooled_out = sum(c[2] for c in conds.values())
        pooled_fa = sum(c[3] for c in conds.values()) / max(1, pooled_out)
        clean = conds.get("clean", [0, 0, 0, 0])
        clean_fa = clean[3] / clean[2] if clean[2] else 0
        ok &= pooled_fa <= args.target_fa and clean_fa <= args.target_fa
        means.append(sum(accs) / len(accs))
        out[st] = {
            "acceptance": round(sum(accs) / len(accs), 4),
            "false_accept": round(pooled_fa, 4),
            "conditions": {c: {"acceptance": round(v[1] / v[0], 4), "false_accept": round(v[3] / v[2], 4) if v[2] else None} for c, v in sorted(conds.items())},
        }
    return ok, sum(means) / len(means), out


def best(margin):
    top = None
    for floor in FLOORS:
        for threshold in THRESHOLDS:
            ok, mean, out = summary(rates(floor, threshold, margin))
            if ok:
                if top is None or mean > top["acceptance"]:
                    top = {"floor": floor, "threshold": threshold, "acceptance": round(mean, 4), "per": out}
                break
    return top


def gated_share():
    return round(sum(1 for k in keys if auto[k]["denoised"]) / len(keys), 4)


result = {
    "files": len(keys),
    "denoised_share": gated_share(),
    "target_false_accept": args.target_fa,
    "auto": best(None),
    "auto_at_shipped": summary(rates(-0.4, 1.05, None))[1:],
    "off": best("off"),
    "choice": {m: best(float(m)) for m in args.margins.split(",")},
}
print(json.dumps(result, indent=1))
