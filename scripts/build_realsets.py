#!/usr/bin/python3
"""Builds the real-speech evaluation sets (issue 11, item 5): real recordings from ../shared/data, clean and
mixed with real noise, each set with the context it is scored against.

Usage: /usr/bin/python3 scripts/build_realsets.py [--out work/real] [--shared ../shared] [--seed 2611]
           [--sets speech_commands,speechocean,fsdd] [--snrs 6,9,12,15,18,21,24]
           [--per-condition 200] [--clean-limit N] [--jobs 2] [--tuning-holdout]

Writes <out>/<set>_<condition>/{manifest.jsonl, *.wav} (16 kHz mono 16-bit; manifest rows
{file, text, intent, slots, speaker, source, snr_db?, noise?, noise_offset_s?}, intent null for
out-of-context audio), <out>/contexts/{speech_commands,speechocean}.yaml and <out>/README.json (the rules
below, counts, words missing from the lexicons, and each set's context: a path relative to <out>, or a bare
context name such as `digits`). Conditions: `clean` and `snr<N>`.

Sets, and the fixed rules that split them (never trained on: no training script reads these files):
  sc_tune, sc_report  Speech Commands v0.02 test, speakers half and half: speakers sorted by
                      (crc32(speaker id), id); the first ceil(n/2) go to `report`, the rest to `tune`.
                      `_silence_` clips (no speaker) are split the same way by their file name.
                      Context speech_commands.yaml: one intent per word (yes no up down left right on off
                      stop go); `_unknown_` words and `_silence_` are out-of-context (intent null).
  speechocean         speechocean762 `test` (125 speakers), sentences normalised to words. One intent per
                      distinct sentence (s0001, ... in sorted order); a sentence with crc32(sentence) % 5 == 0
                      is left OUT of the grammar and its files are out-of-context.
  fsdd                FSDD speakers theo and george (held out of training), context models/contexts/digits.yaml:
                      intent `digit`, slot {digit: <word>}; 8 kHz recordings upsampled to 16 kHz.
  so_tune             (--sets speechocean_train) speechocean762 `train` speakers, for tuning only: the test set's
                      rules on the train sentences, context speechocean_train.yaml.
  sc_tunehold,        (--tuning-holdout, or --sets speech_commands_tunehold,speechocean_train_tunehold) the rows of
  so_tunehold         sc_tune / so_tune whose speaker has crc32(speaker id, UTF-8) % 4 == 0 (sc_tune's `_silence_`
                      clips: crc32(file name) % 4 == 0), the speakers scripts/adapt_cmu_am.py --hold-out-tuning
                      leaves out of adaptation; same contexts as sc_tune / so_tune. To tune an adapted model's
                      threshold honestly. Their own seeded order; the other sets are unchanged by them.

Every set's rows are in a seeded random order, so the first N rows are a fair sample; the noisy conditions
hold the first --per-condition rows of that order (the same files at every SNR). Noise is the last 30 % of
each ../shared/data/noise file (the part training never uses, as scripts/voxtrain/augment.py splits them);
the noise file and offset of each (file, condition) come from a generator seeded with (seed, crc32 of
"<set>/<file>/<snr>"), and the SNR is measured over the whole clip, as augment.mix_at_snr does.
"""

import argparse
import gzip
import json
import os
import subprocess
import sys
import time
import wave
import zlib
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
import yaml
from scipy.io import wavfile
from scipy.signal import resample_poly

SAMPLE_RATE = 16000
SNRS = [6, 9, 12, 15, 18, 21, 24]
SC_WORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
FSDD_SPEAKERS = ["theo", "george"]
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
# The share of each noise file that training uses (scripts/voxtrain/augment.py TRAIN_NOISE_SHARE): we mix
# only what comes after it. Copied, not imported: augment.py needs soundfile, which Debian's python lacks.
TRAIN_NOISE_SHARE = 0.7
PS_DICT = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def halves(keys: set[str]) -> dict[str, str]:
    """The split rule: keys sorted by (crc32(key), key); the first ceil(n/2) → report, the rest → tune."""
    ranked = sorted(keys, key=lambda k: (crc(k), k))
    cut = (len(ranked) + 1) // 2
    return {k: ("report" if i < cut else "tune") for i, k in enumerate(ranked)}


def tuning_holdout(key: str) -> bool:
    """The tuning hold-out rule: speakers (or `_silence_` file names) with crc32(key, UTF-8) % 4 == 0, about a
    quarter, stay out of scripts/adapt_cmu_am.py --hold-out-tuning; sc_tunehold and so_tunehold hold just them."""
    return crc(key) % 4 == 0


def so_left_out(sentence: str) -> bool:
    """The speechocean hold-out rule: a fifth of the distinct sentences (crc32 % 5 == 0) stay out of the grammar."""
    return crc(sentence) % 5 == 0


def normalize(text: str) -> str:
    """Lower case, words of letters, digits and inner apostrophes (as src/context/normalize.ts)."""
    words = []
    for raw in "".join(c if c.isalnum() or c == "'" else " " for c in text.lower()).split():
        word = raw.strip("'")
        if word:
            words.append(word)
    return " ".join(words)


# ---- audio -------------------------------------------------------------------------------------------------

def decode(path: str) -> np.ndarray:
    """16 kHz mono float32 in [-1, 1] of an .opus (opusdec), .wav (resampled) or other file (sox)."""
    if path.endswith(".opus"):
        raw = subprocess.run(["opusdec", "--quiet", "--rate", str(SAMPLE_RATE), path, "-"],
                             check=True, capture_output=True).stdout
        return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768
    if path.endswith(".wav"):
        rate, pcm = wavfile.read(path)
        pcm = pcm.astype(np.float32) / 32768 if pcm.dtype == np.int16 else pcm.astype(np.float32)
        if pcm.ndim > 1:
            pcm = pcm.mean(axis=1)
        if rate != SAMPLE_RATE:
            f = Fraction(SAMPLE_RATE, rate)
            pcm = resample_poly(pcm, f.numerator, f.denominator).astype(np.float32)
        return pcm
    raw = subprocess.run(["sox", path, "-t", "raw", "-r", str(SAMPLE_RATE), "-e", "signed", "-b", "16",
                          "-c", "1", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


def write_wav(path: str, pcm: np.ndarray) -> None:
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes((np.clip(pcm, -1, 1) * 32767).round().astype("<i2").tobytes())


def load_noises(shared: str, training: bool = False) -> dict[str, np.ndarray]:
    """The evaluation part of each noise file (after TRAIN_NOISE_SHARE); `training`: the part before it."""
    folder = os.path.join(shared, "data", "noise")
    noises = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".flac"):
            pcm = decode(os.path.join(folder, name))
            cut = int(len(pcm) * TRAIN_NOISE_SHARE)
            noises[name[: -len(".flac")]] = pcm[:cut] if training else pcm[cut:]
    return noises


def power(x: np.ndarray) -> float:
    return float(np.mean(x.astype(np.float64) ** 2)) + 1e-12


def mix(speech: np.ndarray, noises: dict[str, np.ndarray], snr_db: int, seed: int, key: str) -> tuple[np.ndarray, dict]:
    """Speech plus a noise segment at snr_db over the whole clip; the noise and offset are seeded by key."""
    rng = np.random.default_rng([seed, crc(key)])
    names = sorted(noises)
    name = names[int(rng.integers(len(names)))]
    noise = noises[name]
    if len(noise) < len(speech):
        noise = np.tile(noise, len(speech) // len(noise) + 1)
    start = int(rng.integers(0, len(noise) - len(speech) + 1))
    seg = noise[start:start + len(speech)]
    out = speech + np.sqrt(power(speech) / (power(seg) * 10 ** (snr_db / 10))) * seg
    peak = float(np.max(np.abs(out))) if len(out) else 0.0
    if peak > 0.99:  # scale down rather than clip; the SNR is unchanged
        out = out * (0.99 / peak)
    return out.astype(np.float32), {"snr_db": snr_db, "noise": name, "noise_offset_s": round(start / SAMPLE_RATE, 3)}


# ---- sets --------------------------------------------------------------------------------------------------

def speech_commands(shared: str) -> tuple[dict[str, list[dict]], dict]:
    folder = os.path.join(shared, "data", "speech_commands")
    sets: dict[str, list[dict]] = {"sc_tune": [], "sc_report": []}
    with open(os.path.join(folder, "labels.tsv")) as f:
        labels = [(line.rstrip("\n").split("\t") + ["", "", "", ""])[:4] for line in list(f)[1:] if line.strip()]
    # Silence clips have no speaker: each is its own key, ranked apart from the speakers.
    half = {**halves({s for _, _, _, s in labels if s}),
            **halves({os.path.basename(f) for f, _, _, s in labels if not s})}
    for file, label, word, speaker in labels:
        in_context = label in SC_WORDS
        sets[f"sc_{half[speaker or os.path.basename(file)]}"].append({
            "source": os.path.join(folder, file),
            "file": file[: -len(".opus")].replace("/", "-") + ".wav",
            "text": word,
            "intent": label if in_context else None,
            "slots": {},
            "speaker": speaker or None,
            "label": label,
        })
    expressions = "".join(f"    {json.dumps(w)}:\n      - {json.dumps(w)}\n" for w in SC_WORDS)
    context = ("# The ten Speech Commands words, one intent each (scripts/build_realsets.py).\n"
               f"context:\n  expressions:\n{expressions}")
    speakers = {h: sorted({r["speaker"] for r in rows if r["speaker"]}) for h, rows in sets.items()}
    info = {
        "rule": "speakers sorted by (crc32(speaker id, UTF-8), id): the first ceil(n/2) -> sc_report, the rest -> "
                "sc_tune; _silence_ clips (no speaker) split the same way by file name; _unknown_ and _silence_ "
                "are out-of-context",
        "speakers": {h: len(s) for h, s in speakers.items()},
        "speaker_overlap": len(set(speakers["sc_tune"]) & set(speakers["sc_report"])),
        "files": {h: {"total": len(rows), "in_context": sum(r["intent"] is not None for r in rows),
                      "unknown": sum(r["label"] == "_unknown_" for r in rows),
                      "silence": sum(r["label"] == "_silence_" for r in rows)} for h, rows in sets.items()},
    }
    for rows in sets.values():
        for r in rows:
            del r["label"]
    return sets, {"context_yaml": context, "info": info}


def read_lexicon_words(path: str) -> set[str]:
    opener = gzip.open if path.endswith(".gz") else open
    words = set()
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            head = line.split(maxsplit=1)[0] if line.strip() else ""
            if head:
                words.add(head.split("(")[0].lower())
    return words


def speechocean(shared: str, split: str = "test") -> tuple[dict[str, list[dict]], dict]:
    """The test split is reported on; the train split (other speakers) is for tuning only (`so_tune`)."""
    folder = os.path.join(shared, "data", "speechocean762", split)
    with open(os.path.join(folder, "utt2spk")) as f:
        speaker_of = dict(line.split() for line in f if line.strip())
    utts = []
    with open(os.path.join(folder, "text")) as f:
        for line in f:
            utt, _, text = line.strip().partition("\t") if "\t" in line else line.strip().partition(" ")
            utts.append((utt, normalize(text)))
    sentences = sorted({s for _, s in utts})
    ids = {s: f"s{i + 1:04d}" for i, s in enumerate(sentences)}
    in_grammar = [s for s in sentences if not so_left_out(s)]
    rows = [{
        "source": os.path.join(folder, f"{utt}.opus"),
        "file": f"{utt}.wav",
        "text": s,
        "intent": None if so_left_out(s) else ids[s],
        "slots": {},
        "speaker": speaker_of.get(utt),
    } for utt, s in utts]
    expressions = "".join(f"    {ids[s]}:\n      - {json.dumps(s)}\n" for s in in_grammar)
    context = (f"# speechocean762 {split} sentences as commands, one intent per sentence; sentences with\n"
               "# crc32 % 5 == 0 are left out of the grammar (scripts/build_realsets.py).\n"
               f"context:\n  expressions:\n{expressions}")
    words = sorted({w for s in sentences for w in s.split()})
    missing = {}
    for label, path in [("pocketsphinx_dict", PS_DICT), ("models_lexicon", os.path.join(ROOT, "models", "lexicon", "cmudict.txt.gz"))]:
        if os.path.exists(path):
            known = read_lexicon_words(path)
            missing[label] = [w for w in words if w not in known]
    info = {
        "rule": "one intent per distinct normalised sentence (s0001.. in sorted order); crc32(sentence, UTF-8) % 5 == 0 "
                "-> left out of the grammar, its files out-of-context",
        "sentences": len(sentences),
        "sentences_in_grammar": len(in_grammar),
        "files": {"total": len(rows), "in_context": sum(r["intent"] is not None for r in rows)},
        "speakers": len({r["speaker"] for r in rows}),
        "words": len(words),
        "missing_words": missing,
    }
    return {"speechocean" if split == "test" else "so_tune": rows}, {"context_yaml": context, "info": info}


def tuning_holdout_set(name: str, built: tuple[dict[str, list[dict]], dict], of: str, source: str):
    """`name`: the rows of the set `of` in `built` (what builder `source` returns) held out by tuning_holdout
    (a row without a speaker, a `_silence_` clip, by its file name), with that builder's context."""
    sets, meta = built
    kept = [r for r in sets[of] if tuning_holdout(r["speaker"] or os.path.basename(r["source"]))]
    info = {
        "rule": f"the rows of {of} whose speaker (a row without one: its file name) has "
                "crc32(key, UTF-8) % 4 == 0, left out of scripts/adapt_cmu_am.py --hold-out-tuning",
        "speakers": len({r["speaker"] for r in kept if r["speaker"]}),
        "files": {"total": len(kept), "in_context": sum(r["intent"] is not None for r in kept),
                  "out_of_context_with_speaker": sum(r["intent"] is None and r["speaker"] is not None for r in kept),
                  "without_speaker": sum(r["speaker"] is None for r in kept)},
    }
    return {name: kept}, {"context_yaml": meta["context_yaml"], "context_file": source, "info": info}


def fsdd(shared: str) -> tuple[dict[str, list[dict]], dict]:
    spec = yaml.safe_load(open(os.path.join(ROOT, "models", "contexts", "digits.yaml")))["context"]
    # The expected parse follows digits.yaml: one intent `digit` whose expression is the slot `digit`.
    if spec["expressions"] != {"digit": ["$digit:digit"]} or spec["slots"]["digit"] != DIGITS:
        sys.exit("build_realsets: models/contexts/digits.yaml changed; update the FSDD expectations")
    folder = os.path.join(shared, "data", "fsdd", "recordings")
    rows = []
    for name in sorted(os.listdir(folder)):
        parts = name[: -len(".wav")].split("_")
        if len(parts) == 3 and parts[1] in FSDD_SPEAKERS:
            word = DIGITS[int(parts[0])]
            rows.append({"source": os.path.join(folder, name), "file": name, "text": word,
                         "intent": "digit", "slots": {"digit": word}, "speaker": parts[1]})
    info = {"rule": "speakers theo and george (held out of training)", "files": {"total": len(rows)},
            "context": "models/contexts/digits.yaml"}
    return {"fsdd": rows}, {"info": info}


# ---- main --------------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="work/real")
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--seed", type=int, default=2611)
    ap.add_argument("--sets", default=None, help="default speech_commands,speechocean,fsdd (none with --tuning-holdout)")
    ap.add_argument("--snrs", default=",".join(map(str, SNRS)), help="comma-separated; empty for clean only")
    ap.add_argument("--per-condition", type=int, default=200, help="files per set in each noisy condition")
    ap.add_argument("--clean-limit", type=int, default=None, help="files per set in the clean condition (default all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--training-noise", action="store_true",
                    help="mix the part of each noise file that training uses, not the evaluation part: for "
                         "copies of tuning speakers that a model trains on (scripts/realspeech/dump_fusion.ts)")
    ap.add_argument("--tuning-holdout", action="store_true",
                    help="also build sc_tunehold and so_tunehold (the held-out quarter of the tuning speakers)")
    args = ap.parse_args()
    started = time.time()
    snrs = [int(s) for s in args.snrs.split(",") if s.strip()]
    builders = {
        "speech_commands": speech_commands,
        "speechocean": speechocean,
        # The train split's speakers, for tuning (never reported): a sentence grammar like the test set's.
        "speechocean_train": lambda shared: speechocean(shared, "train"),
        "fsdd": fsdd,
        # The held-out quarter of the tuning speakers (tuning_holdout), with the contexts of sc_tune and so_tune.
        "speech_commands_tunehold": lambda shared: tuning_holdout_set(
            "sc_tunehold", speech_commands(shared), "sc_tune", "speech_commands"),
        "speechocean_train_tunehold": lambda shared: tuning_holdout_set(
            "so_tunehold", speechocean(shared, "train"), "so_tune", "speechocean_train"),
    }
    holdout = ["speech_commands_tunehold", "speechocean_train_tunehold"] if args.tuning_holdout else []
    default = "" if args.tuning_holdout else "speech_commands,speechocean,fsdd"
    chosen = [s for s in (args.sets if args.sets is not None else default).split(",") if s]
    chosen += [s for s in holdout if s not in chosen]
    unknown = [s for s in chosen if s not in builders]
    if unknown:
        sys.exit(f"build_realsets: unknown set(s) {unknown}; known: {sorted(builders)}")
    if not os.path.isdir(os.path.join(args.shared, "data")):
        sys.exit(f"build_realsets: {args.shared}/data is missing")

    os.makedirs(os.path.join(args.out, "contexts"), exist_ok=True)
    readme_path = os.path.join(args.out, "README.json")
    readme = json.load(open(readme_path)) if os.path.exists(readme_path) else {}
    readme.update({"builder": "scripts/build_realsets.py", "seed": args.seed, "sample_rate": SAMPLE_RATE,
                   "noise": (f"first {round(TRAIN_NOISE_SHARE * 100)} % (training part)" if args.training_noise
                             else f"last {round((1 - TRAIN_NOISE_SHARE) * 100)} %")
                            + " of each ../shared/data/noise file; file and offset seeded per (set, file, snr)",
                   "order": "rows in a seeded random order; noisy conditions hold the first per_condition rows"})
    readme.setdefault("sets", {})
    noises = load_noises(args.shared, args.training_noise) if snrs else {}

    for source in chosen:
        sets, meta = builders[source](args.shared)
        context = "digits"  # a bare name: models/contexts/digits.yaml, as loadContext resolves it
        if "context_yaml" in meta:
            context = os.path.join("contexts", f"{meta.get('context_file', source)}.yaml")
            with open(os.path.join(args.out, context), "w") as f:
                f.write(meta["context_yaml"])
        print(json.dumps({"event": "source", "source": source, **meta["info"]}), file=sys.stderr, flush=True)
        for name, rows in sets.items():
            order = np.random.default_rng([args.seed, crc(name)]).permutation(len(rows))
            rows = [rows[int(i)] for i in order]
            clean = rows[: args.clean_limit] if args.clean_limit is not None else rows
            noisy = rows[: args.per_condition] if snrs else []
            needed = clean if len(clean) >= len(noisy) else noisy
            with ThreadPoolExecutor(max(1, args.jobs)) as pool:
                audio = dict(zip((r["file"] for r in needed), pool.map(lambda r: decode(r["source"]), needed)))
            conditions = {"clean": len(clean)}
            for condition, subset in [("clean", clean)] + [(f"snr{snr}", noisy) for snr in snrs]:
                folder = os.path.join(args.out, f"{name}_{condition}")
                os.makedirs(folder, exist_ok=True)
                with open(os.path.join(folder, "manifest.jsonl"), "w") as f:
                    for r in subset:
                        pcm, extra = audio[r["file"]], {}
                        if condition != "clean":
                            snr = int(condition[3:])
                            pcm, extra = mix(pcm, noises, snr, args.seed, f"{name}/{r['file']}/{snr}")
                        write_wav(os.path.join(folder, r["file"]), pcm)
                        row = {k: v for k, v in r.items() if k != "source"}
                        row["source"] = os.path.relpath(r["source"], args.shared)
                        f.write(json.dumps({**row, **extra}) + "\n")
                conditions[condition] = len(subset)
                print(json.dumps({"event": "set", "folder": folder, "files": len(subset)}), file=sys.stderr, flush=True)
            in_ctx = sum(r["intent"] is not None for r in clean)
            readme["sets"][name] = {
                "source": source,
                "context": context,
                "rule": meta["info"]["rule"],
                "conditions": conditions,
                "clean_in_context": in_ctx,
                "clean_out_of_context": len(clean) - in_ctx,
                "speakers": len({r["speaker"] for r in rows if r["speaker"]}),
            }
        readme.setdefault("sources", {})[source] = meta["info"]
    readme["last_build_seconds"] = round(time.time() - started, 1)
    with open(readme_path, "w") as f:
        json.dump(readme, f, indent=2)
        f.write("\n")
    print(json.dumps({"event": "done", "out": args.out, "seconds": readme["last_build_seconds"]}), flush=True)


if __name__ == "__main__":
    main()
