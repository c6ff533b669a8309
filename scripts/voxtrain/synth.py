"""Offline speech synthesis for the training corpus: espeak-ng, flite, festival and SVOX Pico (Debian packages;
Pico's `pico2wave` is in `libttspico-utils`, Debian's non-free section, because its voice data has no source).

A voice id names the family and the voice ("espeak:en-us+f2", "flite:awb", "festival:kal_diphone", "pico:en-GB").
Every function returns float32 mono PCM in [-1, 1] with its sample rate.
"""

import os
import subprocess
import tempfile

import numpy as np
import soundfile as sf

ESPEAK_LANGS = ["en-us", "en", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-gb-x-gbclan", "en-gb-x-gbcwmd"]
ESPEAK_VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "Andy", "Annie",
                   "Denis", "Jacky", "Mike", "Storm", "adam", "ed", "edward", "grandma", "iven2", "john",
                   "linda", "max", "paul", "quincy", "rob", "steph", "travis", "victor", "zac"]
FLITE_VOICES = ["kal", "kal16", "awb", "rms", "slt"]
FESTIVAL_VOICES = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"]
# Pico's two English voices, both female (en-US lh0, en-GB kh0): the other families' non-espeak voices are
# male apart from slt, which is held out.
PICO_VOICES = ["en-US", "en-GB"]
FAMILIES = ("espeak", "flite", "festival", "pico")

# Voices never used in training: the synthesized evaluation sets speak with these alone.
HELD_OUT_VOICES = {
    "flite:slt", "festival:cmu_us_slt_arctic_hts",  # the same CMU Arctic speaker in two engines
    "espeak:en-029+f4", "espeak:en-gb-scotland+m6", "espeak:en-us+linda",
}


def training_voices() -> list[str]:
    voices = [f"espeak:{lang}+{var}" for lang in ESPEAK_LANGS for var in ESPEAK_VARIANTS]
    voices += [f"flite:{v}" for v in FLITE_VOICES] + [f"festival:{v}" for v in FESTIVAL_VOICES]
    voices += [f"pico:{v}" for v in PICO_VOICES]
    return [v for v in voices if v not in HELD_OUT_VOICES]


def _read(path: str) -> tuple[np.ndarray, int]:
    pcm, rate = sf.read(path, dtype="float32", always_2d=True)
    return pcm.mean(axis=1), rate


def espeak(text: str, voice: str, rate_wpm: int, pitch: int) -> tuple[np.ndarray, int]:
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate_wpm), "-p", str(pitch), "-w", f.name, "--", text],
                       check=True, capture_output=True)
        return _read(f.name)


def flite(text: str, voice: str, stretch: float, f0_mean: float | None) -> tuple[np.ndarray, int]:
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        args = ["flite", "-voice", voice, "--setf", f"duration_stretch={stretch:.3f}"]
        if f0_mean:
            args += ["--setf", f"int_f0_target_mean={f0_mean:.0f}"]
        subprocess.run(args + ["-t", text, "-o", f.name], check=True, capture_output=True)
        return _read(f.name)


def pico(text: str, lang: str, speed: int, pitch: int) -> tuple[np.ndarray, int]:
    """Speed and pitch are Pico's markup levels in percent (100 = the voice's own)."""
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        clean = text.replace("<", " ").replace(">", " ")
        markup = f"<speed level='{speed}'><pitch level='{pitch}'>{clean}</pitch></speed>"
        subprocess.run(["pico2wave", "-l", lang, "-w", f.name, markup], check=True, capture_output=True)
        return _read(f.name)


def _scheme_string(text: str) -> str:
    return '"' + text.replace("\\", " ").replace('"', " ") + '"'


def festival_batch(items: list[tuple[str, float]], voice: str) -> list[tuple[np.ndarray, int]]:
    """Synthesizes many (text, duration stretch) pairs in one festival process (its start-up costs ~0.4 s)."""
    with tempfile.TemporaryDirectory() as tmp:
        lines = [f"(voice_{voice})"]
        for i, (text, stretch) in enumerate(items):
            lines.append(f"(Parameter.set 'Duration_Stretch {stretch:.3f})")
            lines.append(f"(set! u (Utterance Text {_scheme_string(text)}))(utt.synth u)"
                         f"(utt.save.wave u \"{tmp}/{i}.wav\" 'riff)")
        script = os.path.join(tmp, "batch.scm")
        with open(script, "w") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run(["festival", "-b", script], check=True, capture_output=True)
        return [_read(f"{tmp}/{i}.wav") for i in range(len(items))]


def synthesize(text: str, voice_id: str, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """One utterance with randomised speaking rate and pitch; slower than the engines' defaults on purpose,
    so that 4x-subsampled CTC has enough frames per phone (see shared/notes/training-asr-here.md)."""
    family, voice = voice_id.split(":", 1)
    if family == "espeak":
        return espeak(text, voice, int(rng.integers(115, 170)), int(rng.integers(25, 75)))
    if family == "flite":
        return flite(text, voice, float(rng.uniform(1.0, 1.35)), float(rng.uniform(85, 180)) if rng.random() < 0.5 else None)
    if family == "festival":
        return festival_batch([(text, float(rng.uniform(1.0, 1.3)))], voice)[0]
    if family == "pico":
        return pico(text, voice, int(rng.integers(70, 96)), int(rng.integers(80, 131)))
    raise ValueError(f"unknown synthesizer family in voice id {voice_id!r}")
