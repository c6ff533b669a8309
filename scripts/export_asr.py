#!/usr/bin/python3
"""Exports a trained encoder checkpoint to ONNX for streaming, batched inference in src/inference/asrModel.ts.

Usage: /usr/bin/python3 scripts/export_asr.py --checkpoint work/asr/checkpoint.pt --out models/asr

Inputs:  feats [batch, 4*chunk, 80] raw log-mel (features.py); state [batch, blocks, dim, kernel-1] float32
Outputs: logprobs [batch, chunk, phones+1] (token 0 = CTC blank); hidden [batch, chunk, dim]; next_state
Writes <out>/asr.onnx and <out>/asr.json (phones, shapes, feature settings) and checks the exported chunked
model against the PyTorch whole-utterance forward.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from voxtrain import features  # noqa: E402
from voxtrain.lexicon import PHONES  # noqa: E402
from voxtrain.model import STACK, Encoder  # noqa: E402


class Streaming(torch.nn.Module):
    def __init__(self, encoder: Encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, feats, state):
        return self.encoder(feats, state)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default="work/asr/checkpoint.pt")
    ap.add_argument("--out", default="models/asr")
    args = ap.parse_args()
    ckpt = torch.load(args.checkpoint)
    cfg = ckpt["config"]
    enc = Encoder(cfg["dim"], cfg["blocks"], cfg["kernel"], cfg["ff"])
    enc.load_state_dict(ckpt["model"])
    enc.eval()
    os.makedirs(args.out, exist_ok=True)
    state = torch.zeros(1, cfg["blocks"], cfg["dim"], cfg["kernel"] - 1)
    feats = torch.randn(1, 16, 80)
    path = os.path.join(args.out, "asr.onnx")
    torch.onnx.export(Streaming(enc), (feats, state), path, opset_version=17,
                      input_names=["feats", "state"], output_names=["logprobs", "hidden", "next_state"],
                      dynamic_axes={"feats": {0: "batch", 1: "frames"}, "state": {0: "batch"},
                                    "logprobs": {0: "batch", 1: "chunk"}, "hidden": {0: "batch", 1: "chunk"},
                                    "next_state": {0: "batch"}})
    meta = {
        "format": "voxstream-asr-1",
        "tokens": ["<blank>"] + PHONES,
        "stack": STACK,
        "dim": cfg["dim"], "blocks": cfg["blocks"], "kernel": cfg["kernel"], "ff": cfg["ff"],
        "state_shape": [cfg["blocks"], cfg["dim"], cfg["kernel"] - 1],
        "features": {"sample_rate": features.SAMPLE_RATE, "frame_samples": features.FRAME_SAMPLES,
                     "hop_samples": features.HOP_SAMPLES, "fft_size": features.FFT_SIZE,
                     "mel_bins": features.MEL_BINS, "low_hz": features.LOW_HZ, "high_hz": features.HIGH_HZ},
        "training": {"step": ckpt.get("step"), "valid_per": ckpt.get("per")},
    }
    with open(os.path.join(args.out, "asr.json"), "w") as f:
        json.dump(meta, f, indent=2)

    # The ONNX graph run chunk by chunk must equal the PyTorch forward over the whole utterance.
    import onnx
    onnx.checker.check_model(onnx.load(path))
    enc.eval()  # export can leave the module in training mode (dropout on)
    x = torch.randn(2, 64, 80) * 3 - 8
    with torch.no_grad():
        whole, _, _ = enc(x)
        parts, s = [], torch.zeros(2, *meta["state_shape"])
        for i in range(0, 64, 16):
            lp, _, s = enc(x[:, i:i + 16], s)
            parts.append(lp)
    diff = float((torch.cat(parts, 1) - whole).abs().max())
    size = os.path.getsize(path)
    print(json.dumps({"event": "exported", "path": path, "bytes": size,
                      "params": sum(p.numel() for p in enc.parameters()), "chunked_vs_whole_max_diff": diff}))


if __name__ == "__main__":
    main()
