"""What the confidence studies share (margin_confidence.py, phone_confidence.py): tune.ts's rule for choosing a
confidence on `scripts/realspeech/tune.ts --details` rows, and the speakers the rows come from. Imported, not
run.
"""
import hashlib
import math

import numpy as np


def speaker(r: dict) -> str:
    """The speaker of a tune.ts row (Speech Commands, speechocean762 and FSDD file names)."""
    if r["set"].startswith("sc"):  # word-SPEAKER_nohash_N.wav, _unknown_-word_SPEAKER_nohash_N.wav
        return r["file"].split("_nohash")[0].split("-")[-1].split("_")[-1]
    if r["set"].startswith("fsdd"):  # DIGIT_SPEAKER_N.wav
        return r["file"].split("_")[1]
    return r["file"][:5]  # speechocean762: SSSSSUUUU.wav


def fold(r: dict) -> int:
    """The speaker half a row falls in (md5 of the speaker id: the tuning speakers all have crc32 % 4 == 0)."""
    return hashlib.md5(speaker(r).encode()).digest()[0] % 2


def statistic(r: dict, floor: float) -> float:
    """The shipped statistic, `(ratio - floor) * sqrt(frames / 50)`; -1e9 without a parse."""
    return -1e9 if r["ratio"] is None else (r["ratio"] - floor) * math.sqrt(r["frames"] / 50)


class Rule:
    """tune.ts's rule over `rows`: acceptance averaged over each set's conditions, then over the sets, with at
    most `target` false acceptance on every set, pooled and on its clean files."""

    def __init__(self, rows: list, target: float):
        self.sets = sorted({r["set"] for r in rows})
        self.keys = sorted({(r["set"], r["condition"]) for r in rows})
        self.target = target

    def evaluate(self, rs: list, accepted: np.ndarray) -> tuple:
        """The objective, whether it keeps the target, and per set its figures."""
        per, means, ok = {}, [], True
        for s in self.sets:
            idx = [i for i, r in enumerate(rs) if r["set"] == s]
            ooc = [i for i in idx if not rs[i]["inContext"]]
            ooc_clean = [i for i in ooc if rs[i]["condition"] == "clean"]
            fa = sum(accepted[i] for i in ooc) / max(1, len(ooc))
            fa_clean = sum(accepted[i] for i in ooc_clean) / max(1, len(ooc_clean))
            conditions = {}
            for ks, c in self.keys:
                if ks != s:
                    continue
                ic = [i for i in idx if rs[i]["condition"] == c and rs[i]["inContext"]]
                conditions[c] = sum(bool(accepted[i]) and rs[i]["right"] for i in ic) / max(1, len(ic))
                means.append(conditions[c])
            per[s] = {"acceptance": round(float(np.mean(list(conditions.values()))), 3),
                      "clean": round(conditions.get("clean", float("nan")), 3),
                      "false_accept": round(fa, 3), "clean_false_accept": round(fa_clean, 3)}
            ok = ok and fa <= self.target and fa_clean <= self.target
        return float(np.mean(means)), ok, per


def kept(rs: list, score, fa: float) -> float:
    """Share of the in-context rows answered right whose score beats all but `fa` of the out-of-context ones."""
    pos = [score(r) for r in rs if r["inContext"] and r["right"] and r["ratio"] is not None]
    neg = sorted((score(r) for r in rs if not r["inContext"]), reverse=True)
    k = int(fa * len(neg))
    cut = neg[k] if k < len(neg) else -1e9
    return round(float(np.mean([p > cut for p in pos])), 3)
