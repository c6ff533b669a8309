"""The streaming ASR encoder: 4-frame stacking, causal convolution blocks, phone CTC.

Causal all the way down, so the whole-utterance forward used in training and the chunk-by-chunk forward
exported to ONNX (with each block's convolution cache as explicit state) compute the same numbers.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from .lexicon import PHONES

MEL_BINS = 80
STACK = 4  # feature frames per encoder step: 40 ms


class ConvModule(nn.Module):
    """Conformer-style convolution module with a causal depthwise convolution."""

    def __init__(self, dim: int, kernel: int, dropout: float):
        super().__init__()
        self.kernel = kernel
        self.norm = nn.LayerNorm(dim)
        self.pointwise_in = nn.Linear(dim, 2 * dim)
        self.depthwise = nn.Conv1d(dim, dim, kernel, groups=dim)
        self.mid_norm = nn.LayerNorm(dim)
        self.pointwise_out = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, cache: torch.Tensor | None = None):
        """x [B, T, D]; cache [B, D, kernel-1] of the previous frames (zeros at the start). Returns (y, new cache)."""
        y = F.glu(self.pointwise_in(self.norm(x)), dim=-1).transpose(1, 2)  # [B, D, T]
        if cache is None:
            cache = y.new_zeros(y.shape[0], y.shape[1], self.kernel - 1)
        y = torch.cat([cache, y], dim=2)
        new_cache = y[:, :, y.shape[2] - (self.kernel - 1):]
        y = self.depthwise(y).transpose(1, 2)
        y = self.pointwise_out(F.silu(self.mid_norm(y)))
        return x + self.dropout(y), new_cache


class FeedForward(nn.Module):
    def __init__(self, dim: int, hidden: int, dropout: float):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.up = nn.Linear(dim, hidden)
        self.down = nn.Linear(hidden, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return x + self.dropout(self.down(self.dropout(F.silu(self.up(self.norm(x))))))


class Encoder(nn.Module):
    def __init__(self, dim: int = 144, blocks: int = 8, kernel: int = 15, ff: int = 432, dropout: float = 0.1):
        super().__init__()
        self.config = dict(dim=dim, blocks=blocks, kernel=kernel, ff=ff)
        self.register_buffer("feat_mean", torch.zeros(MEL_BINS))
        self.register_buffer("feat_std", torch.ones(MEL_BINS))
        self.input = nn.Linear(MEL_BINS * STACK, dim)
        self.convs = nn.ModuleList(ConvModule(dim, kernel, dropout) for _ in range(blocks))
        self.ffs = nn.ModuleList(FeedForward(dim, ff, dropout) for _ in range(blocks))
        self.out_norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, len(PHONES) + 1)

    def forward(self, feats: torch.Tensor, state: torch.Tensor | None = None):
        """feats [B, 4T, 80] raw log-mel; state [B, blocks, dim, kernel-1] or None.
        Returns (log-probs [B, T, phones+1], hidden [B, T, dim], new state)."""
        b, t, _ = feats.shape
        x = (feats - self.feat_mean) / self.feat_std
        x = self.input(x.reshape(b, t // STACK, STACK * MEL_BINS))
        caches = []
        for i, (conv, ff) in enumerate(zip(self.convs, self.ffs)):
            x, cache = conv(x, None if state is None else state[:, i])
            x = ff(x)
            caches.append(cache)
        hidden = self.out_norm(x)
        return F.log_softmax(self.head(hidden), dim=-1), hidden, torch.stack(caches, dim=1)
