"""Keyboard mashing told apart from real words that no vocabulary here happens to hold.

A shopper's word can be unknown to the NLU examples and to the embedding model's vocabulary
and still be a word: a brand ("Nordpeak"), a typo ("registraton"), slang ("hahaha"). Mashing
("asdkjh", "bnmlk", "fjfjfjfj", "qwertzuiop") has shapes real words rarely have:

- letter pairs that English words seldom chain: a character-bigram model learnt from a
  list of real words gives the mean log-probability per letter transition (word boundaries
  included); mashing scores far below nearly every real word;
- long consonant runs ("bnmlk": 5 consonants in a row);
- every letter from one keyboard row ("qwpoeiru", "asdkjh", "poiuy").

Pure Python (no Rasa import), used by the Rasa component ``oov_fallback`` and by the action
server's knowledge fallback, and unit-tested on Python 3.11.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
VOWELS = frozenset("aeiouy")
_BOUNDARY = "^"
_END = "$"


class BigramModel:
    """Letter-pair probabilities of real words, add-one smoothed over the letters seen."""

    def __init__(self, words: Iterable[str]) -> None:
        pairs: Counter[tuple[str, str]] = Counter()
        starts: Counter[str] = Counter()
        for word in words:
            if not word.isalpha():
                continue
            padded = f"{_BOUNDARY}{word}{_END}"
            for first, second in itertools.pairwise(padded):
                pairs[first, second] += 1
                starts[first] += 1
        self._pairs = pairs
        self._starts = starts
        self._alphabet = len({second for _, second in pairs}) or 1

    def log_prob_per_letter(self, word: str) -> float:
        """Mean natural-log probability of each letter given the one before (boundaries
        included): about -2.5 for a typical English word, below -4 for most mashing."""
        padded = f"{_BOUNDARY}{word}{_END}"
        steps = list(itertools.pairwise(padded))
        total = sum(
            math.log((self._pairs[step] + 1) / (self._starts[step[0]] + self._alphabet))
            for step in steps
        )
        return total / len(steps)


def longest_consonant_run(word: str) -> int:
    """The most letters in a row that are not vowels ("y" counts as a vowel)."""
    longest = current = 0
    for char in word:
        current = 0 if char in VOWELS or not char.isalpha() else current + 1
        longest = max(longest, current)
    return longest


def one_keyboard_row(word: str) -> bool:
    """True if every letter of the word is on the same row of a QWERTY keyboard."""
    letters = set(word)
    return any(letters <= set(row) for row in KEYBOARD_ROWS)


@dataclass(frozen=True)
class MashingRules:
    """Thresholds of the mashing test; defaults measured on the MiniLM vocabulary.

    ``min_letter_log_prob`` -3.6: about 1% of the model's whole-word entries score lower;
    mashing typed on one hand mostly scores below -4.
    """

    min_letter_log_prob: float = -3.6
    max_consonant_run: int = 4
    keyboard_row_length: int = 5  # words this long made of one keyboard row are mashing
    min_length: int = 4  # shorter words have too few letter pairs to judge


class MashingCheck:
    """Says whether an unknown word (normalised, letters only) may pass as a real word."""

    def __init__(self, model: BigramModel, rules: MashingRules | None = None) -> None:
        self._model = model
        self.rules = rules or MashingRules()

    def doubt(self, word: str) -> str | None:
        """Why the word cannot pass as a real word, or None when it can.

        A word shorter than ``rules.min_length`` never passes: "xqz" or "sdf" have too few
        letter pairs to tell, so only a vocabulary can vouch for them.
        """
        rules = self.rules
        if len(word) < rules.min_length:
            return "too short to judge"
        if longest_consonant_run(word) > rules.max_consonant_run:
            return "consonant run"
        if len(word) >= rules.keyboard_row_length and one_keyboard_row(word):
            return "one keyboard row"
        if self._model.log_prob_per_letter(word) < rules.min_letter_log_prob:
            return "unlikely letter pairs"
        return None

    def passes_as_word(self, word: str) -> bool:
        return self.doubt(word) is None
