"""The audio–text attention fusion model on the CMU path (issue 12): a candidate parse's phones attend to the
frames of the CMU acoustic model, and the model returns how well that parse matches the audio.

Inputs (one row per candidate parse; scripts/realspeech/dump_fusion.ts writes them):
  frames [B, T, D]  each 10 ms frame's context-independent senone scores (3 states x each base phone of the
                    model) less the frame's best of them, clipped at -50;
  frame_mask [B, T] 1 = frame present;
  span [B, T]       1 = the frame lies within the candidate's words (the decoder's alignment);
  tokens [B, L]     CLS, the candidate's phones with WORD between words, 0 = padding; token_mask [B, L];
  feats [B, F]      the decoder's view of the candidate (see FEATURES).
Output: logit [B]. The logit is `scale * (statistic - midpoint) + head(CLS)`: the statistic is the decoder's
confidence (src/asr/senoneRecognizer.ts), scale and midpoint start at the shipped threshold and the head at
zero, so the untrained model decides as the runtime does today and training learns what the attention adds.
"""

import math

import torch
import torch.nn as nn

# The decoder's view of a candidate, in this order (train_fusion_cmu.candidate_features).
FEATURES = ["statistic", "sqrt_frames", "margin", "is_top", "candidates"]
MIDPOINT = 1.05  # src/runtime/cmuBackend.ts cmuConfidence: the statistic that is confidence 0.5
SCALE = 3.0


def sinusoids(length: int, dim: int) -> torch.Tensor:
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    out = torch.zeros(length, dim)
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
        self.ff = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(2 * dim, dim))

    def forward(self, x, audio, token_pad, audio_pad):
        h = self.norm1(x)
        x = x + self.self_attn(h, h, h, key_padding_mask=token_pad, need_weights=False)[0]
        h = self.norm2(x)
        x = x + self.cross_attn(h, audio, audio, key_padding_mask=audio_pad, need_weights=False)[0]
        return x + self.ff(self.norm3(x))


class FusionCmu(nn.Module):
    def __init__(self, frame_dim: int, vocab: int, dim: int = 64, heads: int = 4, layers: int = 2,
                 dropout: float = 0.1):
        super().__init__()
        self.config = dict(frame_dim=frame_dim, vocab=vocab, dim=dim, heads=heads, layers=layers)
        # Frames: scaled, then a strided convolution (20 ms a step) sees 3 frames at a time.
        self.frame_in = nn.Conv1d(frame_dim, dim, kernel_size=3, stride=2, padding=1)
        self.span_in = nn.Embedding(2, dim)
        self.audio_norm = nn.LayerNorm(dim)
        self.embed = nn.Embedding(vocab, dim, padding_idx=0)
        self.feats_in = nn.Linear(len(FEATURES), dim)
        self.blocks = nn.ModuleList(Block(dim, heads, dropout) for _ in range(layers))
        self.out_norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        self.scale = nn.Parameter(torch.tensor(SCALE))
        self.midpoint = nn.Parameter(torch.tensor(MIDPOINT))
        self.register_buffer("positions", sinusoids(2048, dim), persistent=False)

    def forward(self, frames, frame_mask, span, tokens, token_mask, feats):
        # [B, T, D] -> [B, T', dim] at 20 ms a step; masks taken at the same steps.
        x = self.frame_in((frames / 10.0).transpose(1, 2)).transpose(1, 2)
        mask = frame_mask[:, ::2]
        in_span = span[:, ::2].long()
        t = x.shape[1]
        audio = self.audio_norm(torch.nn.functional.gelu(x) + self.span_in(in_span) + self.positions[:t])
        l = tokens.shape[1]
        h = self.embed(tokens) + self.positions[:l]
        h = torch.cat([h[:, :1] + self.feats_in(feats)[:, None], h[:, 1:]], dim=1)
        for block in self.blocks:
            h = block(h, audio, token_mask < 0.5, mask < 0.5)
        extra = self.head(self.out_norm(h[:, 0])).squeeze(-1)
        return self.scale * (feats[:, 0] - self.midpoint) + extra
