"""Typos in FAQ questions, corrected towards the FAQ's own words before retrieval.

A sentence embedding splits a misspelt word into pieces that mean little ("pasword",
"retrun", "recieve"), so "i forgot my pasword" resembled no phrasing of the password entry.
Only a word the FAQ file never uses (in any phrasing, answer or topic), of five letters or
more, is corrected, and only to the one FAQ word within one edit (a letter added, dropped,
changed, or two neighbours swapped; two edits from nine letters on). Anything else, French
or a product name, is left as written. A word the sentence model knows as a whole word
(``known``: its tokenizer's vocabulary) is a real word, not a typo: "are you saving this
conversation" must not become "saying".

Two FAQ words one edit away from a typo ("mutch": "much" and "match") are told apart by use:
the one the FAQ uses at least ``TIE_BREAK_RATIO`` times as often wins, else the word stays
as written. A misspelt word in the FAQ itself ("free shiping?") is an FAQ word, so it is
never corrected: keep the FAQ's phrasings spelt right.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
MIN_LENGTH = 5
TWO_EDITS_FROM = 9
TIE_BREAK_RATIO = 2


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (adjacent swaps count as one edit)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


class FaqSpelling:
    """The FAQ's vocabulary and the corrections towards it."""

    def __init__(self, texts: Iterable[str], known: Iterable[str] = ()) -> None:
        # the FAQ's words, and how often it uses each
        self.uses = Counter(w.casefold() for text in texts for w in _WORD_RE.findall(text))
        self.known = frozenset(w.casefold() for w in known)
        # every word and its one-letter deletions -> the words they come from (candidates)
        self._by_deletion: dict[str, set[str]] = defaultdict(set)
        for word in self.uses:
            if len(word) >= MIN_LENGTH - 1:
                for key in {word, *_deletions(word)}:
                    self._by_deletion[key].add(word)

    def suggestion(self, word: str) -> str | None:
        """The one FAQ word ``word`` is a typo of, or None."""
        folded = word.casefold()
        if len(folded) < MIN_LENGTH or folded in self.uses or folded in self.known:
            return None
        keys = {folded, *_deletions(folded)}
        if len(folded) >= TWO_EDITS_FROM:
            keys |= {d2 for d in _deletions(folded) for d2 in _deletions(d)}
        limit = 2 if len(folded) >= TWO_EDITS_FROM else 1
        found = {
            candidate
            for key in keys
            for candidate in self._by_deletion.get(key, ())
            if edit_distance(folded, candidate) <= limit
        }
        if not found:
            return None
        best = min(edit_distance(folded, c) for c in found)
        nearest = sorted(
            (c for c in found if edit_distance(folded, c) == best),
            key=lambda c: (-self.uses[c], c),
        )
        if len(nearest) > 1 and self.uses[nearest[0]] < self.uses[nearest[1]] * TIE_BREAK_RATIO:
            return None
        return nearest[0]

    def correct(self, text: str) -> str:
        """``text`` with each correctable word replaced by its FAQ word."""
        return _WORD_RE.sub(lambda m: self.suggestion(m.group(0)) or m.group(0), text)
