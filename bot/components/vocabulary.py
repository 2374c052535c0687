"""Which words the assistant knows, and whether a message is made of words it doesn't.

Pure Python (no Rasa import) so it runs and is tested on both interpreters. The Rasa
wrapper, ``bot.components.oov_fallback``, builds a ``Vocabulary`` from the NLU training data
and the embedding model's whole words (``bot.components.wordpiece``) and asks
``looks_like_gibberish`` about each message; an unknown word that passes the mashing test
(``bot.components.mashing``) counts for the message, not against it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.components.mashing import MashingCheck

# Runs of letters (any script); digits, "_", "@", "-" and punctuation split words.
_LETTERS = re.compile(r"[^\W\d_]+")


def normalise(text: str) -> str:
    """Case-folded text without accents: "République" -> "republique"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """The alphabetic words of a text, normalised, in order."""
    return _LETTERS.findall(normalise(text))


def within_one_edit(a: str, b: str) -> bool:
    """True if ``a`` becomes ``b`` by one insertion, deletion, substitution or swap of two
    neighbouring letters (or if they are equal)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    start = 0
    while start < len(a) and a[start] == b[start]:
        start += 1
    if len(a) < len(b):  # one letter inserted into a
        return a[start:] == b[start + 1 :]
    if a[start + 1 :] == b[start + 1 :]:  # one letter substituted
        return True
    return (  # two neighbouring letters swapped
        start + 1 < len(a)
        and a[start] == b[start + 1]
        and a[start + 1] == b[start]
        and a[start + 2 :] == b[start + 2 :]
    )


class Vocabulary:
    """A set of known words with typo-tolerant lookup, plus words known exactly.

    A word is known if it is in either set or, when it has at least ``typo_min_length``
    letters, within one edit (``within_one_edit``) of a word of ``known``. The ``exact``
    words (the embedding model's ~21,700 whole words) get no typo tolerance: one edit from
    so many words would excuse much mashing, and scanning them would cost every message.
    """

    def __init__(
        self, known: Iterable[str], *, typo_min_length: int = 5, exact: Iterable[str] = ()
    ) -> None:
        self._words = frozenset(word for text in known for word in words(text))
        self._exact = frozenset(word for text in exact for word in words(text))
        self._typo_min_length = typo_min_length
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for word in self._words:
            self._by_length[len(word)].append(word)

    def __len__(self) -> int:
        return len(self._words)

    def sorted_words(self) -> list[str]:
        return sorted(self._words)

    def knows(self, word: str) -> bool:
        word = normalise(word)
        if word in self._words or word in self._exact:
            return True
        if len(word) < self._typo_min_length:
            return False
        return any(
            within_one_edit(word, candidate)
            for length in (len(word) - 1, len(word), len(word) + 1)
            for candidate in self._by_length.get(length, ())
        )


@dataclass(frozen=True)
class Assessment:
    """The words of a message that were judged, those the vocabulary knows, and the unknown
    ones that still pass as real words (the mashing test found nothing against them)."""

    judged: tuple[str, ...]
    known: tuple[str, ...]
    wordlike: tuple[str, ...] = ()

    @property
    def known_share(self) -> float:
        """Share of judged words that are known; 1.0 when no word was judged."""
        return len(self.known) / len(self.judged) if self.judged else 1.0

    @property
    def word_share(self) -> float:
        """Share of judged words that are known or pass as words; 1.0 when none was judged."""
        if not self.judged:
            return 1.0
        return (len(self.known) + len(self.wordlike)) / len(self.judged)


def assess(
    text: str,
    vocabulary: Vocabulary,
    *,
    min_word_length: int = 3,
    mashing: MashingCheck | None = None,
) -> Assessment:
    """Judges the alphabetic words of at least ``min_word_length`` letters.

    Without a ``mashing`` check every unknown word counts against the message.
    """
    judged = tuple(word for word in words(text) if len(word) >= min_word_length)
    known = tuple(word for word in judged if vocabulary.knows(word))
    wordlike: tuple[str, ...] = ()
    if mashing is not None:
        wordlike = tuple(
            word for word in judged if word not in known and mashing.passes_as_word(word)
        )
    return Assessment(judged, known, wordlike)


def looks_like_gibberish(
    text: str,
    vocabulary: Vocabulary,
    *,
    threshold: float = 0.5,
    min_word_length: int = 3,
    mashing: MashingCheck | None = None,
) -> bool:
    """True if the message has judged words and fewer than ``threshold`` of them are known
    or (with a ``mashing`` check) pass as real words.

    Messages without any word of ``min_word_length`` letters ("hi", "10023", "ok") are never
    gibberish here: the intent classifier and the fallback classifier decide about them.
    """
    assessment = assess(text, vocabulary, min_word_length=min_word_length, mashing=mashing)
    return bool(assessment.judged) and assessment.word_share < threshold
