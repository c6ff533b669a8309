#!/usr/bin/python3
"""Trains the audio–text attention fusion model on top of the frozen ASR encoder, then exports it to ONNX.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/train_fusion.py --corpus work/corpus \
           --encoder work/asr/checkpoint.pt --out models/fusion [--utterances 6000] [--minutes 15]

For each utterance the encoder's frames are computed once; every step pairs utterances with candidate
texts: the true text (label 1) and negatives (label 0): another command of the same source, the true text
with one word substituted, dropped or inserted (near misses, as the grammar decoder's alternatives are), and
for speech outside the contexts, commands of a context. Prints JSON lines; writes <out>/fusion.onnx and
<out>/fusion.json.
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
from voxtrain.data import Corpus  # noqa: E402
from voxtrain.fusion import CLS, VOCAB, WORD, Fusion  # noqa: E402
from voxtrain.lexicon import PHONE_ID, load_lexicon, normalise_text  # noqa: E402
from voxtrain.model import Encoder  # noqa: E402


def tokens_of(words: list[str], lex) -> list[int] | None:
    out = [CLS]
    for i, w in enumerate(words):
        prons = lex.get(w)
        if not prons:
            return None
        if i:
            out.append(WORD)
        out.extend(PHONE_ID[p] for p in prons[0])
    return out


class Negatives:
    def __init__(self, texts_by_source: dict[str, list[list[str]]], grammar_texts: list[list[str]], lex):
        self.by_source = texts_by_source
        self.grammar = grammar_texts
        self.vocab = sorted({w for ts in texts_by_source.values() for t in ts for w in t if w in lex})
        self.lex = lex

    def sample(self, words: list[str], source: str, rng: np.random.Generator) -> list[str]:
        kind = rng.random()
        pool = self.by_source.get(source, self.grammar)
        if not source.startswith("grammar:") and kind < 0.5:
            return self.grammar[int(rng.integers(len(self.grammar)))]
        if kind < 0.3:
            return pool[int(rng.integers(len(pool)))]
        w = list(words)
        i = int(rng.integers(len(w)))
        op = rng.integers(3)
        if op == 0 or len(w) < 2:
            w[i] = self.vocab[int(rng.integers(len(self.vocab)))]
        elif op == 1:
            del w[i]
        else:
            w.insert(i, self.vocab[int(rng.integers(len(self.vocab)))])
        return w


def pad(seqs, dim=None, dtype=np.float32):
    n = max(len(s) for s in seqs)
    if dim is None:
        out = np.zeros((len(seqs), n), np.int64)
    else:
        out = np.zeros((len(seqs), n, dim), dtype)
    mask = np.zeros((len(seqs), n), np.float32)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
        mask[i, : len(s)] = 1
    return torch.from_numpy(out), torch.from_numpy(mask)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="work/corpus")
    ap.add_argument("--encoder", default="work/asr/checkpoint.pt")
    ap.add_argument("--out", default="models/fusion")
    ap.add_argument("--utterances", type=int, default=6000)
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--threads", type=int, default=1)
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

    # Same validation split as train_asr.py, so validation utterances stay unseen here too.
    train_ids, valid_ids = corpus.split(300, seed=0)
    picks = [int(i) for i in rng.permutation(train_ids)[: args.utterances]]
    started = time.time()
    data = []
    with torch.no_grad():
        for n, i in enumerate(picks + valid_ids):
            item = corpus.items[i]
            words = normalise_text(item["text"])
            toks = tokens_of(words, lex)
            if toks is None:
                continue
            x = corpus.features(i)
            x = x[: len(x) - len(x) % 4]
            _, hidden, _ = enc(torch.from_numpy(x)[None])
            data.append({"hidden": hidden[0].numpy().astype(np.float16), "words": words, "source": item["source"],
                         "valid": i in set(valid_ids)})
            if n % 1000 == 0:
                print(json.dumps({"event": "encode", "done": n, "of": len(picks) + len(valid_ids),
                                  "seconds": round(time.time() - started)}), flush=True)
    train = [d for d in data if not d["valid"]]
    valid = [d for d in data if d["valid"]]
    by_source: dict[str, list[list[str]]] = {}
    for d in train:
        by_source.setdefault(d["source"], []).append(d["words"])
    grammar = [w for s, ts in by_source.items() if s.startswith("grammar:") for w in ts]
    negatives = Negatives(by_source, grammar, lex)

    def batch(items, rng):
        hidden, toks, labels = [], [], []
        for d in items:
            cands = [(d["words"], 1.0)] + [(negatives.sample(d["words"], d["source"], rng), 0.0) for _ in range(2)]
            for words, label in cands:
                t = tokens_of(words, lex)
                if t is None or (label == 0.0 and words == d["words"]):
                    continue
                hidden.append(d["hidden"].astype(np.float32))
                toks.append(t)
                labels.append(label)
        h, hm = pad(hidden, hidden[0].shape[1])
        t, tm = pad(toks)
        return h, hm, t, tm, torch.tensor(labels)

    model = Fusion(audio_dim=cfg["dim"])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    budget = args.minutes * 60
    t0, step = time.time(), 0

    def evaluate():
        model.eval()
        vr = np.random.default_rng(1)
        correct = total = 0
        losses = []
        with torch.no_grad():
            for k in range(0, len(valid), 32):
                h, hm, t, tm, y = batch(valid[k:k + 32], vr)
                logit = model(h, hm, t, tm)
                losses.append(F.binary_cross_entropy_with_logits(logit, y).item())
                correct += int(((logit > 0).float() == y).sum())
                total += len(y)
        model.train()
        return float(np.mean(losses)), correct / max(total, 1)

    while (step < args.steps) if args.steps else (time.time() - t0 < budget):
        order = rng.permutation(len(train))
        for k in range(0, len(order), args.batch // 3):
            if (step >= args.steps) if args.steps else (time.time() - t0 >= budget):
                break
            h, hm, t, tm, y = batch([train[int(i)] for i in order[k:k + args.batch // 3]], rng)
            lr = 1e-3 * min(1.0, (step + 1) / 200)
            for g in opt.param_groups:
                g["lr"] = lr
            loss = F.binary_cross_entropy_with_logits(model(h, hm, t, tm), y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            step += 1
            if step % 100 == 0:
                vloss, vacc = evaluate()
                print(json.dumps({"event": "step", "step": step, "loss": round(loss.item(), 4), "valid_loss": round(vloss, 4),
                                  "valid_accuracy": round(vacc, 4), "minutes": round((time.time() - t0) / 60, 1)}), flush=True)
    vloss, vacc = evaluate()
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "fusion.onnx")
    h, hm, t, tm, _ = batch(valid[:2], np.random.default_rng(2))
    torch.onnx.export(model, (h, hm, t, tm), path, opset_version=17,
                      input_names=["hidden", "audio_mask", "tokens", "token_mask"], output_names=["logit"],
                      dynamic_axes={"hidden": {0: "batch", 1: "frames"}, "audio_mask": {0: "batch", 1: "frames"},
                                    "tokens": {0: "batch", 1: "length"}, "token_mask": {0: "batch", 1: "length"},
                                    "logit": {0: "batch"}})
    model.eval()
    with open(os.path.join(args.out, "fusion.json"), "w") as f:
        json.dump({"format": "voxstream-fusion-1", "audio_dim": cfg["dim"], "word_token": WORD, "cls_token": CLS,
                   "vocab": VOCAB, "config": model.config, "valid_loss": vloss, "valid_accuracy": vacc,
                   "steps": step, "utterances": len(train)}, f, indent=2)
    print(json.dumps({"event": "done", "steps": step, "valid_loss": round(vloss, 4), "valid_accuracy": round(vacc, 4),
                      "bytes": os.path.getsize(path), "params": sum(p.numel() for p in model.parameters()),
                      "minutes": round((time.time() - started) / 60, 1)}), flush=True)


if __name__ == "__main__":
    main()
