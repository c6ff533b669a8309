"""The audio–text attention fusion model: a candidate's phone tokens attend to the encoder's frames.

Input: hidden [B, T, dim] (the ASR encoder's output, frozen), audio_mask [B, T] (1 = frame present),
tokens [B, L] (0 = padding, 1..39 = phones, WORD = word boundary, CLS first), token_mask [B, L].
Output: logit [B]: how well the candidate text matches the audio (sigmoid = probability it is what was said).
"""

import math

import torch
import torch.nn as nn

from .lexicon import PHONES

WORD = len(PHONES) + 1  # word boundary token
CLS = len(PHONES) + 2
VOCAB = len(PHONES) + 3


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
    def __init__(self, audio_dim: int = 144, dim: int = 128, heads: int = 4, layers: int = 2, dropout: float = 0.1):
        super().__init__()
        self.config = dict(audio_dim=audio_dim, dim=dim, heads=heads, layers=layers)
        self.audio_in = nn.Sequential(nn.LayerNorm(audio_dim), nn.Linear(audio_dim, dim))
        self.embed = nn.Embedding(VOCAB, dim)
        self.blocks = nn.ModuleList(Block(dim, heads, dropout) for _ in range(layers))
        self.out_norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 1)

    def forward(self, hidden, audio_mask, tokens, token_mask):
        t, l = hidden.shape[1], tokens.shape[1]
        audio = self.audio_in(hidden) + sinusoids(t, self.config["dim"], hidden.device)[None]
        x = self.embed(tokens) + sinusoids(l, self.config["dim"], hidden.device)[None]
        audio_pad = audio_mask < 0.5
        token_pad = token_mask < 0.5
        for block in self.blocks:
            x = block(x, audio, token_pad, audio_pad)
        return self.head(self.out_norm(x[:, 0])).squeeze(-1)
