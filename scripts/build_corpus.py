#!/usr/bin/python3
"""Builds voxstream's ASR training corpus: text -> speech (synthesized and real) -> augmentation -> log-mel features.

Usage: /usr/bin/python3 scripts/build_corpus.py [--out work/corpus] [--scale 1.0] [--seed 1] [--workers 2]
           [--families espeak,flite,festival,pico] [--no-real]

The shipped model was trained on two corpora: work/corpus (`--families espeak,flite,festival`, the real speech
too) and work/corpus-pico (`--families pico --no-real --scale 0.4 --seed 2`), made when Pico's voices joined
(models/asr/README.md). `--families` alone, at its default, builds one corpus with all four families.

Writes <out>/feats.npy (float16 [frames, 80], all utterances concatenated), <out>/index.jsonl (one utterance a
line: offset, frames, phones, text, source, voice, augmentation) and <out>/summary.json (hours per source).
Seeded and offline; reads ../shared (see voxtrain/sources.py for what is held out).
"""

import argparse
import json
import multiprocessing as mp
import os
import shutil
import sys
import time

import numpy as np
import soundfile as sf

sys.path.insert(0, os.path.dirname(__file__))
from voxtrain import augment, sources, synth  # noqa: E402
from voxtrain.features import log_mel  # noqa: E402
from voxtrain.lexicon import load_lexicon, normalise_text, text_to_phones  # noqa: E402

FESTIVAL_BATCH = 40
_LEX: dict = {}
_NOISES: list = []


def plan(args, rng: np.random.Generator) -> list[dict]:
    """Every utterance to make: text, phones, and either a voice to synthesize with or a real recording."""
    s = args.scale
    texts: list[tuple[str, str]] = []
    for context in ("coffee_maker", "smart_home"):
        texts += [(f"grammar:{context}", g["text"]) for g in sources.grammar_sentences(context, int(2500 * s), args.seed)]
    texts += [("slurp-devel", t) for t in sources.slurp_sentences("devel")[: int(2033 * s)]]
    texts += [("digits", t) for t in sources.digit_sentences(int(1500 * s), rng)]
    so_train = sources.speechocean("train")
    texts += [("speechocean-text", so_train[i]["text"]) for i in rng.permutation(len(so_train))[: int(1000 * s)]]

    voices = synth.training_voices()
    families = {f: [v for v in voices if v.startswith(f + ":")] for f in args.families}
    # espeak has 200+ voice variants, so it gets twice the share of each other family
    weights = np.array([2.0 if f == "espeak" else 1.0 for f in args.families])
    items = []
    for source, text in texts:
        phones = text_to_phones(normalise_text(text), _LEX)
        if not phones:
            continue  # a word outside the lexicon: no target to train on
        family = rng.choice(list(args.families), p=weights / weights.sum())
        voice = families[family][int(rng.integers(len(families[family])))]
        items.append({"source": source, "text": text, "phones": phones, "voice": voice})
    if args.no_real:
        return with_seeds(items, args.seed)
    real = [("speechocean-train", r) for r in so_train for _ in range(2)]
    fsdd = sources.fsdd(held_out=False)
    real += [("fsdd", fsdd[i]) for i in rng.permutation(len(fsdd))[: int(1000 * s)]]
    for source, r in real[: int(len(real) * min(1.0, s))] if s < 1 else real:
        phones = text_to_phones(normalise_text(r["text"]), _LEX)
        if phones:
            items.append({"source": source, "text": r["text"], "phones": phones, "path": r["path"],
                          "voice": "real:" + r["speaker"]})
    return with_seeds(items, args.seed)


def with_seeds(items: list[dict], seed: int) -> list[dict]:
    for i, item in enumerate(items):
        item["seed"] = seed * 1_000_003 + i
    return items


def family_list(text: str) -> tuple[str, ...]:
    families = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in families if f not in synth.FAMILIES]
    if unknown or not families:
        raise argparse.ArgumentTypeError(f"families are some of {', '.join(synth.FAMILIES)}; got {text!r}")
    return families


def jobs_of(items: list[dict]) -> list[list[dict]]:
    """Festival items go in batches per voice (one process each); everything else one item a job."""
    jobs, festival = [], {}
    for item in items:
        if item["voice"].startswith("festival:"):
            festival.setdefault(item["voice"], []).append(item)
        else:
            jobs.append([item])
    for group in festival.values():
        jobs += [group[i:i + FESTIVAL_BATCH] for i in range(0, len(group), FESTIVAL_BATCH)]
    return jobs


def _init_worker(train_noises):
    _NOISES.extend(train_noises)


def _speech(job: list[dict]) -> list[tuple[np.ndarray, int]]:
    first = job[0]
    if first["voice"].startswith("festival:"):
        rngs = [np.random.default_rng(it["seed"]) for it in job]
        return synth.festival_batch([(it["text"], float(r.uniform(1.0, 1.3))) for it, r in zip(job, rngs)],
                                    first["voice"].split(":", 1)[1])
    if "path" in first:
        pcm, rate = sf.read(first["path"], dtype="float32", always_2d=True)
        return [(pcm.mean(axis=1), rate)]
    return [synth.synthesize(first["text"], first["voice"], np.random.default_rng(first["seed"]))]


def run_job(job: list[dict]) -> list[tuple[dict, np.ndarray]]:
    out = []
    try:
        speech = _speech(job)
    except Exception as e:  # one bad synthesis must not stop a 15-minute build; it is counted in the summary
        return [({**it, "error": str(e)[:200]}, np.zeros((0, 80), np.float16)) for it in job]
    for item, (pcm, rate) in zip(job, speech):
        rng = np.random.default_rng(item["seed"] + 7)
        pcm = augment.resample(pcm, rate, augment.SAMPLE_RATE)
        real = "path" in item
        # real speech: every other copy stays clean; synthetic: a quarter stays clean
        clean_share = (1.0 if item["seed"] % 2 == 0 else 0.0) if real else 0.25
        pcm, how = augment.augment(pcm, rng, _NOISES, clean_share)
        feats = log_mel(pcm).astype(np.float16)
        out.append(({**item, "augmentation": how}, feats))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="work/corpus")
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the default amount of text (for quick runs)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--families", type=family_list, default=synth.FAMILIES,
                    help="synthesizer families to speak the text with, comma-separated")
    ap.add_argument("--no-real", action="store_true", help="leave out the real recordings (speechocean762, FSDD)")
    args = ap.parse_args()
    if not os.path.isdir(sources.SHARED):
        sys.exit(f"build_corpus: {sources.SHARED} is missing; the corpus needs ../shared's speech and noise")
    if "pico" in args.families and shutil.which("pico2wave") is None:
        sys.exit("build_corpus: the pico family needs pico2wave (apt-get install libttspico-utils, from Debian's "
                 "non-free section); or leave pico out of --families")
    os.makedirs(args.out, exist_ok=True)
    _LEX.update(load_lexicon())
    rng = np.random.default_rng(args.seed)
    items = plan(args, rng)
    jobs = jobs_of(items)
    order = rng.permutation(len(jobs))
    jobs = [jobs[i] for i in order]
    print(json.dumps({"event": "planned", "utterances": len(items), "jobs": len(jobs)}), flush=True)

    started = time.time()
    chunks, offset, done, errors = [], 0, 0, 0
    hours: dict[str, float] = {}
    with open(os.path.join(args.out, "index.jsonl"), "w") as index, \
            mp.Pool(args.workers, _init_worker, (augment.load_noises("train"),)) as pool:
        for results in pool.imap_unordered(run_job, jobs, chunksize=4):
            for meta, feats in results:
                done += 1
                if "error" in meta or len(feats) == 0:
                    errors += 1
                    continue
                meta.pop("seed", None)
                meta.update(offset=offset, frames=len(feats))
                index.write(json.dumps(meta) + "\n")
                chunks.append(feats)
                offset += len(feats)
                hours[meta["source"]] = hours.get(meta["source"], 0.0) + len(feats) / 360000
            if done % 500 < len(results):
                rate = done / (time.time() - started)
                print(json.dumps({"event": "progress", "done": done, "of": len(items), "errors": errors,
                                  "hours": round(offset / 360000, 2),
                                  "eta_s": round((len(items) - done) / max(rate, 1e-9))}), flush=True)
    np.save(os.path.join(args.out, "feats.npy"), np.concatenate(chunks))
    summary = {"utterances": done - errors, "errors": errors, "hours": round(offset / 360000, 3),
               "hours_by_source": {k: round(v, 3) for k, v in sorted(hours.items())},
               "seed": args.seed, "scale": args.scale, "families": list(args.families), "real": not args.no_real,
               "build_seconds": round(time.time() - started)}
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps({"event": "done", **summary}), flush=True)


if __name__ == "__main__":
    main()
