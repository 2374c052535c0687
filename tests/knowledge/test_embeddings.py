"""The model resolver finds the bundled weights and gives unit-length float32 vectors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge.embeddings import Embedder, bundled_model_path, load_embedder, resolve_model
from knowledge.errors import EmbeddingModelError


def test_default_names_use_the_bundled_weights() -> None:
    bundled = str(bundled_model_path())
    assert resolve_model("all-MiniLM-L6-v2") == bundled
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2") == bundled
    assert resolve_model(bundled) == str(Path(bundled).resolve())
    assert resolve_model("intfloat/e5-small-v2") == "intfloat/e5-small-v2"  # left to the hub


def test_a_missing_folder_says_so() -> None:
    with pytest.raises(EmbeddingModelError, match="does not exist"):
        resolve_model("./no/such/model")


def test_encode_is_normalised_float32_and_cached(embedder: Embedder) -> None:
    vectors = embedder.encode(["running shoes", "a warm wool sweater"])
    assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert load_embedder("all-MiniLM-L6-v2") is embedder
    query = embedder.encode_query("running shoes")
    assert np.allclose(query, vectors[0], atol=1e-5)
    assert embedder.encode_query("running shoes") is query
    assert embedder.encode([]).shape == (0, 384)


LONG_DOCUMENT = (
    "Aerorun 3 running shoe by Stride. running shoes (shoes). material: mesh. colours: blue, "
    "red. drop: 8 mm, waterproof: no. " + "A light cushioned shoe for long road runs. " * 40
)  # well over the model's 256 tokens: both must truncate the same way


def test_the_default_model_runs_on_onnxruntime(embedder: Embedder) -> None:
    assert embedder.backend == "onnx"


def test_onnx_vectors_match_sentence_transformers(embedder: Embedder) -> None:
    from sentence_transformers import SentenceTransformer

    texts = [
        "running shoes",
        "how long does delivery take?",
        "Größe 42, bleu",
        "x",
        "is it waterproof?",
        LONG_DOCUMENT,
        "wireless noise cancelling headphones",
    ]
    reference = SentenceTransformer(str(bundled_model_path()), device="cpu").encode(
        texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    for batch_size in (64, 2):  # one padded batch, and several batches of mixed lengths
        ours = embedder.encode(texts, batch_size=batch_size, threads=2)
        cosine = np.sum(ours * reference, axis=1)
        assert cosine.min() > 0.999, dict(zip(texts, cosine.round(6), strict=True))
    assert np.allclose(embedder.encode_query("running shoes"), reference[0], atol=1e-4)


def test_a_model_that_cannot_be_exported_uses_sentence_transformers(tmp_path: Path) -> None:
    folder = tmp_path / "cls-pooling-model"
    shutil.copytree(bundled_model_path(), folder)
    pooling = folder / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(
        json.dumps({**config, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True})
    )
    embedder = load_embedder(str(folder), cache_dir=tmp_path / "onnx")
    assert embedder.backend == "torch"
    assert not (tmp_path / "onnx").exists()
    assert embedder.encode(["running shoes"]).shape == (1, 384)


def test_the_onnx_graph_is_exported_offline_into_an_empty_cache(
    tmp_path: Path, embedder: Embedder
) -> None:
    # A fresh machine has no exported graph yet: the first load must build it from the
    # bundled weights (nothing downloaded) and give the same vectors as the shared embedder.
    cache = tmp_path / "onnx"
    fresh = load_embedder(str(bundled_model_path()), cache_dir=cache)
    assert fresh.backend == "onnx"
    assert list(cache.glob("*.onnx"))
    texts = ["waterproof hiking boots in size 43", "how long does delivery take?"]
    similarity = (fresh.encode(texts) * embedder.encode(texts)).sum(axis=1)
    assert float(similarity.min()) > 0.999
