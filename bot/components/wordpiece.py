"""The whole words of a WordPiece tokenizer's vocabulary: words the embedding model knows.

all-MiniLM-L6-v2's tokenizer (``knowledge/data/all-MiniLM-L6-v2/tokenizer.json``, committed)
holds about 21,700 whole English words ("registration", "fee", "complaint") besides the
``##`` continuation pieces, digits and symbols. The out-of-vocabulary rule counts these words
as known, so a shopper's ordinary word is not taken for gibberish because no NLU example
used it. Read with plain ``json`` (standard library only): it runs in both venvs.
"""

from __future__ import annotations

import json
from pathlib import Path

# bot/components/wordpiece.py -> the repository root
DEFAULT_TOKENIZER_FILE = (
    Path(__file__).resolve().parents[2]
    / "knowledge"
    / "data"
    / "all-MiniLM-L6-v2"
    / "tokenizer.json"
)
_CONTINUATION = "##"


class TokenizerFileError(Exception):
    """The tokenizer file is missing or is not a WordPiece tokenizer.json."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"Cannot read the WordPiece vocabulary of {path}: {reason}")
        self.path = path
        self.reason = reason


def whole_words(path: Path = DEFAULT_TOKENIZER_FILE) -> frozenset[str]:
    """The vocabulary's entries made only of letters (lower case), not ``##`` pieces.

    Single letters are left out: every letter is an entry, and "x" is no evidence of a word.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        vocabulary = document["model"]["vocab"]
    except OSError as error:
        raise TokenizerFileError(path, error.strerror or repr(error)) from error
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise TokenizerFileError(path, repr(error)) from error
    if not isinstance(vocabulary, dict):
        raise TokenizerFileError(path, "model.vocab is not a mapping")
    return frozenset(
        entry.lower()
        for entry in vocabulary
        if isinstance(entry, str)
        and not entry.startswith(_CONTINUATION)
        and len(entry) > 1
        and entry.isalpha()
    )
