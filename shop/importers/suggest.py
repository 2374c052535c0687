"""A small text classifier that suggests a category for an uncategorised product.

It learns from the products of the same catalog that have a category (the file being
imported and the shop's other products): TF-IDF word vectors, one centroid per category
path, cosine similarity. The confidence is a softmax over the similarities to every
category (temperature ``TEMPERATURE``), so it is high only when one category is clearly
nearer than the others. Pure Python: a catalog has at most a few thousand categories and
the products to place are few, so no matrix library is needed.

The suggestion is never used as the product's category: it is shown to the merchant in the
import summary and kept on the product as a hint.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from shop.api import CategoryPath

TEMPERATURE = 0.1
_TOKEN = re.compile(r"[^\W\d_]{2,}|\d+", re.UNICODE)
# words that say nothing about what a product is
_STOP = frozenset(
    (
        "and",
        "the",
        "for",
        "with",
        "from",
        "our",
        "your",
        "this",
        "that",
        "you",
        "are",
        "its",
        "all",
        "per",
        "one",
        "two",
        "new",
        "in",
        "of",
        "to",
        "a",
        "an",
        "on",
        "by",
        "or",
        "is",
        "it",
        "at",
        "as",
        "be",
    )
)

Vector = dict[str, float]


@dataclass(frozen=True)
class Suggestion:
    path: CategoryPath
    confidence: float  # 0..1


def tokens(text: str) -> list[str]:
    """Lower-case words with a plain plural 's' dropped ('Sofas' and 'sofa' are one word)."""
    words = (w.casefold() for w in _TOKEN.findall(text))
    return [
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
        for w in words
        if w not in _STOP
    ]


def _normalised(weights: dict[str, float]) -> Vector:
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()} if norm else {}


class CategorySuggester:
    """Nearest category centroid over TF-IDF vectors of the training products' text."""

    def __init__(self, examples: Iterable[tuple[CategoryPath, str]]) -> None:
        documents = [(path, Counter(tokens(text))) for path, text in examples if path]
        frequency: Counter[str] = Counter()
        for _, counts in documents:
            frequency.update(counts.keys())
        total = len(documents)
        self._idf = {t: math.log((1 + total) / (1 + df)) + 1.0 for t, df in frequency.items()}
        sums: dict[CategoryPath, dict[str, float]] = {}
        for path, counts in documents:
            target = sums.setdefault(path, {})
            for token, weight in self._vector(counts).items():
                target[token] = target.get(token, 0.0) + weight
        self._centroids = {path: _normalised(weights) for path, weights in sums.items()}

    @property
    def categories(self) -> int:
        return len(self._centroids)

    def _vector(self, counts: Counter[str]) -> Vector:
        return _normalised(
            {t: (1 + math.log(n)) * self._idf[t] for t, n in counts.items() if t in self._idf}
        )

    def suggest(self, text: str) -> Suggestion | None:
        """The nearest category, or None when nothing in the text is known to any category."""
        query = self._vector(Counter(tokens(text)))
        if not query or not self._centroids:
            return None
        scores = sorted(
            (
                (sum(w * centroid.get(t, 0.0) for t, w in query.items()), path)
                for path, centroid in self._centroids.items()
            ),
            key=lambda item: (-item[0], item[1]),
        )
        best_score, best_path = scores[0]
        if best_score <= 0:
            return None
        exps = [math.exp((score - best_score) / TEMPERATURE) for score, _ in scores]
        return Suggestion(path=best_path, confidence=round(exps[0] / sum(exps), 3))
