#!/usr/bin/python3
"""Trains the fusion model on the CMU path (scripts/voxtrain/fusion_cmu.py) on real speech that
scripts/realspeech/dump_fusion.ts decoded, and measures it against the decoder's own choice and statistic.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/train_fusion_cmu.py \\
           --train 'work/fusion/t/*,work/fusion/a/sc_tunehold_clean,work/fusion/b/so_tunehold_clean' \\
           --valid 'work/fusion/a/*,work/fusion/b/*' [--test 'work/fusion/r/*'] [--minutes 20] [--out DIR]

`--train`, `--valid`, `--test`: dumps (`<dir>/<set>_<condition>`, globs, comma-separated). Speakers of the
tuning hold-out sets (`*tunehold*`) are split by a fixed rule, crc32(speaker) % 10 < 3 to validation (a
`_silence_` clip, without a speaker, by its file name); a file is read for training only from a `--train` dump
and for a train speaker, and for validation only from a `--valid` dump and for a validation speaker, so that
noisy copies mixed with the evaluation part of the noise (build_realsets.py without --training-noise) are never
trained on. Dumps of other sets in `--train` (e.g. sc_tune, whose speakers the MAP adaptation heard) are all
training. `--test` dumps (held-out speakers) are only scored, once, at the end, with the threshold chosen on
validation.

The decision compared: the decoder's (its best parse, accepted at statistic >= 1.05, the runtime's threshold)
and the model's (the candidate with the highest logit, accepted above a threshold chosen on validation at
<= --target-fa false acceptance). Prints JSON lines: progress, then per dump: first choice right (no
threshold), right and falsely accepted at the runtime's threshold, and right accepted at the validation
threshold, for the decoder and for the model. Writes <out>/fusion-cmu.onnx and fusion-cmu.json when --out is
given.
"""

import argparse
import glob
import json
import math
import os
import random
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from voxtrain.fusion_cmu import FEATURES, MIDPOINT, FusionCmu  # noqa: E402

MARGIN_FLOOR = -5.0
PAD_FRAMES = 20  # frames kept around the candidates' words
MAX_FRAMES = 800


def is_valid_speaker(row: dict) -> bool:
    key = row["speaker"] or row["file"]
    return zlib.crc32(key.encode("utf-8")) % 10 < 3


class Vocab:
    def __init__(self, phones: list[str]):
        self.phones = phones
        self.ids = {p: i + 1 for i, p in enumerate(phones)}
        self.word = len(phones) + 1
        self.cls = len(phones) + 2
        self.unknown = len(phones) + 3
        self.size = len(phones) + 4

    def tokens(self, phones: str) -> list[int]:
        out = [self.cls]
        for p in phones.split():
            out.append(self.word if p == "|" else self.ids.get(p, self.unknown))
        return out


def expand(patterns: str) -> list[str]:
    out = []
    for p in patterns.split(","):
        p = p.strip()
        if not p:
            continue
        found = sorted(f[: -len(".jsonl")] for f in glob.glob(p + ".jsonl"))
        if not found:
            sys.exit(f"train_fusion_cmu: no dump matches {p}")
        out += found
    return out


def load(dumps: list[str], role: str, vocab_holder: dict) -> list[dict]:
    """Utterances of these dumps for `role` ('train', 'valid', 'test'), each with its frames and candidates."""
    out = []
    for dump in dumps:
        folder, name = os.path.dirname(dump), os.path.basename(dump)
        readme = json.load(open(os.path.join(folder, "README.json")))
        if "vocab" not in vocab_holder:
            vocab_holder["vocab"] = Vocab(readme["phones"])
            vocab_holder["dim"] = readme["dim"]
        dim = readme["dim"]
        frames = np.memmap(dump + ".bin", dtype=np.float32, mode="r").reshape(-1, dim)
        split = "tunehold" in name
        for line in open(dump + ".jsonl"):
            row = json.loads(line)
            if role != "test" and split and is_valid_speaker(row) != (role == "valid"):
                continue
            if not row["candidates"] or row["frames"] == 0:
                continue
            out.append({"dump": name, "row": row, "frames": frames, "offset": row["offset"]})
    return out


def candidate_features(cands: list[dict]) -> np.ndarray:
    top = cands[0]
    top_frames = max(1, (top["end"] or 0) - (top["start"] or 0))
    feats = []
    for i, c in enumerate(cands):
        frames = max(0, (c["end"] or 0) - (c["start"] or 0))
        stat = c["ratio"] if c["ratio"] is not None else -10.0
        margin = max(MARGIN_FLOOR, (c["score"] - top["score"]) / top_frames)
        feats.append([stat, math.sqrt(frames / 50), margin, 1.0 if i == 0 else 0.0, len(cands) / 8])
    return np.asarray(feats, dtype=np.float32)


def batch(utts: list[dict], vocab: Vocab, dim: int):
    """Every candidate of these utterances as one row; `groups` maps rows to utterances."""
    rows, groups = [], []
    for u, utt in enumerate(utts):
        row = utt["row"]
        cands = row["candidates"]
        starts = [c["start"] for c in cands if c["start"] is not None]
        ends = [c["end"] for c in cands if c["end"] is not None]
        lo = max(0, min(starts) - PAD_FRAMES) if starts else 0
        hi = min(row["frames"], max(ends) + PAD_FRAMES) if ends else row["frames"]
        hi = min(hi, lo + MAX_FRAMES)
        x = np.asarray(utt["frames"][utt["offset"] + lo: utt["offset"] + hi])
        feats = candidate_features(cands)
        for i, c in enumerate(cands):
            span = np.zeros(hi - lo, dtype=np.float32)
            if c["start"] is not None:
                span[max(0, c["start"] - lo): max(0, c["end"] - lo)] = 1
            rows.append((x, span, vocab.tokens(c["phones"]), feats[i], 1.0 if c["right"] else 0.0))
            groups.append(u)
    t = max(len(r[0]) for r in rows)
    length = max(len(r[2]) for r in rows)
    n = len(rows)
    frames = np.full((n, t, dim), -50.0, dtype=np.float32)
    frame_mask = np.zeros((n, t), dtype=np.float32)
    span = np.zeros((n, t), dtype=np.float32)
    tokens = np.zeros((n, length), dtype=np.int64)
    token_mask = np.zeros((n, length), dtype=np.float32)
    feats = np.zeros((n, len(FEATURES)), dtype=np.float32)
    labels = np.zeros(n, dtype=np.float32)
    for i, (x, s, tok, f, y) in enumerate(rows):
        frames[i, : len(x)] = x
        frame_mask[i, : len(x)] = 1
        span[i, : len(s)] = s
        tokens[i, : len(tok)] = tok
        token_mask[i, : len(tok)] = 1
        feats[i] = f
        labels[i] = y
    return ({k: torch.from_numpy(v) for k, v in dict(frames=frames, frame_mask=frame_mask, span=span, tokens=tokens,
                                                      token_mask=token_mask, feats=feats).items()},
            torch.from_numpy(labels), torch.tensor(groups))


def loss_of(logits, labels, groups, n_utts):
    bce = F.binary_cross_entropy_with_logits(logits, labels)
    # Listwise: the right candidate among the utterance's, or "none of them" (logit 0) where none is right.
    listwise = []
    for u in range(n_utts):
        idx = (groups == u).nonzero().squeeze(-1)
        scores = torch.cat([logits[idx], torch.zeros(1)])
        right = labels[idx].nonzero()
        target = int(right[0]) if len(right) else len(idx)
        listwise.append(F.cross_entropy(scores[None], torch.tensor([target])))
    return bce + torch.stack(listwise).mean()


def score_all(model, utts, vocab, dim, size=24) -> list[dict]:
    """Per utterance: the decoder's and the model's choice, each with its score and whether it is right."""
    model.eval()
    out = []
    order = sorted(range(len(utts)), key=lambda i: utts[i]["row"]["frames"])
    with torch.no_grad():
        for b in range(0, len(order), size):
            chunk = [utts[i] for i in order[b: b + size]]
            inputs, labels, groups = batch(chunk, vocab, dim)
            logits = model(**inputs)
            for u, utt in enumerate(chunk):
                idx = (groups == u).nonzero().squeeze(-1)
                lg = logits[idx]
                pick = int(torch.argmax(lg))
                cands = utt["row"]["candidates"]
                out.append({"dump": utt["dump"], "file": utt["row"]["file"], "in": utt["row"]["inContext"],
                            "model_words": cands[pick]["words"],
                            "base_score": cands[0]["ratio"] if cands[0]["ratio"] is not None else -10.0,
                            "base_right": bool(cands[0]["right"]),
                            "model_score": float(lg[pick]), "model_right": bool(cands[pick]["right"])})
    model.train()
    return out


def threshold_at_fa(scored: list[dict], key: str, target: float) -> float:
    """The lowest threshold at which at most `target` of the out-of-context utterances are accepted."""
    out_scores = sorted((s[f"{key}_score"] for s in scored if not s["in"]), reverse=True)
    if not out_scores:
        return -math.inf
    allowed = int(math.floor(target * len(out_scores)))
    # Accept strictly above the (allowed+1)-th highest out-of-context score.
    return out_scores[allowed] + 1e-6 if allowed < len(out_scores) else -math.inf


def rates(scored: list[dict], key: str, threshold: float) -> dict:
    ins = [s for s in scored if s["in"]]
    outs = [s for s in scored if not s["in"]]
    right = sum(1 for s in ins if s[f"{key}_right"] and s[f"{key}_score"] >= threshold)
    fa = sum(1 for s in outs if s[f"{key}_score"] >= threshold)
    return {"right": round(right / max(1, len(ins)), 4), "fa": round(fa / max(1, len(outs)), 4),
            "first": round(sum(1 for s in ins if s[f"{key}_right"]) / max(1, len(ins)), 4),
            "files": len(scored)}


def report(scored: list[dict], thresholds: dict, label: str) -> None:
    dumps = sorted({s["dump"] for s in scored})
    for dump in dumps + ["all"]:
        of = [s for s in scored if dump == "all" or s["dump"] == dump]
        print(json.dumps({"event": label, "dump": dump,
                          "decoder_at_runtime_threshold": rates(of, "base", MIDPOINT),
                          "decoder_at_valid_threshold": rates(of, "base", thresholds["base"]),
                          "model_at_valid_threshold": rates(of, "model", thresholds["model"])}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--valid", required=True)
    ap.add_argument("--test", default="")
    ap.add_argument("--minutes", type=float, default=20)
    ap.add_argument("--batch", type=int, default=16, help="utterances a step")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--target-fa", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=2612)
    ap.add_argument("--out", default=None)
    ap.add_argument("--init", default=None, help="start from this fusion-cmu.pt (with --minutes 0: only measure it)")
    ap.add_argument("--scores-out", default=None, help="write each --test file's choice and logit (JSON lines)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    random.seed(args.seed)
    torch.manual_seed(args.seed)

    holder: dict = {}
    train = load(expand(args.train), "train", holder)
    valid = load(expand(args.valid), "valid", holder)
    vocab, dim = holder["vocab"], holder["dim"]
    print(json.dumps({"event": "data", "train": len(train), "valid": len(valid),
                      "train_with_right": sum(1 for u in train if any(c["right"] for c in u["row"]["candidates"]))}),
          flush=True)
    model = FusionCmu(dim, vocab.size, dim=args.dim, layers=args.layers)
    params = sum(p.numel() for p in model.parameters())
    if args.init:
        model.load_state_dict(torch.load(args.init))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    started = time.time()
    budget = args.minutes * 60
    step = 0

    def thresholds_on(valid_scored):
        # One threshold per set family (Speech Commands words, speechocean762 sentences) would tune to the set;
        # one for all validation files, as the runtime has one.
        return {k: threshold_at_fa(valid_scored, k, args.target_fa) for k in ("base", "model")}

    def evaluate(label):
        scored = score_all(model, valid, vocab, dim)
        th = thresholds_on(scored)
        r = {"event": label, "step": step, "minutes": round((time.time() - started) / 60, 1), "threshold": th,
             "decoder": rates(scored, "base", th["base"]), "model": rates(scored, "model", th["model"])}
        print(json.dumps(r), flush=True)
        return scored, th

    if args.minutes > 0:
        evaluate("valid")
    # Long utterances cost most: batches of similar length.
    while time.time() - started < budget:
        random.shuffle(train)
        chunks = [train[i: i + args.batch * 8] for i in range(0, len(train), args.batch * 8)]
        for chunk in chunks:
            chunk.sort(key=lambda u: u["row"]["frames"])
            for b in range(0, len(chunk), args.batch):
                utts = chunk[b: b + args.batch]
                inputs, labels, groups = batch(utts, vocab, dim)
                lr = args.lr * min(1.0, (step + 1) / 100) * max(0.05, 0.5 * (1 + math.cos(
                    math.pi * min(1.0, (time.time() - started) / budget))))
                for g in opt.param_groups:
                    g["lr"] = lr
                loss = loss_of(model(**inputs), labels, groups, len(utts))
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                step += 1
                if step % 100 == 0:
                    print(json.dumps({"event": "step", "step": step, "loss": round(float(loss), 4),
                                      "minutes": round((time.time() - started) / 60, 1)}), flush=True)
                if step % 400 == 0:
                    evaluate("valid")
                if time.time() - started >= budget:
                    break
            if time.time() - started >= budget:
                break
    valid_scored, th = evaluate("valid_final")
    report(valid_scored, th, "valid_by_dump")
    if args.test:
        test = load(expand(args.test), "test", holder)
        test_scored = score_all(model, test, vocab, dim)
        report(test_scored, th, "test_by_dump")
        if args.scores_out:
            with open(args.scores_out, "w") as f:
                for s in test_scored:
                    f.write(json.dumps(s) + "\n")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        inputs, _, _ = batch(valid[:2], vocab, dim)
        torch.save(model.state_dict(), os.path.join(args.out, "fusion-cmu.pt"))
        path = os.path.join(args.out, "fusion-cmu.onnx")
        names = ["frames", "frame_mask", "span", "tokens", "token_mask", "feats"]
        model.eval()
        torch.onnx.export(model, tuple(inputs[k] for k in names), path, opset_version=17, input_names=names,
                          output_names=["logit"],
                          dynamic_axes={**{k: {0: "batch", 1: "frames"} for k in ("frames", "frame_mask", "span")},
                                        "tokens": {0: "batch", 1: "length"}, "token_mask": {0: "batch", 1: "length"},
                                        "feats": {0: "batch"}, "logit": {0: "batch"}})
        with open(os.path.join(args.out, "fusion-cmu.json"), "w") as f:
            json.dump({"format": "voxstream-fusion-cmu-1", "features": FEATURES, "config": model.config,
                       "phones": vocab.phones,
                       "accept_logit": th["model"], "steps": step, "parameters": params}, f, indent=2)
    print(json.dumps({"event": "done", "steps": step, "parameters": params,
                      "minutes": round((time.time() - started) / 60, 1)}), flush=True)


if __name__ == "__main__":
    main()
