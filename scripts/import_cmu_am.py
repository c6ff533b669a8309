#!/usr/bin/python3
"""Imports CMU Sphinx's en-us acoustic model (Debian's pocketsphinx-en-us) into models/am-en-us/.

Usage:
  /usr/bin/python3 scripts/import_cmu_am.py [--model DIR] [--out models/am-en-us]
      writes senones.onnx (features in, per-frame senone log-likelihoods out), am.json.gz (front-end
      settings, phones, triphone -> senone sequence, transition matrices), LICENSE
  /usr/bin/python3 scripts/import_cmu_am.py --check WAV [--out models/am-en-us]
      runs pocketsphinx_batch -senlogdir on WAV (16 kHz 16-bit mono .wav, or headerless .raw) and compares
      its senone scores with senones.onnx on features computed here; prints JSON
  /usr/bin/python3 scripts/import_cmu_am.py --check WAV --fixture test/fixtures/am-en-us [--start 60 --frames 100]
      also writes the features and pocketsphinx's top-50 senone scores of those frames as a test fixture

Needs python3-torch and python3-numpy; the import also needs pocketsphinx_mdef_convert, the check
pocketsphinx_batch and node (to run the ONNX file with onnxruntime-node). File formats and the scoring follow
pocketsphinx's src/ptm_mgau.c, ms_gauden.c, bin_mdef.c and tmat.c; see ../shared/notes/cmu-en-us-acoustic-model.md.
"""

import argparse
import gzip
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sphinx_frontend import batch_cmn, deltas, mfcc, read_audio  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBIAN_MODEL = "/usr/share/pocketsphinx/model/en-us/en-us"
FORMAT = "voxstream-am-v1"
TOPN = 4
VAR_FLOOR = 1e-4
TMAT_FLOOR = 1e-4
# pocketsphinx keeps log-likelihoods in log base 1.0001, mixture weights and senone scores shifted right by 10 bits.
LOG_UNIT = math.log(1.0001)
SENSCR_SHIFT = 10
NATS_PER_SENSCR = LOG_UNIT * (1 << SENSCR_SHIFT)  # 0.1024 nats
# ptm_mgau.c caps a Gaussian's score at 96 of those units below the stream's best Gaussian (MAX_NEG_ASCR).
MAX_NEG_ASCR = 96
WORD_POSITIONS = "ibes"  # pocketsphinx's order: internal, begin, end, single


# ---------------------------------------------------------------- model files


def read_s3(path):
    """A Sphinx-3 binary file: ASCII header up to 'endhdr', a byte-order word, then the body."""
    with open(path, "rb") as f:
        data = f.read()
    end = data.index(b"endhdr\n") + len(b"endhdr\n")
    header = {}
    for line in data[:end].decode("ascii").splitlines()[1:-1]:
        key, _, value = line.strip().partition(" ")
        header[key] = value.strip()
    (magic,) = struct.unpack_from("<I", data, end)
    order = "<" if magic == 0x11223344 else ">"
    return header, order, data[end + 4 :]


def read_gauden(path):
    """means / variances: [codebooks, streams, densities, dims] float32."""
    _, order, body = read_s3(path)
    n_mgau, n_feat, n_density = struct.unpack_from(order + "3i", body)
    veclen = struct.unpack_from(order + f"{n_feat}i", body, 12)
    (n,) = struct.unpack_from(order + "i", body, 12 + 4 * n_feat)
    assert len(set(veclen)) == 1 and n == n_mgau * n_density * sum(veclen), (veclen, n)
    values = np.frombuffer(body, dtype=order + "f4", count=n, offset=16 + 4 * n_feat)
    return values.reshape(n_mgau, n_feat, n_density, veclen[0]).astype(np.float64)


def read_tmat(path):
    """transition_matrices: [tmats, from state, to state] counts (to state 3 = exit)."""
    _, order, body = read_s3(path)
    n_tmat, n_src, n_dst, n = struct.unpack_from(order + "4i", body)
    assert n_dst == n_src + 1 and n == n_tmat * n_src * n_dst
    return np.frombuffer(body, dtype=order + "f4", count=n, offset=16).reshape(n_tmat, n_src, n_dst).astype(np.float64)


def read_sendump(path, n_sen):
    """sendump (ptm_mgau.c read_sendump): bytes -log_1.0001(w) >> 10 as [streams, densities, senones]."""
    with open(path, "rb") as f:
        data = f.read()
    pos, fields = 0, {}
    while True:
        (n,) = struct.unpack_from("<i", data, pos)
        assert 0 <= n < 1000, "big-endian sendump is not handled"
        pos += 4
        if n == 0:
            break
        text = data[pos : pos + n].rstrip(b"\0").decode("ascii")
        pos += n
        key, _, value = text.partition(" ")
        fields[key] = value
    assert "cluster_count" not in fields or int(fields["cluster_count"]) == 0, "clustered sendump not handled"
    rows, cols = struct.unpack_from("<2i", data, pos)
    pos += 8
    n_feat = int(fields.get("feature_count", 3))
    assert cols == n_sen, (cols, n_sen)
    assert len(data) - pos == n_feat * rows * cols, "unexpected sendump size"
    return np.frombuffer(data, dtype=np.uint8, offset=pos).reshape(n_feat, rows, cols)


def read_mdef(path):
    """The model definition, as pocketsphinx_mdef_convert -text prints it."""
    with tempfile.TemporaryDirectory() as tmp:
        text_path = os.path.join(tmp, "mdef.txt")
        subprocess.run(["pocketsphinx_mdef_convert", "-text", path, text_path], check=True, capture_output=True)
        with open(text_path) as f:
            lines = [line.split() for line in f if line.strip() and not line.startswith("#")]
    counts = {row[1]: int(row[0]) for row in lines[1:7]}
    phones, fillers, ci_senones, tmat_of = [], [], [], []
    triphones, sseqs, sseq_index = {}, [], {}
    for row in lines[7:]:
        base, left, right, pos, attrib, tmat = row[:6]
        states = [int(s) for s in row[6:-1]]
        assert len(states) == 3 and row[-1] == "N", row
        if left == "-":
            phones.append(base)
            if attrib == "filler":
                fillers.append(base)
            ci_senones.append(states)
            tmat_of.append(int(tmat))
            continue
        key = tuple(states)
        if key not in sseq_index:
            sseq_index[key] = len(sseqs)
            sseqs.append(states)
        triphones[f"{base} {left} {right} {pos}"] = sseq_index[key]
    assert len(phones) == counts["n_base"] and len(triphones) == counts["n_tri"], counts
    assert tmat_of == list(range(len(phones))), "expected one transition matrix per base phone, in order"
    # A senone's codebook is its base phone's (PTM): read it from the senone sequences.
    sen2cb = np.full(counts["n_tied_state"], -1, dtype=np.int64)
    for p, states in enumerate(ci_senones):
        sen2cb[states] = p
    phone_id = {p: i for i, p in enumerate(phones)}
    for key, index in triphones.items():
        b = phone_id[key.split(" ", 1)[0]]
        for s in sseqs[index]:
            assert sen2cb[s] in (-1, b), f"senone {s} shared across base phones"
            sen2cb[s] = b
    assert (sen2cb >= 0).all()
    return {
        "phones": phones,
        "fillers": fillers,
        "ciSenones": ci_senones,
        "nSenones": counts["n_tied_state"],
        "triphones": triphones,
        "sseqs": sseqs,
        "sen2cb": sen2cb,
    }


def read_feat_params(path):
    params = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                params[parts[0].lstrip("-")] = parts[1]
    return params


def log_tmats(counts):
    """Per matrix and emitting state: [ln P(stay), ln P(next)], rows normalised and floored as tmat.c does."""
    out = []
    for m in counts:
        rows = []
        for i, row in enumerate(m):
            p = row / row.sum()
            assert all(p[j] == 0 for j in range(len(p)) if j not in (i, i + 1)), "skip transitions not handled"
            p = np.where(p > 0, np.maximum(p, TMAT_FLOOR), 0)
            p = p / p.sum()
            rows.append([round(math.log(p[i]), 6), round(math.log(p[i + 1]), 6)])
        out.append(rows)
    return out


# ---------------------------------------------------------------- the scorer


def gaussian_constants(variances):
    """Per dimension 1/(2v) and per Gaussian ln(1/sqrt(2 pi v)) summed, as pocketsphinx holds them.

    ms_gauden.c floors the variances at 1e-4 and stores both in whole log-base-1.0001 units, truncated
    (logmath_ln_to_log and logmath_log return int). The truncation is not noise: a variance of 50 gives
    1/(2v) = 100.005 units, stored as 100, and the smallest precision here is 1.39 units, stored as 1. Copying it
    moves the scores onto pocketsphinx's (--check on goforward.raw: within one of its units 52 % of the time
    without it, 63 % with it; the rest is its per-Gaussian rounding, which we do not copy).
    """
    var = np.maximum(variances, VAR_FLOOR)
    prec = np.trunc(0.5 / var / LOG_UNIT) * LOG_UNIT
    log_norm = (np.trunc(-0.5 * np.log(2 * np.pi * var) / LOG_UNIT) * LOG_UNIT).sum(-1)
    return prec, log_norm


class GatherColumns(torch.autograd.Function):
    """torch.gather(data, 1, index) with int32 indices, exported as one GatherElements (torch wants int64; the
    32-bit indices halve the bytes the senone gathers move)."""

    @staticmethod
    def forward(ctx, data, index):
        return torch.gather(data, 1, index.long())

    @staticmethod
    def symbolic(g, data, index):
        return g.op("GatherElements", data, index, axis_i=1)


class SenoneScorer(torch.nn.Module):
    """feats [batch, frames, 39] -> scores [batch, frames, senones]: ln p(x | senone) minus the frame's best.

    Laid out for onnxruntime's fast paths: per stream one matmul for every Gaussian, TopK, then the top 4 of
    each codebook gathered to the senones as contiguous blocks ([senones, 4, batch*frames]) and the mixture
    weights picked with GatherElements; the log-sum over the 4 is a product and a sum in the linear domain
    relative to the stream's best Gaussian, which the 9.8-nat cap below keeps far from float32 underflow.
    """

    def __init__(self, means, variances, mixw, sen2cb):
        super().__init__()
        n_cb, n_feat, n_density, dim = means.shape
        prec, log_norm = gaussian_constants(variances)
        # ln N(x; m, v) = sum_d -p x_d^2 + 2 p m x_d + [-p m^2 + ln(1/sqrt(2 pi v))], p = 1/(2v):
        # one matmul of [x^2, x, 1] per stream.
        quad = -prec
        lin = 2 * prec * means
        const = (-prec * means * means).sum(-1) + log_norm
        weights = []
        for s in range(n_feat):
            w = np.concatenate([quad[:, s], lin[:, s], const[:, s, :, None]], axis=-1)  # [cb, dens, 2*dim+1]
            weights.append(w.reshape(n_cb * n_density, 2 * dim + 1).T)
        self.register_buffer("weights", torch.tensor(np.stack(weights), dtype=torch.float32))
        # Mixture weights stay bytes in the file, [stream, senone, density]; onnxruntime folds the Cast and
        # Exp into a float table when it loads the model.
        self.register_buffer("mixw", torch.tensor(np.ascontiguousarray(mixw.transpose(0, 2, 1))))
        self.register_buffer("sen2cb", torch.tensor(sen2cb, dtype=torch.int64))
        self.n_cb, self.n_feat, self.n_density, self.dim = n_cb, n_feat, n_density, dim
        self.n_sen = len(sen2cb)

    def forward(self, feats):
        batch, frames = feats.shape[0], feats.shape[1]
        total = None
        for s in range(self.n_feat):
            x = feats[:, :, s * self.dim : (s + 1) * self.dim]
            xs = torch.cat([x * x, x, torch.ones_like(x[:, :, :1])], dim=-1)
            g = torch.matmul(xs, self.weights[s]).reshape(batch, frames, self.n_cb, self.n_density)
            top, idx = torch.topk(g, TOPN, dim=-1)  # [batch, frames, codebooks, TOPN]
            best = top[:, :, :, 0].amax(dim=-1)  # the stream's best Gaussian, [batch, frames]
            # As pocketsphinx: no Gaussian counts as worse than 96 * 0.1024 nats below the stream's best.
            rel = torch.exp(torch.clamp(top - best[:, :, None, None], min=-MAX_NEG_ASCR * NATS_PER_SENSCR))
            rel = rel.permute(2, 3, 0, 1).reshape(self.n_cb, TOPN, -1).index_select(0, self.sen2cb)
            idx = idx.to(torch.int32).permute(2, 3, 0, 1).reshape(self.n_cb, TOPN, -1).index_select(0, self.sen2cb)
            weight = torch.exp(self.mixw[s].to(torch.float32) * -NATS_PER_SENSCR)  # [senones, densities]
            w = GatherColumns.apply(weight, idx.reshape(self.n_sen, -1)).reshape(self.n_sen, TOPN, -1)
            stream = torch.log((rel * w).sum(dim=1)) + best.reshape(1, -1)  # [senones, batch*frames]
            total = stream if total is None else total + stream
        scores = total.transpose(0, 1).reshape(batch, frames, self.n_sen)
        return scores - scores.amax(dim=-1, keepdim=True)


def export_onnx(scorer, path):
    example = torch.zeros(1, 8, 39)
    torch.onnx.export(
        scorer,
        (example,),
        path,
        input_names=["feats"],
        output_names=["scores"],
        dynamic_axes={"feats": {0: "batch", 1: "frames"}, "scores": {0: "batch", 1: "frames"}},
        opset_version=17,
        # Folding would store the byte mixture weights as float32, four times the size.
        do_constant_folding=False,
    )


# ---------------------------------------------------------------- front-end settings


def front_end_params(feat_params):
    """feat.params plus the defaults pocketsphinx_batch prints for what it does not set."""
    return {
        "sampleRate": 16000,
        "lowerf": float(feat_params["lowerf"]),
        "upperf": float(feat_params["upperf"]),
        "nfilt": int(feat_params["nfilt"]),
        "ncep": 13,
        "lifter": int(feat_params["lifter"]),
        "transform": feat_params["transform"],
        "windowSamples": 410,
        "shiftSamples": 160,
        "nfft": 512,
        "preemphasis": 0.97,
        "logFloor": 1e-4,
        "feat": feat_params["feat"],
        "cmn": feat_params["cmn"],
        "cmninit": [float(v) for v in feat_params["cmninit"].split(",")],
    }


# ---------------------------------------------------------------- the check against pocketsphinx


def pocketsphinx_scores(model, audio_path, n_sen):
    """Every senone's score for every frame, from pocketsphinx_batch -senlogdir, in nats (best = 0)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "utt.raw")
        read_audio(audio_path).tofile(raw)
        with open(os.path.join(tmp, "ctl"), "w") as f:
            f.write("utt\n")
        os.mkdir(os.path.join(tmp, "sen"))
        args = ["pocketsphinx_batch", "-hmm", model, "-adcin", "yes", "-cepdir", tmp, "-cepext", ".raw",
                "-ctl", os.path.join(tmp, "ctl"), "-senlogdir", os.path.join(tmp, "sen"), "-compallsen", "yes",
                "-pl_window", "0", "-remove_noise", "no", "-remove_silence", "no",
                "-lm", os.path.join(os.path.dirname(model), "en-us.lm.bin"),
                "-dict", os.path.join(os.path.dirname(model), "cmudict-en-us.dict"),
                "-hyp", os.path.join(tmp, "hyp")]
        subprocess.run(args, check=True, capture_output=True)
        (log,) = os.listdir(os.path.join(tmp, "sen"))  # named by utterance number, e.g. 000000000.sen
        _, order, body = read_s3(os.path.join(tmp, "sen", log))
    frame_bytes = 2 + 2 * n_sen
    assert len(body) % frame_bytes == 0, "partial senone frames"
    frames = np.frombuffer(body, dtype=order + "i2").reshape(-1, n_sen + 1)
    assert (frames[:, 0] == n_sen).all(), "not every senone was scored"
    units = frames[:, 1:].astype(np.float64)  # positive = worse, best = 0
    return -(units - units.min(1, keepdims=True)) * NATS_PER_SENSCR, units


def run_onnx(path, feats):
    """Runs the ONNX file with onnxruntime-node (what the server uses): feats [batch, frames, 39]."""
    with tempfile.TemporaryDirectory() as tmp:
        feats_path, out_path = os.path.join(tmp, "feats.bin"), os.path.join(tmp, "scores.bin")
        feats.astype("<f4").tofile(feats_path)
        script = f"""
import ort from 'onnxruntime-node';
import {{ readFileSync, writeFileSync }} from 'node:fs';
const buf = readFileSync({json.dumps(feats_path)});
const feats = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
const s = await ort.InferenceSession.create({json.dumps(path)}, {{ intraOpNumThreads: 1 }});
const out = await s.run({{ feats: new ort.Tensor('float32', feats, {json.dumps(list(feats.shape))}) }});
writeFileSync({json.dumps(out_path)}, out.scores.data);
"""
        subprocess.run(["node", "--input-type=module", "-e", script], check=True, cwd=REPO)
        return np.fromfile(out_path, dtype="<f4").reshape(*feats.shape[:2], -1)


def check(args):
    with gzip.open(os.path.join(args.out, "am.json.gz"), "rt") as f:
        am = json.load(f)
    fe = am["frontEnd"]
    samples = read_audio(args.check)
    feats = deltas(batch_cmn(mfcc(samples, fe)))
    ours = run_onnx(os.path.join(args.out, "senones.onnx"), feats[None])[0].astype(np.float64)
    theirs, units = pocketsphinx_scores(args.model, args.check, am["nSenones"])
    n = min(len(ours), len(theirs))
    diff = ours[:n] - theirs[:n]
    top50 = np.argsort(-theirs[:n], axis=1)[:, :50]
    diff50 = np.take_along_axis(diff, top50, axis=1)
    result = {
        "audio": os.path.relpath(args.check, REPO) if args.check.startswith(REPO) else args.check,
        "frames": {"ours": len(ours), "pocketsphinx": len(theirs)},
        "cmn": "batch",
        "pocketsphinxFlags": "-compallsen yes -pl_window 0 -remove_noise no -remove_silence no",
        "natsPerPocketsphinxUnit": NATS_PER_SENSCR,
        "withinOneUnit": float(np.mean(np.abs(diff) <= NATS_PER_SENSCR)),
        "within015Nats": float(np.mean(np.abs(diff) <= 0.15)),
        "top50Within015Nats": float(np.mean(np.abs(diff50) <= 0.15)),
        "top50WithinOneUnit": float(np.mean(np.abs(diff50) <= NATS_PER_SENSCR)),
        "meanAbsDiffNats": float(np.mean(np.abs(diff))),
        "top50MeanAbsDiffNats": float(np.mean(np.abs(diff50))),
        "bestSenoneSame": int(np.sum(ours[:n].argmax(1) == theirs[:n].argmax(1))),
        "oursBestAmongTheirTied": int(np.sum(theirs[np.arange(n), ours[:n].argmax(1)] == 0)),
        "oursBestWithinOneUnitOfTheirs": int(np.sum(theirs[np.arange(n), ours[:n].argmax(1)] >= -NATS_PER_SENSCR)),
        "top50AbsDiffPercentilesNats": {str(q): round(float(np.percentile(np.abs(diff50), q)), 4)
                                        for q in (50, 90, 95, 99)},
    }
    if args.fixture:
        result["fixture"] = write_fixture(args, feats, theirs, ours)
    print(json.dumps(result, indent=2))


def write_fixture(args, feats, theirs, ours):
    start, count = args.start, args.frames
    os.makedirs(args.fixture, exist_ok=True)
    feats[start : start + count].astype("<f4").tofile(os.path.join(args.fixture, "feats.bin"))
    top = np.argsort(-theirs[start : start + count], axis=1, kind="stable")[:, :50]
    scores = np.take_along_axis(theirs[start : start + count], top, axis=1)
    fixture = {
        "source": os.path.basename(args.check),
        "firstFrame": start,
        "frames": count,
        "dims": 39,
        "feats": "feats.bin: float32 little-endian [frames, 39], batch CMN over the whole recording",
        "pocketsphinx": "pocketsphinx_batch -compallsen yes -pl_window 0 -remove_noise no -remove_silence no",
        "senones": top.tolist(),
        "scores": [[round(float(v), 4) for v in row] for row in scores],
    }
    with open(os.path.join(args.fixture, "senones.json"), "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    diff = np.take_along_axis(ours[start : start + count] - theirs[start : start + count], top, axis=1)
    best = ours[start : start + count].argmax(1)
    return {
        "top50Within015Nats": float(np.mean(np.abs(diff) <= 0.15)),
        "top50Within03Nats": float(np.mean(np.abs(diff) <= 0.3)),
        "bestSenoneSame": int(np.sum(best == top[:, 0])),
        "oursBestWithinOneUnitOfTheirs": int(np.sum(theirs[start + np.arange(count), best] >= -NATS_PER_SENSCR)),
    }


# ---------------------------------------------------------------- import


def import_model(args):
    model, out = args.model, args.out
    os.makedirs(out, exist_ok=True)
    mdef = read_mdef(os.path.join(model, "mdef"))
    means = read_gauden(os.path.join(model, "means"))
    variances = read_gauden(os.path.join(model, "variances"))
    mixw = read_sendump(os.path.join(model, "sendump"), mdef["nSenones"])
    tmats = log_tmats(read_tmat(os.path.join(model, "transition_matrices")))
    assert means.shape[0] == len(mdef["phones"]), "not a PTM model"
    scorer = SenoneScorer(means, variances, mixw, mdef["sen2cb"]).eval()
    export_onnx(scorer, os.path.join(out, "senones.onnx"))
    am = {
        "format": FORMAT,
        "source": "Debian pocketsphinx-en-us " + debian_version("pocketsphinx-en-us"),
        "frontEnd": front_end_params(read_feat_params(os.path.join(model, "feat.params"))),
        "phones": mdef["phones"],
        "fillers": mdef["fillers"],
        "silence": "SIL",
        "nSenones": mdef["nSenones"],
        "ciSenones": mdef["ciSenones"],
        "senoneBase": mdef["sen2cb"].tolist(),
        "tmats": tmats,
        "wordPositions": WORD_POSITIONS,
        "triphones": mdef["triphones"],
        "sseqs": mdef["sseqs"],
    }
    # mtime 0: the same model gives the same bytes.
    with open(os.path.join(out, "am.json.gz"), "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(json.dumps(am, separators=(",", ":")).encode())
    write_license(model, out)
    sizes = {name: os.path.getsize(os.path.join(out, name)) for name in sorted(os.listdir(out))}
    print(json.dumps({"out": out, "sizes": sizes, "varianceFloored": int((variances < VAR_FLOOR).sum()),
                      "triphones": len(mdef["triphones"]), "sseqs": len(mdef["sseqs"])}, indent=2))


def debian_version(package):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], check=True, capture_output=True,
                              text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_license(model, out):
    with open(os.path.join(model, "README")) as f:
        readme = f.read()
    licence = readme[: readme.index("*/") + 2]
    copyright_path = "/usr/share/doc/pocketsphinx-en-us/copyright"
    with open(os.path.join(out, "LICENSE"), "w") as f:
        f.write("The CMU Sphinx en-us acoustic model (Debian package pocketsphinx-en-us), converted by\n")
        f.write("scripts/import_cmu_am.py. Its licence, from the model's README:\n\n")
        f.write(licence + "\n")
        if os.path.exists(copyright_path):
            with open(copyright_path) as c:
                text = c.read()
            # Only the stanza for the package's own files; the others cover tools that are not converted.
            first = text.index("Files: *")
            end = text.find("\nFiles:", first + 1)
            f.write("\nDebian's copyright file for the package (" + copyright_path + "):\n\n")
            f.write(text[first : end if end >= 0 else len(text)].rstrip() + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=DEBIAN_MODEL)
    ap.add_argument("--out", default=os.path.join(REPO, "models", "am-en-us"))
    ap.add_argument("--check", metavar="WAV")
    ap.add_argument("--fixture", metavar="DIR")
    ap.add_argument("--start", type=int, default=60)
    ap.add_argument("--frames", type=int, default=100)
    args = ap.parse_args()
    if args.check:
        check(args)
    else:
        import_model(args)


if __name__ == "__main__":
    sys.exit(main())
