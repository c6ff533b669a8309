#!/usr/bin/python3
"""Trains the audio–text attention fusion model on top of the frozen ASR encoder, then exports it to ONNX.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/train_fusion.py --corpus work/corpus,work/corpus-pico \
           --encoder work/asr4/checkpoint.pt --out models/fusion [--utterances 8000] [--minutes 15]

For each utterance the encoder runs once and candidate texts are scored against it as the grammar decoder
would (CTC Viterbi likelihood ratio per frame, voxtrain/ctc.py). Candidates: the true text (label 1), and
negatives (label 0) chosen the way the decoder's alternatives arise: out of a pool of perturbations (one word
substituted by a word of the same source, dropped or inserted; other sentences of the same source; for speech
outside the contexts, commands of the contexts), the ones the CTC scores best, plus a random one. Loss: binary
cross-entropy per candidate (the confidence) plus cross-entropy over each utterance's candidates (the
ranking). Prints JSON lines, with the ratio alone as the baseline on the same validation candidates; writes
<out>/fusion.onnx and <out>/fusion.json.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from voxtrain.ctc import free_score, viterbi_scores  # noqa: E402
from voxtrain.data import Corpus  # noqa: E402
from voxtrain.fusion import CLS, VOCAB, WORD, Fusion  # noqa: E402
from voxtrain.lexicon import PHONE_ID, load_lexicon, normalise_text  # noqa: E402
from voxtrain.model import Encoder  # noqa: E402

POOL = 24  # perturbations scored per utterance
RATIO_FLOOR = -5.0  # a path the frames cannot hold scores -1e30; the model sees at most this far down
HARD = 4  # best-scoring negatives kept
RANDOM = 1  # random negatives kept


def phones_of(words: list[str], lex) -> list[list[int]] | None:
    out = []
    for w in words:
        prons = lex.get(w)
        if not prons:
            return None
        out.append([PHONE_ID[p] for p in prons[0]])
    return out


def tokens_of(word_phones: list[list[int]]) -> list[int]:
    out = [CLS]
    for i, ids in enumerate(word_phones):
        if i:
            out.append(WORD)
        out.extend(ids)
    return out


def is_command_source(source: str) -> bool:
    """Sources whose sentences are commands of a shipped context (FSDD: single digits, the digits context)."""
    return source.startswith("grammar:") or source == "fsdd"


class Perturber:
    def __init__(self, texts_by_source: dict[str, list[list[str]]], lex):
        self.by_source = texts_by_source
        self.commands = [t for s, ts in texts_by_source.items() if s.startswith("grammar:") for t in ts]
        self.vocab = {s: sorted({w for t in ts for w in t if w in lex}) for s, ts in texts_by_source.items()}

    def pool(self, words: list[str], source: str, rng: np.random.Generator, size: int) -> list[list[str]]:
        out = []
        same = self.by_source[source]
        vocab = self.vocab[source]
        for _ in range(size):
            kind = rng.random()
            if not is_command_source(source) and kind < 0.6:
                out.append(self.commands[int(rng.integers(len(self.commands)))])
            elif kind < 0.2:
                out.append(same[int(rng.integers(len(same)))])
            else:
                w = list(words)
                i = int(rng.integers(len(w)))
                op = rng.integers(4)
                if op < 2 or len(w) < 2:
                    w[i] = vocab[int(rng.integers(len(vocab)))]
                elif op == 2:
                    del w[i]
                else:
                    w.insert(i, vocab[int(rng.integers(len(vocab)))])
                out.append(w)
        return [p for p in out if p and p != words]


def pad(seqs, dim=None):
    n = max(len(s) for s in seqs)
    out = np.zeros((len(seqs), n), np.int64) if dim is None else np.zeros((len(seqs), n, dim), np.float32)
    mask = np.zeros((len(seqs), n), np.float32)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
        mask[i, : len(s)] = 1
    return torch.from_numpy(out), torch.from_numpy(mask)


def prepare(corpus, ids, enc, lex, perturber, rng, label: str) -> list[dict]:
    """Encodes each utterance and picks and scores its candidates."""
    out, started = [], time.time()
    with torch.no_grad():
        for n, i in enumerate(ids):
            item = corpus.items[i]
            words = normalise_text(item["text"])
            truth = phones_of(words, lex)
            if not truth:
                continue
            x = corpus.features(i)
            x = x[: len(x) - len(x) % 4]
            if len(x) < 8:
                continue
            lp, hidden, _ = enc(torch.from_numpy(x)[None])
            lp = lp[0]
            pool = [(p, phones_of(p, lex)) for p in perturber.pool(words, item["source"], rng, POOL)]
            pool = [(p, ph) for p, ph in pool if ph]
            flat = [[t for w in ph for t in w] for _, ph in pool]
            scores = viterbi_scores(lp, flat).tolist() if pool else []
            order = np.argsort(scores)[::-1]
            keep = list(order[:HARD]) + [int(k) for k in rng.permutation(order[HARD:])[:RANDOM]]
            cands = [(tokens_of(truth), viterbi_scores(lp, [[t for w in truth for t in w]]).item(), 1.0)]
            cands += [(tokens_of(pool[k][1]), scores[k], 0.0) for k in keep]
            ref, frames = free_score(lp), lp.shape[0]
            out.append({"hidden": hidden[0].numpy().astype(np.float16),
                        "tokens": [c[0] for c in cands],
                        "ratio": [max(RATIO_FLOOR, (c[1] - ref) / frames) for c in cands],
                        "label": [c[2] for c in cands],
                        "command": is_command_source(item["source"])})
            if n % 1000 == 0:
                print(json.dumps({"event": "prepare", "set": label, "done": n, "of": len(ids),
                                  "seconds": round(time.time() - started)}), flush=True)
    return out


def collate(items: list[dict]):
    hidden, tokens, ratio, label, group = [], [], [], [], []
    for g, d in enumerate(items):
        for tok, r, y in zip(d["tokens"], d["ratio"], d["label"]):
            hidden.append(d["hidden"].astype(np.float32))
            tokens.append(tok)
            ratio.append(r)
            label.append(y)
            group.append(g)
    h, hm = pad(hidden, hidden[0].shape[1])
    t, tm = pad(tokens)
    return h, hm, t, tm, torch.tensor(ratio, dtype=torch.float32), torch.tensor(label), torch.tensor(group)


def ranking_loss(logit: torch.Tensor, label: torch.Tensor, group: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the true candidate against the others of its utterance (softmax within groups)."""
    losses = []
    for g in torch.unique(group):
        sel = group == g
        y = label[sel]
        if y.sum() == 1:
            losses.append(-F.log_softmax(logit[sel], dim=0)[y.argmax()])
    return torch.stack(losses).mean() if losses else logit.sum() * 0


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a random positive outscores a random negative."""
    allv = np.concatenate([pos, neg])
    ranks = allv.argsort().argsort() + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def measure(logits: np.ndarray, label: np.ndarray, group: np.ndarray) -> dict:
    """AUC of true vs other candidates, and how often the true candidate ranks first in its utterance."""
    first = [logits[group == g].argmax() == label[group == g].argmax()
             for g in np.unique(group) if label[group == g].sum() == 1]
    return {"auc": round(auc(logits[label == 1], logits[label == 0]), 4), "top1": round(float(np.mean(first)), 4)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="work/corpus,work/corpus-pico")
    ap.add_argument("--encoder", default="work/asr4/checkpoint.pt")
    ap.add_argument("--out", default="models/fusion")
    ap.add_argument("--utterances", type=int, default=8000)
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--batch", type=int, default=16, help="utterances per step (each with 1 + 5 candidates)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--valid", type=int, default=300, help="validation utterances (train_asr.py's split)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    lex = load_lexicon()
    corpus = Corpus(args.corpus)
    ckpt = torch.load(args.encoder)
    cfg = ckpt["config"]
    enc = Encoder(cfg["dim"], cfg["blocks"], cfg["kernel"], cfg["ff"])
    enc.load_state_dict(ckpt["model"])
    enc.eval()

    # Same validation split as train_asr.py, so its validation utterances stay unseen here too.
    train_ids, valid_ids = corpus.split(args.valid, seed=0)
    by_source: dict[str, list[list[str]]] = {}
    for i in train_ids:
        words = normalise_text(corpus.items[i]["text"])
        if words:
            by_source.setdefault(corpus.items[i]["source"], []).append(words)
    perturber = Perturber(by_source, lex)
    started = time.time()
    picks = [int(i) for i in rng.permutation(train_ids)[: args.utterances]]
    train = prepare(corpus, picks, enc, lex, perturber, rng, "train")
    valid = prepare(corpus, valid_ids, enc, lex, perturber, np.random.default_rng(1), "valid")
    prepared_s = time.time() - started

    model = Fusion(enc.head, audio_dim=cfg["dim"])
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)

    def evaluate():
        model.eval()
        logits, labels, groups, ratios, losses = [], [], [], [], []
        with torch.no_grad():
            for k in range(0, len(valid), 32):
                h, hm, t, tm, r, y, g = collate(valid[k:k + 32])
                logit = model(h, hm, t, tm, r)
                losses.append(F.binary_cross_entropy_with_logits(logit, y).item())
                logits.append(logit.numpy())
                labels.append(y.numpy())
                groups.append(g.numpy() + k)
                ratios.append(r.numpy())
        model.train()
        logit, label, group, ratio = (np.concatenate(a) for a in (logits, labels, groups, ratios))
        return {"loss": round(float(np.mean(losses)), 4), **measure(logit, label, group),
                "ratio_alone": measure(ratio, label, group)}

    print(json.dumps({"event": "start", "train": len(train), "valid": len(valid), "prepare_minutes":
                      round(prepared_s / 60, 1), "params": sum(p.numel() for p in trainable),
                      "before": evaluate()}), flush=True)
    budget, t0, step = args.minutes * 60, time.time(), 0

    def more() -> bool:
        return step < args.steps if args.steps else time.time() - t0 < budget

    while more():
        order = rng.permutation(len(train))
        for k in range(0, len(order), args.batch):
            if not more():
                break
            h, hm, t, tm, r, y, g = collate([train[int(i)] for i in order[k:k + args.batch]])
            frac = (step / args.steps) if args.steps else (time.time() - t0) / budget
            lr = args.lr * min(1.0, (step + 1) / 100) * (0.55 + 0.45 * np.cos(np.pi * min(1.0, frac)))
            for group in opt.param_groups:
                group["lr"] = lr
            logit = model(h, hm, t, tm, r)
            loss = F.binary_cross_entropy_with_logits(logit, y) + ranking_loss(logit, y, g)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 5.0)
            opt.step()
            step += 1
            if step % 200 == 0:
                print(json.dumps({"event": "step", "step": step, "loss": round(loss.item(), 4),
                                  "valid": evaluate(), "minutes": round((time.time() - t0) / 60, 1)}), flush=True)
    final = evaluate()
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "fusion.onnx")
    h, hm, t, tm, r, _, _ = collate(valid[:2])
    torch.onnx.export(model, (h, hm, t, tm, r), path, opset_version=17,
                      input_names=["hidden", "audio_mask", "tokens", "token_mask", "ratio"], output_names=["logit"],
                      dynamic_axes={"hidden": {0: "batch", 1: "frames"}, "audio_mask": {0: "batch", 1: "frames"},
                                    "tokens": {0: "batch", 1: "length"}, "token_mask": {0: "batch", 1: "length"},
                                    "ratio": {0: "batch"}, "logit": {0: "batch"}})
    with open(os.path.join(args.out, "fusion.json"), "w") as f:
        json.dump({"format": "voxstream-fusion-2", "audio_dim": cfg["dim"], "word_token": WORD, "cls_token": CLS,
                   "vocab": VOCAB, "config": model.config, "encoder_step": ckpt.get("step"),
                   "training": {"steps": step, "utterances": len(train), "minutes": round((time.time() - started) / 60, 1),
                                "valid": final}}, f, indent=2)
    print(json.dumps({"event": "done", "steps": step, "valid": final, "bytes": os.path.getsize(path),
                      "minutes": round((time.time() - started) / 60, 1)}), flush=True)


if __name__ == "__main__":
    main()
