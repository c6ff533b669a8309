#!/usr/bin/python3
"""MAP-adapts CMU Sphinx's en-us acoustic model (Debian pocketsphinx-en-us) on real speech with Debian's
sphinxtrain, as CMU's tutorial "Adapting the default acoustic model" does: sphinx_fe makes features, bw
collects statistics with the existing model, map_adapt updates means, variances, mixture weights and
transition matrices, mk_s2sendump writes the pocketsphinx sendump. Issues 11 and 12.

Trains ONLY on (the evaluation sets of scripts/build_realsets.py stay held out):
  - Speech Commands (../shared/data/speech_commands/labels.tsv): the ten words and `_unknown_` words (the word is
    the file name's first part) of the `tune` half of the speakers, by build_realsets.halves (imported, so the
    split is the same); never the `report` half, never `_silence_`.
  - speechocean762 `train/` (never `test/`), sentences normalised by build_realsets.normalize.
  - FSDD speakers other than theo and george (build_realsets.FSDD_SPEAKERS), upsampled from 8 to 16 kHz.
  - --noisy-copies K (default 1): K extra copies of every utterance mixed with ../shared/data/noise at an SNR drawn
    from --snrs, using only the FIRST 70 % of each noise file (the evaluation sets mix the last 30 %).
  - --denoised-copies K (default 0): K more copies mixed the same way (SNR drawn from --denoised-snrs, where
    `clean` leaves the utterance unmixed) and then denoised as the noisy-utterance pass denoises an utterance
    (scripts/realspeech/denoise-wavs.ts, RNNoise via src/audio/rnnoise.ts), so that the model also knows what
    that pass decodes.
  - --narrowband-copies K (default 0): K more copies of every Speech Commands and speechocean762 utterance (FSDD
    is narrowband already) resampled to 8 kHz and back, clean, so that the model also knows telephone-band
    speech (docs/real-speech/narrowband-fill/: narrowband copies of the tuning sets lose 9-14 points).
  - with --hold-out-tuning: NOT the Speech Commands tune-half speakers and speechocean762 train speakers with
    crc32(speaker id, UTF-8) % 4 == 0 (build_realsets.tuning_holdout), about a quarter of each: build_realsets.py
    --tuning-holdout makes tuning sets of just them (sc_tunehold, so_tunehold), so an adapted model's accept
    threshold can be tuned on speakers it never saw.
Utterances with a word missing from cmudict-en-us.dict are dropped.

Defaults are what measured best on held-out speakers (pocketsphinx_batch, sc_report, fsdd, speechocean test):
one noisy copy per utterance (multi-condition) and the ORIGINAL variances kept (--variances base): MAP-adapted
variances gained nothing clean and lost 2-12 points at 6-9 dB SNR.

Features follow the model's feat.params (batch CMN, `-cmn batch`; pocketsphinx_batch with this model does the
same); our runtime front end uses live CMN from cmninit, so adapted statistics are batch-CMN statistics.

Usage:
  /usr/bin/python3 scripts/adapt_cmu_am.py [--work work/adapt] [--out work/adapt/model] [--shared ../shared]
      [--sets sc,so,fsdd] [--noisy-copies 1] [--denoised-copies 0] [--narrowband-copies 0] [--denoised-snrs 6,…,24,clean]
      [--variances base|map] [--snrs 6,9,12,15,18,21,24] [--tau 10 --fixedtau]
      [--jobs 2] [--reuse-bw] [--hold-out-tuning] [--import-to work/am-adapted]
Writes <out>/ (a pocketsphinx model folder: mdef, means, variances, sendump, mixture_weights,
transition_matrices, feat.params, noisedict, README) and, with --import-to, runs scripts/import_cmu_am.py
--model <out> --out <dir>. Progress on stderr; a JSON summary on stdout. Re-running reuses converted audio
and features in <work>. Needs sphinxtrain, sphinxbase-utils, pocketsphinx (mdef_convert), opusdec, numpy, scipy (and node with
this repository's packages for --denoised-copies).
"""

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.signal import resample_poly

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_realsets as br  # noqa: E402  (the speaker split, normalisation, audio decoding, noise rule)

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DEBIAN_MODEL = "/usr/share/pocketsphinx/model/en-us/en-us"
DICT = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
ST = "/usr/lib/sphinxtrain"
T0 = time.time()
# Mixture-weight floor for map_adapt and mk_s2sendump: Debian's sendump holds weights down to about 1.3e-7
# (byte 158); the tools' default floor 1e-5 would raise 15 % of them.
MWFLOOR = "1e-7"


def log(msg: str) -> None:
    print(f"[adapt {time.time() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


def run(cmd: list[str], logfile: str | None = None) -> None:
    cmd = ["nice", "-n", "10", *cmd]
    if logfile:
        with open(logfile, "w") as f:
            r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    else:
        r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        tail = open(logfile).read()[-3000:] if logfile else (r.stdout + r.stderr)[-3000:]
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{tail}")


# ---- base model ----------------------------------------------------------------------------------------------

def write_s3_mixw(path: str, mixw: np.ndarray) -> None:
    """Sphinx-3 binary mixture weights [senones, streams, densities], float32, no checksum."""
    n_sen, n_feat, n_den = mixw.shape
    with open(path, "wb") as f:
        f.write(b"s3\nversion 1.0\nendhdr\n")
        f.write(struct.pack("<I", 0x11223344))
        f.write(struct.pack("<IIII", n_sen, n_feat, n_den, n_sen * n_feat * n_den))
        f.write(np.ascontiguousarray(mixw, dtype="<f4").tobytes())


def read_sendump(path: str, n_sen: int) -> np.ndarray:
    """Debian's sendump (bytes -log_1.0001(w) >> 10, [streams, densities, senones]) as float weights
    [senones, streams, densities], rows normalised."""
    data = open(path, "rb").read()
    pos = 0

    def i32():
        nonlocal pos
        v = struct.unpack_from("<i", data, pos)[0]
        pos += 4
        return v

    n = i32()
    pos += n  # title
    while True:
        n = i32()
        if n == 0:
            break
        pos += n  # header strings
    rows, cols = i32(), i32()
    n_feat = (len(data) - pos) // (rows * cols)
    assert cols == n_sen and n_feat * rows * cols == len(data) - pos, "unexpected sendump layout"
    q = np.frombuffer(data, dtype=np.uint8, count=n_feat * rows * cols, offset=pos).reshape(n_feat, rows, cols)
    w = np.exp(-(q.astype(np.float64) * 1024) * np.log(1.0001))
    w = w.transpose(2, 0, 1)
    return (w / w.sum(axis=2, keepdims=True)).astype(np.float32)


def prepare_base(src: str, base: str) -> dict:
    os.makedirs(base, exist_ok=True)
    for name in ["mdef", "means", "variances", "transition_matrices", "noisedict", "feat.params", "README"]:
        if os.path.exists(os.path.join(src, name)):
            shutil.copy(os.path.join(src, name), os.path.join(base, name))
    mdef_txt = os.path.join(base, "mdef.txt")
    run(["pocketsphinx_mdef_convert", "-text", os.path.join(src, "mdef"), mdef_txt])
    n_sen = None
    for line in open(mdef_txt):
        if line.strip().endswith("n_tied_state"):
            n_sen = int(line.split()[0])
            break
    if os.path.exists(os.path.join(src, "mixture_weights")):
        shutil.copy(os.path.join(src, "mixture_weights"), os.path.join(base, "mixture_weights"))
    else:  # Debian ships only the quantised sendump: rebuild float weights from it
        write_s3_mixw(os.path.join(base, "mixture_weights"), read_sendump(os.path.join(src, "sendump"), n_sen))
    return {"senones": n_sen}


# ---- data ----------------------------------------------------------------------------------------------------

def read_dict(path: str) -> set[str]:
    words = set()
    for line in open(path, encoding="utf-8", errors="replace"):
        if line.strip():
            words.add(line.split(maxsplit=1)[0].split("(")[0])
    return words


def corpus(shared: str, sets: list[str], hold_out_tuning: bool = False) -> list[dict]:
    """(uttid, source audio, words, speaker) of every training utterance; held-out speakers excluded (with
    hold_out_tuning also the tuning speakers of build_realsets.tuning_holdout)."""
    rows = []
    if "sc" in sets:
        folder = os.path.join(shared, "data", "speech_commands")
        with open(os.path.join(folder, "labels.tsv")) as f:
            labels = [(line.rstrip("\n").split("\t") + ["", "", "", ""])[:4] for line in list(f)[1:] if line.strip()]
        half = br.halves({s for _, _, _, s in labels if s})  # the same rule and keys as build_realsets
        for file, label, word, speaker in labels:
            if not speaker or label == "_silence_" or half[speaker] != "tune":
                continue
            if hold_out_tuning and br.tuning_holdout(speaker):
                continue
            word = word or os.path.basename(file).split("_")[0]
            rows.append({"id": "sc-" + file[: -len(".opus")].replace("/", "-").replace("_", "-"),
                         "src": os.path.join(folder, file), "words": br.normalize(word), "spk": "sc" + speaker})
    if "so" in sets:
        folder = os.path.join(shared, "data", "speechocean762", "train")
        spk = dict(line.split() for line in open(os.path.join(folder, "utt2spk")) if line.strip())
        for line in open(os.path.join(folder, "text")):
            if line.strip():
                utt, text = line.rstrip("\n").split("\t", 1) if "\t" in line else line.split(maxsplit=1)
                if hold_out_tuning and utt in spk and br.tuning_holdout(spk[utt]):
                    continue
                rows.append({"id": f"so-{utt}", "src": os.path.join(folder, f"{utt}.opus"),
                             "words": br.normalize(text), "spk": "so" + spk.get(utt, "?")})
    if "fsdd" in sets:
        folder = os.path.join(shared, "data", "fsdd", "recordings")
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".wav"):
                continue
            digit, speaker, _ = name[: -len(".wav")].split("_")
            if speaker in br.FSDD_SPEAKERS:
                continue
            rows.append({"id": "fsdd-" + name[: -len(".wav")].replace("_", "-"), "src": os.path.join(folder, name),
                         "words": br.DIGITS[int(digit)], "spk": "fsdd" + speaker})
    return rows


def train_noises(shared: str) -> dict[str, np.ndarray]:
    """The FIRST 70 % of each noise file (training's share; build_realsets mixes only the rest)."""
    folder = os.path.join(shared, "data", "noise")
    out = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".flac"):
            pcm = br.decode(os.path.join(folder, name))
            out[name[: -len(".flac")]] = pcm[: int(len(pcm) * br.TRAIN_NOISE_SHARE)]
    return out


# ---- main ----------------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=DEBIAN_MODEL, help="the Sphinx model folder to adapt")
    ap.add_argument("--work", default=os.path.join(ROOT, "work", "adapt"))
    ap.add_argument("--out", default=None, help="adapted model folder (default <work>/model)")
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--sets", default="sc,so,fsdd")
    ap.add_argument("--noisy-copies", type=int, default=1)
    ap.add_argument("--denoised-copies", type=int, default=0)
    ap.add_argument("--narrowband-copies", type=int, default=0)
    ap.add_argument("--denoised-snrs", default="6,9,12,15,18,21,24,clean")
    ap.add_argument("--variances", choices=["base", "map"], default="base",
                    help="base: keep the original variances (MAP-adapted ones hurt in noise); map: map_adapt's")
    ap.add_argument("--snrs", default="6,9,12,15,18,21,24")
    ap.add_argument("--seed", type=int, default=1130)
    ap.add_argument("--tau", type=float, default=10.0)
    ap.add_argument("--fixedtau", action="store_true", help="map_adapt -fixedtau yes -bayesmean no with --tau")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--reuse-bw", action="store_true", help="reuse <work>/bwaccum* of an earlier run (same data)")
    ap.add_argument("--hold-out-tuning", action="store_true",
                    help="leave out the tuning speakers with crc32 %% 4 == 0 (build_realsets.py --tuning-holdout)")
    ap.add_argument("--import-to", default=None, help="also run scripts/import_cmu_am.py --model <out> --out DIR")
    args = ap.parse_args()
    work = os.path.abspath(args.work)
    out = os.path.abspath(args.out or os.path.join(work, "model"))
    base = os.path.join(work, "base")
    timings = {}

    # 1. base model in trainable form (text mdef, float mixture weights)
    t = time.time()
    info = prepare_base(args.model, base)
    timings["base"] = round(time.time() - t, 1)
    log(f"base model ready in {base} ({info['senones']} senones)")

    # 2. audio → 16 kHz mono 16-bit WAV (plus noisy copies)
    t = time.time()
    words = read_dict(DICT)
    rows = corpus(args.shared, args.sets.split(","), args.hold_out_tuning)
    oov = [r for r in rows if not r["words"] or any(w not in words for w in r["words"].split())]
    rows = [r for r in rows if r not in oov]
    wavdir = os.path.join(work, "wav")
    os.makedirs(wavdir, exist_ok=True)
    noises = train_noises(args.shared) if args.noisy_copies else {}
    snrs = [int(s) for s in args.snrs.split(",")]
    utts = []
    for r in rows:
        utts.append({**r, "snr": None})
        for k in range(args.noisy_copies):
            utts.append({**r, "id": f"{r['id']}-n{k}", "snr": k})
        for k in range(args.denoised_copies):
            utts.append({**r, "id": f"{r['id']}-d{k}", "snr": k, "denoise": True})
        for k in range(args.narrowband_copies if not r["id"].startswith("fsdd-") else 0):
            utts.append({**r, "id": f"{r['id']}-b{k}", "snr": None, "narrowband": True})
    denoised_snrs = args.denoised_snrs.split(",")

    def convert(u: dict) -> float:
        path = os.path.join(wavdir, u["id"] + ".wav")
        if os.path.exists(path):
            with open(path, "rb") as f:
                return (os.path.getsize(path) - 44) / 2 / br.SAMPLE_RATE
        if u.get("denoise"):  # the mixture, denoised below
            path = os.path.join(wavdir, u["id"] + ".mix.wav")
            if os.path.exists(path):
                return (os.path.getsize(path) - 44) / 2 / br.SAMPLE_RATE
        pcm = br.decode(u["src"])
        if u.get("denoise"):
            rng = np.random.default_rng([args.seed, br.crc(u["id"])])
            snr = denoised_snrs[int(rng.integers(len(denoised_snrs)))]
            if snr != "clean":
                pcm, _ = mix_train(pcm, noises, int(snr), rng)
        elif u["snr"] is not None:
            rng = np.random.default_rng([args.seed, br.crc(u["id"])])
            snr = snrs[int(rng.integers(len(snrs)))]
            pcm, _ = mix_train(pcm, noises, snr, rng)
        elif u.get("narrowband"):
            pcm = np.clip(resample_poly(resample_poly(pcm, 1, 2), 2, 1), -1, 1).astype(pcm.dtype)
        br.write_wav(path + ".tmp", pcm)
        os.replace(path + ".tmp", path)
        return len(pcm) / br.SAMPLE_RATE

    seconds = 0.0
    with ThreadPoolExecutor(args.jobs) as pool:
        for i, s in enumerate(pool.map(convert, utts)):
            seconds += s
            if (i + 1) % 1000 == 0:
                log(f"audio {i + 1}/{len(utts)}")
    todo = [u["id"] for u in utts if u.get("denoise") and not os.path.exists(os.path.join(wavdir, u["id"] + ".wav"))]
    if todo:
        listing = os.path.join(work, "denoise.list")
        with open(listing, "w") as f:
            f.writelines(f"{os.path.join(wavdir, i + '.mix.wav')}\t{os.path.join(wavdir, i + '.wav')}\n" for i in todo)
        log(f"denoising {len(todo)} mixtures")
        procs = [subprocess.Popen(
            ["nice", "-n", "10", "npx", "tsx", os.path.join(ROOT, "scripts", "realspeech", "denoise-wavs.ts"),
             "--list", listing, "--part", str(i), "--parts", str(args.jobs)], cwd=ROOT,
            stdout=open(os.path.join(work, f"denoise.{i}.log"), "w"), stderr=subprocess.STDOUT)
            for i in range(args.jobs)]
        for p in procs:
            if p.wait() != 0:
                sys.exit(f"denoising failed; see {work}/denoise.*.log")
    timings["audio"] = round(time.time() - t, 1)
    log(f"{len(utts)} utterances, {seconds / 3600:.2f} h ({len(oov)} dropped for OOV words)")

    # 3. features (sphinx_fe with the model's feat.params)
    t = time.time()
    mfcdir = os.path.join(work, "mfc")
    os.makedirs(mfcdir, exist_ok=True)
    ctl = os.path.join(work, "train.fileids")
    lsn = os.path.join(work, "train.transcription")
    with open(ctl, "w") as f:
        f.writelines(f"{u['id']}\n" for u in utts)
    with open(lsn, "w") as f:
        f.writelines(f"<s> {u['words']} </s> ({u['id']})\n" for u in utts)
    todo = [u["id"] for u in utts if not os.path.exists(os.path.join(mfcdir, u["id"] + ".mfc"))]
    if todo:
        parts = [todo[i::args.jobs] for i in range(args.jobs)]
        procs = []
        for i, part in enumerate(parts):
            pctl = os.path.join(work, f"fe.{i}.fileids")
            with open(pctl, "w") as f:
                f.writelines(f"{u}\n" for u in part)
            procs.append(subprocess.Popen(
                ["nice", "-n", "10", "sphinx_fe", "-argfile", os.path.join(base, "feat.params"), "-samprate", "16000",
                 "-c", pctl, "-di", wavdir, "-do", mfcdir, "-ei", "wav", "-eo", "mfc", "-mswav", "yes"],
                stdout=open(os.path.join(work, f"fe.{i}.log"), "w"), stderr=subprocess.STDOUT))
        for p in procs:
            if p.wait() != 0:
                sys.exit(f"sphinx_fe failed; see {work}/fe.*.log")
    timings["features"] = round(time.time() - t, 1)
    log(f"features in {mfcdir}")

    # 4. bw: statistics with the existing model, the corpus in --jobs parts
    t = time.time()
    accums = [os.path.join(work, f"bwaccum{i}") for i in range(1, args.jobs + 1)]
    procs = []
    for i in range(1, args.jobs + 1) if not args.reuse_bw else []:
        acc = accums[i - 1]
        shutil.rmtree(acc, ignore_errors=True)
        os.makedirs(acc)
        procs.append(subprocess.Popen(
            ["nice", "-n", "10", f"{ST}/bw", "-moddeffn", os.path.join(base, "mdef.txt"),
             "-meanfn", os.path.join(base, "means"), "-varfn", os.path.join(base, "variances"),
             "-mixwfn", os.path.join(base, "mixture_weights"), "-tmatfn", os.path.join(base, "transition_matrices"),
             "-ts2cbfn", ".ptm.", "-feat", "1s_c_d_dd", "-svspec", "0-12/13-25/26-38", "-cmn", "batch",
             "-agc", "none", "-varnorm", "no", "-dictfn", DICT, "-fdictfn", os.path.join(base, "noisedict"),
             "-ctlfn", ctl, "-lsnfn", lsn, "-cepdir", mfcdir, "-cepext", "mfc", "-accumdir", acc,
             "-npart", str(args.jobs), "-part", str(i), "-timing", "no"],
            stdout=open(os.path.join(work, f"bw.{i}.log"), "w"), stderr=subprocess.STDOUT))
    for p in procs:
        if p.wait() != 0:
            sys.exit(f"bw failed; see {work}/bw.*.log")
    bw_stats = {"utterances_failed": 0}
    for i in range(1, args.jobs + 1):
        text = open(os.path.join(work, f"bw.{i}.log"), errors="replace").read()
        bw_stats["utterances_failed"] += text.count("Failed to align audio")
        for line in text.splitlines():
            if "overall>" in line:
                bw_stats[f"part{i}"] = line.strip()
    timings["bw"] = round(time.time() - t, 1)
    log(f"bw done: {bw_stats}")

    # 5. map_adapt, then the pocketsphinx sendump
    t = time.time()
    os.makedirs(out, exist_ok=True)
    tau = ["-fixedtau", "yes", "-bayesmean", "no", "-tau", str(args.tau)] if args.fixedtau else []
    run([f"{ST}/map_adapt", "-moddeffn", os.path.join(base, "mdef.txt"), "-ts2cbfn", ".ptm.",
         "-meanfn", os.path.join(base, "means"), "-varfn", os.path.join(base, "variances"),
         "-mixwfn", os.path.join(base, "mixture_weights"), "-tmatfn", os.path.join(base, "transition_matrices"),
         "-accumdir", ",".join(accums), *tau, "-mwfloor", MWFLOOR,
         "-mapmeanfn", os.path.join(out, "means"), "-mapvarfn", os.path.join(out, "variances"),
         "-mapmixwfn", os.path.join(out, "mixture_weights"), "-maptmatfn", os.path.join(out, "transition_matrices")],
        os.path.join(work, "map_adapt.log"))
    run([f"{ST}/mk_s2sendump", "-pocketsphinx", "yes", "-moddeffn", os.path.join(base, "mdef.txt"),
         "-mixwfn", os.path.join(out, "mixture_weights"), "-mwfloor", MWFLOOR, "-sendumpfn", os.path.join(out, "sendump")],
        os.path.join(work, "mk_s2sendump.log"))
    if args.variances == "base":
        shutil.copy(os.path.join(base, "variances"), os.path.join(out, "variances"))
    for name in ["mdef", "feat.params", "noisedict", "README"]:
        if os.path.exists(os.path.join(base, name)):
            shutil.copy(os.path.join(base, name), os.path.join(out, name))
    timings["map_adapt"] = round(time.time() - t, 1)
    log(f"adapted model in {out}")

    if args.import_to:
        t = time.time()
        run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "import_cmu_am.py"), "--model", out,
             "--out", os.path.abspath(args.import_to)], os.path.join(work, "import.log"))
        timings["import"] = round(time.time() - t, 1)
        log(f"imported to {args.import_to}")

    by_set = {}
    for u in utts:
        key = u["id"].split("-")[0] + (
            "-denoised" if u.get("denoise") else "-noisy" if u["snr"] is not None
            else "-narrowband" if u.get("narrowband") else "")
        by_set[key] = by_set.get(key, 0) + 1
    print(json.dumps({
        "model_in": args.model, "model_out": out, "imported_to": args.import_to, "utterances": len(utts),
        "by_set": by_set, "speakers": len({u["spk"] for u in utts}), "hours": round(seconds / 3600, 3),
        "dropped_oov": len(oov), "noisy_copies": args.noisy_copies,
        "denoised_copies": args.denoised_copies, "narrowband_copies": args.narrowband_copies, "denoised_snrs": args.denoised_snrs, "variances": args.variances,
        "hold_out_tuning": args.hold_out_tuning, "cmn": "batch", "bw": bw_stats,
        "map_adapt": {"fixedtau": args.fixedtau, "tau": args.tau if args.fixedtau else "estimated (bayesmean)"},
        "seconds": timings, "total_seconds": round(time.time() - T0, 1)}, indent=2))


def mix_train(speech: np.ndarray, noises: dict[str, np.ndarray], snr_db: int, rng) -> tuple[np.ndarray, dict]:
    """br.mix's arithmetic on the training share of the noise, with the caller's generator."""
    names = sorted(noises)
    name = names[int(rng.integers(len(names)))]
    noise = noises[name]
    if len(noise) < len(speech):
        noise = np.tile(noise, len(speech) // len(noise) + 1)
    start = int(rng.integers(0, len(noise) - len(speech) + 1))
    seg = noise[start:start + len(speech)]
    mixed = speech + np.sqrt(br.power(speech) / (br.power(seg) * 10 ** (snr_db / 10))) * seg
    peak = float(np.max(np.abs(mixed))) if len(mixed) else 0.0
    if peak > 0.99:
        mixed = mixed * (0.99 / peak)
    return mixed.astype(np.float32), {"snr_db": snr_db, "noise": name}


if __name__ == "__main__":
    main()
