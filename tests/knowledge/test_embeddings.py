"""The model resolver finds the bundled weights and gives unit-length float32 vectors."""

from __future__ import annotations

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
