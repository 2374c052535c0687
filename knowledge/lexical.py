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

    def terms(self) -> list[str]:
        """Every term of the index vocabulary (already folded and singular)."""
        return [str(term) for term in self._retriever.vocab_dict if term]
