"""Corpus reading and batching for training."""

import json
import os

import numpy as np
import torch

from .lexicon import PHONE_ID
from .model import STACK


class Corpus:
    """One corpus folder, or several comma-separated ("work/corpus,work/corpus-pico"): the first one's split
    decides validation (so adding a corpus leaves the validation set as it was); the others only train."""

    def __init__(self, folders: str):
        self.items: list[dict] = []
        self.parts: list[np.ndarray] = []
        for part, folder in enumerate(f for f in folders.split(",") if f):
            with open(os.path.join(folder, "index.jsonl")) as f:
                self.items += [{**json.loads(line), "part": part} for line in f]
            self.parts.append(np.load(os.path.join(folder, "feats.npy"), mmap_mode="r"))
        self.first = sum(1 for it in self.items if it["part"] == 0)

    def split(self, valid_count: int, seed: int) -> tuple[list[int], list[int]]:
        order = np.random.default_rng(seed).permutation(self.first)
        extra = list(range(self.first, len(self.items)))
        return sorted(order[valid_count:].tolist()) + extra, sorted(order[:valid_count].tolist())

    def stats(self, sample: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """Global mean and standard deviation of the features over a sample of utterances."""
        rng = np.random.default_rng(0)
        picks = rng.choice(len(self.items), min(sample, len(self.items)), replace=False)
        frames = np.concatenate([self.features(int(i)) for i in picks]).astype(np.float64)
        return frames.mean(axis=0).astype(np.float32), (frames.std(axis=0) + 1e-5).astype(np.float32)

    def features(self, i: int) -> np.ndarray:
        it = self.items[i]
        return np.asarray(self.parts[it["part"]][it["offset"]: it["offset"] + it["frames"]], dtype=np.float32)

    def targets(self, i: int) -> list[int]:
        return [PHONE_ID[p] for p in self.items[i]["phones"]]

    def batches(self, ids: list[int], max_frames: int, rng: np.random.Generator, sort: bool) -> list[list[int]]:
        """Length-bucketed batches of at most max_frames padded frames; shuffled unless sort (SortaGrad)."""
        ids = sorted(ids, key=lambda i: self.items[i]["frames"])
        batches, cur = [], []
        for i in ids:
            longest = self.items[i]["frames"]
            if cur and longest * (len(cur) + 1) > max_frames:
                batches.append(cur)
                cur = []
            cur.append(i)
        if cur:
            batches.append(cur)
        if not sort:
            rng.shuffle(batches)
        return batches

    def collate(self, batch: list[int]):
        feats = [self.features(i) for i in batch]
        longest = max(len(f) for f in feats)
        longest += (-longest) % STACK
        x = np.zeros((len(batch), longest, feats[0].shape[1]), np.float32)
        for k, f in enumerate(feats):
            x[k, : len(f)] = f
        in_lens = torch.tensor([len(f) // STACK for f in feats])
        tgts = [self.targets(i) for i in batch]
        return (torch.from_numpy(x), in_lens, torch.tensor([t for ts in tgts for t in ts]),
                torch.tensor([len(t) for t in tgts]))


def greedy(log_probs: torch.Tensor, length: int) -> list[int]:
    best = log_probs[:length].argmax(-1).tolist()
    out, prev = [], 0
    for t in best:
        if t != prev and t != 0:
            out.append(t)
        prev = t
    return out


def edit_distance(a: list, b: list) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]
