"""Pronunciations from CMUdict (Debian's pocketsphinx-en-us), stress removed: the phone set the ASR model emits."""

import gzip
import os
import re

PHONES = ("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH "
          "UH UW V W Y Z ZH").split()
BLANK = 0
PHONE_ID = {p: i + 1 for i, p in enumerate(PHONES)}  # token 0 is the CTC blank
DEBIAN_DICT = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
PROJECT_LEXICON = os.path.join(os.path.dirname(__file__), "..", "..", "models", "lexicon", "cmudict.txt.gz")


def load_lexicon(path: str | None = None) -> dict[str, list[list[str]]]:
    """word -> list of pronunciations (lists of stressless phones). Reads the project's copy, else Debian's."""
    path = path or (PROJECT_LEXICON if os.path.exists(PROJECT_LEXICON) else DEBIAN_DICT)
    opener = gzip.open if path.endswith(".gz") else open
    lex: dict[str, list[list[str]]] = {}
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2 or parts[0].startswith(";;;"):
                continue
            word = re.sub(r"\(\d+\)$", "", parts[0]).lower()
            pron = [re.sub(r"\d", "", p) for p in parts[1:] if not p.startswith("#")]
            if all(p in PHONE_ID for p in pron):
                prons = lex.setdefault(word, [])
                if pron not in prons:
                    prons.append(pron)
    return lex


def normalise_text(text: str) -> list[str]:
    """Lower-case words, keeping apostrophes inside words; the same rule as src/context."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


def text_to_phones(words: list[str], lex: dict[str, list[list[str]]]) -> list[str] | None:
    """The first pronunciation of every word, or None if a word is not in the lexicon."""
    out: list[str] = []
    for w in words:
        prons = lex.get(w)
        if not prons:
            return None
        out.extend(prons[0])
    return out
