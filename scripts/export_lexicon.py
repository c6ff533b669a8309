#!/usr/bin/python3
"""Writes models/lexicon/cmudict.txt.gz: CMUdict from Debian's pocketsphinx-en-us, stress removed,
one "word PH ON ES" line per pronunciation. The server and the training scripts read this same file.

Usage: /usr/bin/python3 scripts/export_lexicon.py
"""

import gzip
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from voxtrain.lexicon import DEBIAN_DICT, PROJECT_LEXICON, load_lexicon  # noqa: E402

lex = load_lexicon(DEBIAN_DICT)
os.makedirs(os.path.dirname(PROJECT_LEXICON), exist_ok=True)
with gzip.GzipFile(PROJECT_LEXICON, "wb", mtime=0) as raw:
    for word in sorted(lex):
        for pron in lex[word]:
            raw.write(f"{word} {' '.join(pron)}\n".encode())
print({"words": len(lex), "bytes": os.path.getsize(PROJECT_LEXICON), "path": os.path.relpath(PROJECT_LEXICON)})
