#!/usr/bin/python3
"""Trains the streaming phone-CTC encoder on a corpus from build_corpus.py, within a wall-clock budget.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/train_asr.py --corpus work/corpus --out work/asr \
           [--minutes 45] [--dim 144 --blocks 8 --kernel 15 --ff 432] [--steps N (overrides minutes)]

Prints one JSON object a line (progress, validation with a few decoded examples) and writes
<out>/checkpoint.pt after every validation. The learning rate warms up, then follows a cosine over the budget.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from voxtrain.data import Corpus, edit_distance, greedy  # noqa: E402
from voxtrain.lexicon import PHONES  # noqa: E402
from voxtrain.model import Encoder  # noqa: E402


def _mel(hz):
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


def _hz(mel):
    return 700.0 * np.expm1(np.asarray(mel, dtype=np.float64) / 1127.0)


# Centre frequency of each of the 80 filters (voxtrain/features.py: HTK mel, 20 Hz to 7,600 Hz).
_CENTRES = _hz(np.linspace(_mel(20.0), _mel(7600.0), 82)[1:-1])


def vtlp(x: torch.Tensor, rng: np.random.Generator, low: float, high: float, share: float) -> torch.Tensor:
    """Vocal-tract-length perturbation on log-mel features: each chosen utterance's spectrum is scaled in
    frequency by a factor a drawn from [low, high] (S'(f) = S(f / a); a > 1 moves formants up, as from a
    longer to a shorter vocal tract), by linear interpolation between filters. The corpus' flite and festival
    voices are all male; a > 1 lets them stand in for other speakers."""
    if high <= low or share <= 0:
        return x
    x = x.clone()
    index = np.arange(len(_CENTRES), dtype=np.float64)
    for k in range(x.shape[0]):
        if rng.random() >= share:
            continue
        a = rng.uniform(low, high)
        src = np.interp(_CENTRES / a, _CENTRES, index)  # clamps at both ends
        lo = np.floor(src).astype(np.int64)
        hi = np.minimum(lo + 1, len(index) - 1)
        w = torch.from_numpy((src - lo).astype(np.float32))
        x[k] = x[k][:, lo] * (1 - w) + x[k][:, hi] * w
    return x


def spec_augment(x: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    x = x.clone()
    b, t, f = x.shape
    for k in range(b):
        for _ in range(2):
            w = int(rng.integers(0, 11))
            s = int(rng.integers(0, f - w))
            x[k, :, s:s + w] = 0.0
        for _ in range(2):
            w = int(rng.integers(0, min(25, max(1, t // 8))))
            s = int(rng.integers(0, max(1, t - w)))
            x[k, s:s + w, :] = 0.0
    return x


def validate(model, corpus, ids, show: int):
    model.eval()
    errs = total = 0
    losses = []
    examples = []
    with torch.no_grad():
        for batch in corpus.batches(ids, 20000, np.random.default_rng(0), sort=True):
            x, in_lens, tgt, tgt_lens = corpus.collate(batch)
            lp, _, _ = model(x)
            losses.append(F.ctc_loss(lp.transpose(0, 1), tgt, in_lens, tgt_lens, zero_infinity=True).item())
            for k, i in enumerate(batch):
                hyp, ref = greedy(lp[k], int(in_lens[k])), corpus.targets(i)
                errs += edit_distance(hyp, ref)
                total += len(ref)
                if len(examples) < show and k == 0:
                    examples.append({"ref": corpus.items[i]["text"], "hyp": " ".join(PHONES[p - 1] for p in hyp)})
    model.train()
    return float(np.mean(losses)), errs / max(total, 1), examples


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="work/corpus")
    ap.add_argument("--out", default="work/asr")
    ap.add_argument("--minutes", type=float, default=45)
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--dim", type=int, default=144)
    ap.add_argument("--blocks", type=int, default=8)
    ap.add_argument("--kernel", type=int, default=15)
    ap.add_argument("--ff", type=int, default=432)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=600)
    ap.add_argument("--max-frames", type=int, default=12000, help="padded feature frames per batch")
    ap.add_argument("--valid", type=int, default=300)
    ap.add_argument("--every", type=int, default=300, help="steps between validations")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--init", default="", help="checkpoint to continue from")
    ap.add_argument("--vtlp", default="0.9,1.1", help="vocal-tract-length warp range (low,high); 1,1 turns it off")
    ap.add_argument("--vtlp-share", type=float, default=0.5, help="share of utterances warped")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    os.makedirs(args.out, exist_ok=True)

    vtlp_low, vtlp_high = (float(v) for v in args.vtlp.split(","))
    corpus = Corpus(args.corpus)
    train_ids, valid_ids = corpus.split(args.valid, seed=0)
    model = Encoder(args.dim, args.blocks, args.kernel, args.ff)
    if args.init:
        model.load_state_dict(torch.load(args.init)["model"])
    else:
        mean, std = corpus.stats()
        model.feat_mean.copy_(torch.from_numpy(mean))
        model.feat_std.copy_(torch.from_numpy(std))
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    print(json.dumps({"event": "start", "params": params, "train": len(train_ids), "valid": len(valid_ids),
                      "config": model.config}), flush=True)

    started, step, epoch, audio_sec = time.time(), 0, 0, 0.0
    budget = args.minutes * 60

    def progress() -> float:
        return step / args.steps if args.steps else (time.time() - started) / budget

    while progress() < 1:
        for batch in corpus.batches(train_ids, args.max_frames, rng, sort=(epoch == 0 and not args.init)):
            if progress() >= 1:
                break
            x, in_lens, tgt, tgt_lens = corpus.collate(batch)
            if step > args.warmup:
                x = spec_augment(vtlp(x, rng, vtlp_low, vtlp_high, args.vtlp_share), rng)
            lr = args.lr * min(1.0, (step + 1) / args.warmup) * (0.5 + 0.5 * math.cos(math.pi * min(1.0, progress())))
            for g in opt.param_groups:
                g["lr"] = lr
            lp, _, _ = model(x)
            loss = F.ctc_loss(lp.transpose(0, 1), tgt, in_lens, tgt_lens, zero_infinity=True)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            step += 1
            audio_sec += float(in_lens.sum()) * 0.04
            if step % 50 == 0:
                elapsed = time.time() - started
                print(json.dumps({"event": "step", "step": step, "epoch": epoch, "loss": round(loss.item(), 3),
                                  "lr": round(lr, 6), "audio_hours": round(audio_sec / 3600, 2),
                                  "audio_hours_per_hour": round(audio_sec / elapsed, 1)}), flush=True)
            if step % args.every == 0:
                vloss, per, examples = validate(model, corpus, valid_ids, 3)
                print(json.dumps({"event": "valid", "step": step, "loss": round(vloss, 3), "per": round(per, 4),
                                  "examples": examples}), flush=True)
                torch.save({"model": model.state_dict(), "config": model.config, "step": step, "per": per},
                           os.path.join(args.out, "checkpoint.pt"))
        epoch += 1
    vloss, per, examples = validate(model, corpus, valid_ids, 5)
    torch.save({"model": model.state_dict(), "config": model.config, "step": step, "per": per},
               os.path.join(args.out, "checkpoint.pt"))
    print(json.dumps({"event": "done", "step": step, "epochs": epoch, "valid_loss": round(vloss, 3),
                      "valid_per": round(per, 4), "minutes": round((time.time() - started) / 60, 1),
                      "params": params, "examples": examples}), flush=True)


if __name__ == "__main__":
    main()
