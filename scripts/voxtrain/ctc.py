"""CTC Viterbi scores of many candidate phone sequences against one utterance, as src/asr/graphDecoder.ts
scores a grammar path: the best single alignment (not the sum over alignments), blank = token 0."""

import torch

NONE = -1e30


def viterbi_scores(log_probs: torch.Tensor, candidates: list[list[int]]) -> torch.Tensor:
    """log_probs [T, V] of one utterance; candidates: token id sequences (no blanks). Returns [N] scores."""
    n = len(candidates)
    longest = max(len(c) for c in candidates)
    states = 2 * longest + 1
    ext = torch.zeros(n, states, dtype=torch.long)  # blank, y1, blank, y2, ..., blank
    skip = torch.zeros(n, states, dtype=torch.bool)  # may come from s - 2 (a phone unlike the one before)
    valid = torch.zeros(n, states, dtype=torch.bool)
    for i, c in enumerate(candidates):
        valid[i, : 2 * len(c) + 1] = True
        for k, tok in enumerate(c):
            ext[i, 2 * k + 1] = tok
            skip[i, 2 * k + 1] = k > 0 and c[k - 1] != tok
    emit = log_probs[:, ext]  # [T, N, S]
    alpha = torch.full((n, states), NONE)
    alpha[:, 0] = emit[0, :, 0]
    alpha[:, 1] = torch.where(valid[:, 1], emit[0, :, 1], torch.tensor(NONE))
    for t in range(1, log_probs.shape[0]):
        prev1 = torch.cat([torch.full((n, 1), NONE), alpha[:, :-1]], dim=1)
        prev2 = torch.cat([torch.full((n, 2), NONE), alpha[:, :-2]], dim=1)
        best = torch.maximum(alpha, prev1)
        best = torch.where(skip, torch.maximum(best, prev2), best)
        alpha = torch.where(valid, best + emit[t], torch.tensor(NONE))
    last = torch.tensor([2 * len(c) for c in candidates])
    end = torch.maximum(alpha.gather(1, last[:, None]), alpha.gather(1, (last - 1).clamp(min=0)[:, None]))
    return end.squeeze(1)


def free_score(log_probs: torch.Tensor) -> float:
    """The unconstrained best path: every frame's most likely token."""
    return float(log_probs.max(dim=-1).values.sum())
