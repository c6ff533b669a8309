#!/usr/bin/python3
"""Exports the CMU model's Gaussian selection for the CPU path: gaussians.onnx and mixw.bin in models/am-en-us/.

Usage:
  /usr/bin/python3 scripts/export_cmu_gaussians.py [--model DIR] [--out models/am-en-us]
  /usr/bin/python3 scripts/export_cmu_gaussians.py --k-input FILE   # an older export (constant top 4) made to take k

senones.onnx (scripts/import_cmu_am.py) scores all 5,126 senones of every frame inside the graph; on this 2-core
CPU that costs ~0.35 ms a frame, mostly the gathers of the top-4 Gaussians to every senone (its model card), so
150 real-time streams would need ~5 cores for scoring alone. A grammar search only ever looks at the senones of
its active HMMs (pocketsphinx's default, -compallsen no). So the CPU path splits the work:
- gaussians.onnx: feats [batch, frames, 39] and k (int64 [1]) -> top [batch, frames, 3, codebooks, k] (each
  stream's k best Gaussian log-likelihoods per codebook, natural log, best first) and index [batch, frames, 3,
  codebooks, k] (their densities, int32): the dense part, one matmul per stream and a TopK. The live pass asks
  for pocketsphinx's 4, the final pass of an utterance for more (src/runtime/cmuBackend.ts,
  `defaultFinalGaussians`); ONNX Runtime's TopK costs about k / 4 times as much;
- mixw.bin: the mixture weights as bytes, [3 streams, senones, 128 densities], each -ln(w) / 0.1024 (sendump's
  own encoding), from which src/asr/senoneMixture.ts scores a senone on demand exactly as senones.onnx does.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from import_cmu_am import DEBIAN_MODEL, TOPN, gaussian_constants, read_gauden, read_mdef, read_sendump  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class GaussianSelector(torch.nn.Module):
    """feats [batch, frames, 39] -> (top, index), each [batch, frames, streams, codebooks, TOPN]."""

    def __init__(self, means, variances):
        super().__init__()
        n_cb, n_feat, n_density, dim = means.shape
        prec, log_norm = gaussian_constants(variances)
        # ln N(x; m, v) = sum_d -p x_d^2 + 2 p m x_d + [-p m^2 + ln(1/sqrt(2 pi v))], p = 1/(2v), as senones.onnx.
        quad, lin = -prec, 2 * prec * means
        const = (-prec * means * means).sum(-1) + log_norm
        weights = [
            np.concatenate([quad[:, s], lin[:, s], const[:, s, :, None]], axis=-1).reshape(n_cb * n_density, 2 * dim + 1).T
            for s in range(n_feat)
        ]
        self.register_buffer("weights", torch.tensor(np.stack(weights), dtype=torch.float32))
        self.n_cb, self.n_feat, self.n_density, self.dim = n_cb, n_feat, n_density, dim

    def forward(self, feats):
        batch, frames = feats.shape[0], feats.shape[1]
        tops, idxs = [], []
        for s in range(self.n_feat):
            x = feats[:, :, s * self.dim : (s + 1) * self.dim]
            xs = torch.cat([x * x, x, torch.ones_like(x[:, :, :1])], dim=-1)
            g = torch.matmul(xs, self.weights[s]).reshape(batch, frames, self.n_cb, self.n_density)
            top, idx = torch.topk(g, TOPN, dim=-1)
            tops.append(top)
            idxs.append(idx.to(torch.int32))
        return torch.stack(tops, dim=2), torch.stack(idxs, dim=2)


def k_as_input(path):
    """Rewrites an export in place so that every TopK takes its k from a graph input `k` (int64 [1]).

    The torch export traces k as a constant. The committed MAP-adapted model's means exist only in its
    gaussians.onnx (its adaptation's work folder is not kept), so this is also how an older export with a
    constant top 4 gains the input without exporting it again; the graph is otherwise unchanged.
    """
    import onnx

    model = onnx.load(path)
    graph = model.graph
    if any(i.name == "k" for i in graph.input):
        return {"file": path, "k_input": "already"}
    constants = {}
    for node in graph.node:
        if node.op_type == "TopK":
            constants[node.input[1]] = None
            node.input[1] = "k"
    kept = [n for n in graph.node if not (n.op_type == "Constant" and n.output[0] in constants)]
    del graph.node[:]
    graph.node.extend(kept)
    graph.input.append(onnx.helper.make_tensor_value_info("k", onnx.TensorProto.INT64, [1]))
    for output in graph.output:
        output.type.tensor_type.shape.dim[-1].dim_param = "k"
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return {"file": path, "k_input": "added", "topk_nodes": len(constants)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=DEBIAN_MODEL)
    ap.add_argument("--out", default=os.path.join(REPO, "models", "am-en-us"))
    ap.add_argument("--k-input", metavar="FILE", help="only rewrite this existing gaussians.onnx to take k")
    args = ap.parse_args()
    if args.k_input:
        print(json.dumps(k_as_input(args.k_input)))
        return
    mdef = read_mdef(os.path.join(args.model, "mdef"))
    means = read_gauden(os.path.join(args.model, "means"))
    variances = read_gauden(os.path.join(args.model, "variances"))
    mixw = read_sendump(os.path.join(args.model, "sendump"), mdef["nSenones"])  # [streams, densities, senones]
    selector = GaussianSelector(means, variances).eval()
    path = os.path.join(args.out, "gaussians.onnx")
    torch.onnx.export(
        selector,
        (torch.zeros(1, 8, 39),),
        path,
        input_names=["feats"],
        output_names=["top", "index"],
        dynamic_axes={"feats": {0: "batch", 1: "frames"}, "top": {0: "batch", 1: "frames"}, "index": {0: "batch", 1: "frames"}},
        opset_version=17,
    )
    k_as_input(path)
    np.ascontiguousarray(mixw.transpose(0, 2, 1)).tofile(os.path.join(args.out, "mixw.bin"))
    print(json.dumps({"gaussians.onnx": os.path.getsize(path), "mixw.bin": os.path.getsize(os.path.join(args.out, "mixw.bin")),
                      "streams": int(mixw.shape[0]), "densities": int(mixw.shape[1]), "senones": int(mixw.shape[2]),
                      "codebooks": int(means.shape[0])}))


if __name__ == "__main__":
    main()
