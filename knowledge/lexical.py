"""BM25 lexical index (``bm25s``) over the shared tokenizer, saved to and loaded from a folder."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from knowledge.text import tokens

log = logging.getLogger(__name__)


class LexicalIndex:
    """Scores every document for a query; documents are rows in build order."""

    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        corpus = [tokens(text) or ["_empty_"] for text in texts]
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
        return cls(retriever, len(corpus))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        retriever = bm25s.BM25.load(str(folder), show_progress=False)
        return cls(retriever, int(retriever.scores["num_docs"]))

    def known_terms(self, terms: Sequence[str]) -> list[str]:
        vocab = self._retriever.vocab_dict
        return [t for t in terms if t in vocab]

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document (0 where no query term occurs), float32."""
        terms = self.known_terms(tokens(query))
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(terms), dtype=np.float32)

    def idf(self, term: str) -> float:
        """Inverse document frequency of an index term; a term no document has gets the
        highest value (it is as telling as the rarest word, and nothing matches it)."""
        found = self._retriever.vocab_dict.get(term)
        frequency = 0 if found is None else self._frequency(int(found))
        return float(np.log(1.0 + (self.size - frequency + 0.5) / (frequency + 0.5)))

    def _frequency(self, column: int) -> int:
        indptr = self._retriever.scores["indptr"]
        return int(indptr[column + 1] - indptr[column])

    def coverage(self, query: str) -> np.ndarray:
        """Per document, the share of the query's IDF mass whose terms it contains (0..1).

        "suit for work" against a shop without suits: no document holds "suit", the rarest
        term, so no document covers more than the share of "work".
        """
        terms = list(dict.fromkeys(tokens(query)))
        covered = np.zeros(self.size, dtype=np.float32)
        if not terms:
            return covered
        vocab = self._retriever.vocab_dict
        indptr = self._retriever.scores["indptr"]
        indices = self._retriever.scores["indices"]
        total = 0.0
        for term in terms:
            weight = self.idf(term)
            total += weight
            column = vocab.get(term)
            if column is not None:
                covered[indices[indptr[column] : indptr[column + 1]]] += weight
        return covered / total if total > 0 else covered

    def terms(self) -> list[str]:
        """Every term of the index vocabulary (already folded and singular)."""
        return [str(term) for term in self._retriever.vocab_dict if term]
