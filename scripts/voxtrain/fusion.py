"""The audio–text attention fusion model: a candidate's phone tokens attend to the encoder's frames.

Input: hidden [B, T, dim] (the ASR encoder's output, frozen), audio_mask [B, T] (1 = frame present),
tokens [B, L] (0 = padding, 1..39 = phones, WORD = word boundary, CLS first), token_mask [B, L],
ratio [B] (the candidate's CTC Viterbi log-likelihood ratio per frame against the unconstrained best path,
as the grammar decoder computes it).
Output: logit [B]: how well the candidate text matches the audio (sigmoid = probability it is what was said).

The logit is `scale * ratio + bias + attention(...)`. Scale and bias start at the CTC ratio's calibration
(src/pipeline/understand.ts: midpoint -0.45, steepness 10) and the attention term starts at zero, so an
untrained model decides as the ratio alone does; training adds what the attention sees that the ratio does
not (which phones lack evidence, where). The frames attend to both the hidden vectors and the encoder's phone
log-probabilities (its CTC head is copied in, frozen), which gives the cross-attention something to align on
from the first step: the first version, on hidden vectors alone, did not learn to align in 13 minutes.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .lexicon import PHONES

WORD = len(PHONES) + 1  # word boundary token
CLS = len(PHONES) + 2
VOCAB = len(PHONES) + 3
RATIO_SCALE = 10.0
RATIO_BIAS = 4.5  # = -midpoint * scale


def sinusoids(length: int, dim: int, device=None) -> torch.Tensor:
    pos = torch.arange(length, device=device, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim))
    out = torch.zeros(length, dim, device=device)
    out[:, 0::2] = torch.sin(pos * div)
    out[:, 1::2] = torch.cos(pos * div)
    return out


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.self_attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.cross_attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 2 * dim), nn.SiLU(), nn.Dropout(dropout), nn.Linear(2 * dim, dim))

    def forward(self, x, audio, token_pad, audio_pad):
        h = self.norm1(x)
        x = x + self.self_attn(h, h, h, key_padding_mask=token_pad, need_weights=False)[0]
        h = self.norm2(x)
        x = x + self.cross_attn(h, audio, audio, key_padding_mask=audio_pad, need_weights=False)[0]
        return x + self.ff(self.norm3(x))


class Fusion(nn.Module):
    def __init__(self, ctc_head: nn.Linear, audio_dim: int = 144, dim: int = 96, heads: int = 4, layers: int = 2,
                 dropout: float = 0.1):
        super().__init__()
        self.config = dict(audio_dim=audio_dim, dim=dim, heads=heads, layers=layers)
        self.ctc_head = nn.Linear(audio_dim, ctc_head.out_features)
        self.ctc_head.load_state_dict(ctc_head.state_dict())
        self.ctc_head.requires_grad_(False)
        self.audio_in = nn.Sequential(nn.LayerNorm(audio_dim), nn.Linear(audio_dim, dim))
        self.posterior_in = nn.Linear(ctc_head.out_features, dim)
        self.embed = nn.Embedding(VOCAB, dim)
        self.ratio_in = nn.Linear(1, dim)
        self.blocks = nn.ModuleList(Block(dim, heads, dropout) for _ in range(layers))
        self.out_norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        self.ratio_scale = nn.Parameter(torch.tensor(RATIO_SCALE))
        self.ratio_bias = nn.Parameter(torch.tensor(RATIO_BIAS))

    def forward(self, hidden, audio_mask, tokens, token_mask, ratio):
        t, l, dim = hidden.shape[1], tokens.shape[1], self.config["dim"]
        log_post = F.log_softmax(self.ctc_head(hidden), dim=-1)
        audio = self.audio_in(hidden) + self.posterior_in(log_post) + sinusoids(t, dim, hidden.device)[None]
        x = self.embed(tokens) + sinusoids(l, dim, hidden.device)[None]
        # the CLS token (position 0) also carries the ratio, so the correction can depend on it
        x = x + F.pad(self.ratio_in(ratio[:, None, None]), (0, 0, 0, l - 1))
        audio_pad = audio_mask < 0.5
        token_pad = token_mask < 0.5
        for block in self.blocks:
            x = block(x, audio, token_pad, audio_pad)
        correction = self.head(self.out_norm(x[:, 0])).squeeze(-1)
        return self.ratio_scale * ratio + self.ratio_bias + correction
