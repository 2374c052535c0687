"""all-MiniLM-L6-v2 on onnxruntime: the same vectors as sentence-transformers, faster.

A query embedding with sentence-transformers on one torch thread took about 12 ms here;
the same model exported to ONNX (mean pooling and normalisation inside the graph) runs in
about 5 ms on one onnxruntime thread, and the serving processes need not import torch.

The graph is exported once per machine from the weights already on disk (torch and the
``onnx`` package are needed for that step only; nothing is downloaded) into a cache folder,
keyed by the weights file, and written atomically. Only sentence-transformers folders made
of Transformer + mean Pooling (+ Normalize) are exported; anything else is reported as
``UnsupportedModel`` and the caller keeps sentence-transformers.
tests/knowledge/test_embeddings.py checks the vectors against sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

EXPORT_VERSION = 1  # bump when the exported graph changes
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "shop-assistant" / "onnx"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_EXPECTED_MODULES = (
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
)


class UnsupportedModel(ValueError):
    def __init__(self, folder: Path, reason: str) -> None:
        super().__init__(f"{folder} cannot run on onnxruntime: {reason}")
        self.folder = folder


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _weights(folder: Path) -> Path:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (folder / name).is_file():
            return folder / name
    raise UnsupportedModel(folder, "no model.safetensors or pytorch_model.bin")


def check_supported(folder: Path) -> int:
    """The max_seq_length of a Transformer + mean-pooling model folder (else UnsupportedModel).

    The exported graph always L2-normalises, as ``Embedder`` always asks for.
    """
    try:
        modules = [m["type"] for m in _read_json(folder / "modules.json")]
        pooling = _read_json(folder / "1_Pooling" / "config.json")
        max_length = int(_read_json(folder / "sentence_bert_config.json")["max_seq_length"])
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise UnsupportedModel(folder, f"unreadable sentence-transformers config ({exc})") from exc
    if tuple(modules[:2]) != _EXPECTED_MODULES or not (folder / "tokenizer.json").is_file():
        raise UnsupportedModel(folder, f"modules {modules} (want Transformer + Pooling)")
    if modules[2:] not in ([], ["sentence_transformers.models.Normalize"]):
        raise UnsupportedModel(folder, f"extra modules {modules[2:]}")
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if modes != ["pooling_mode_mean_tokens"]:
        raise UnsupportedModel(folder, f"pooling {modes} (only mean pooling is exported)")
    return max_length


def cached_graph_path(folder: Path, cache_dir: Path) -> Path:
    """Where the graph of ``folder``'s current weights lives (the key changes with them)."""
    weights = _weights(folder).stat()
    key = f"{folder.resolve()}|{weights.st_size}|{weights.st_mtime_ns}|{EXPORT_VERSION}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir / f"{folder.name}-{digest}.onnx"


def export_graph(folder: Path, target: Path) -> None:
    """Export transformer + mean pooling + L2 normalisation to ``target`` (needs torch, onnx)."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            hidden = self.model(input_ids=ids, attention_mask=mask, token_type_ids=types)
            weights = mask.unsqueeze(-1).to(hidden.last_hidden_state.dtype)
            summed = (hidden.last_hidden_state * weights).sum(1)
            mean = summed / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    started = time.perf_counter()
    model = Pooled(AutoModel.from_pretrained(str(folder)).eval())
    sample = torch.ones((2, 8), dtype=torch.int64)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    # The export is a one-time build step. Torch and transformers warn while tracing (the
    # legacy TorchScript exporter is chosen on purpose with dynamo=False; shape checks become
    # constants; indexing becomes operator chains): nothing an operator can act on, and the
    # graph's output is checked against sentence-transformers by the tests (cosine > 0.999
    # over varied lengths and batch sizes). So warnings are silenced for this call only.
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (sample, sample, torch.zeros_like(sample)),
            str(partial),
            input_names=list(_INPUTS),
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    os.replace(partial, target)  # atomic: another process never sees half a file
    log.info("Exported %s to %s in %.1f s", folder, target, time.perf_counter() - started)


class OnnxSentenceModel:
    """The subset of ``SentenceTransformer`` that ``Embedder`` uses, on onnxruntime.

    One onnxruntime session per thread count (made on first use): serving encodes with
    one thread, index builds ask for all cores.
    """

    def __init__(self, graph: Path, folder: Path, *, max_length: int) -> None:
        from tokenizers import Tokenizer

        self.graph = graph
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()  # padded here, per batch, to its longest text
        self._tokenizer.enable_truncation(max_length)
        self._sessions: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._dimension = int(self.encode(["dimension"]).shape[1])

    @classmethod
    def load(cls, folder: Path, cache_dir: Path = DEFAULT_CACHE_DIR) -> OnnxSentenceModel:
        max_length = check_supported(folder)
        graph = cached_graph_path(folder, cache_dir)
        if not graph.is_file():
            export_graph(folder, graph)
        return cls(graph, folder, max_length=max_length)

    def _session(self, threads: int) -> Any:
        import onnxruntime as ort  # type: ignore[import-untyped]

        with self._lock:
            session = self._sessions.get(threads)
            if session is None:
                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                session = ort.InferenceSession(
                    str(self.graph), options, providers=["CPUExecutionProvider"]
                )
                self._sessions[threads] = session
            return session

    def get_sentence_embedding_dimension(self) -> int:
        return self._dimension

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
            parts.append(session.run(None, feed)[0])
        if not parts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = np.empty((len(order), parts[0].shape[1]), dtype=np.float32)
        vectors[order] = np.concatenate(parts)
        return vectors
