"""Chroma client factory and collection helpers.

A persistent directory by default, a Chroma server when a URL is configured. Telemetry is
off. Collections never get an embedding function: Chroma's default one would download a
model, so every add and query passes embeddings computed by ``knowledge.embeddings``.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError

log = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 30.0


class ChromaConfigError(ValueError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"CHROMA_URL={url!r} cannot be used: {reason}. Expected http://host:port.")
        self.url = url


def create_client(path: Path, url: str | None = None) -> ClientAPI:
    """``HttpClient`` for ``url`` (http[s]://host:port), else ``PersistentClient(path)``."""
    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ChromaConfigError(url, "not an http(s) URL")
        port = parts.port or (443 if parts.scheme == "https" else 8000)
        log.info("Using the Chroma server at %s:%s", parts.hostname, port)
        client = chromadb.HttpClient(
            host=parts.hostname, port=port, ssl=parts.scheme == "https", settings=settings
        )
        _set_http_timeout(client, HTTP_TIMEOUT_SECONDS)
        return client
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def _set_http_timeout(client: ClientAPI, seconds: float) -> None:
    """Chroma's HTTP client has no timeout setting (httpx ``timeout=None``): give it one."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if session is not None and hasattr(session, "timeout"):
        session.timeout = seconds  # an httpx.Client: the setter makes an httpx.Timeout
    else:
        log.warning("Could not set a timeout on the Chroma HTTP client (chromadb changed).")


def fresh_collection(client: ClientAPI, name: str) -> Collection:
    """An empty cosine collection ``name`` without an embedding function (old one dropped)."""
    with contextlib.suppress(NotFoundError):
        client.delete_collection(name)
    return client.create_collection(
        name,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine"}},
    )


def existing_collection(client: ClientAPI, name: str) -> Collection | None:
    try:
        return client.get_collection(name, embedding_function=None)
    except NotFoundError:
        return None


def add_batched(
    client: ClientAPI,
    collection: Collection,
    *,
    ids: list[str],
    embeddings: np.ndarray,
    documents: list[str],
    metadatas: list[dict[str, Any]],
) -> None:
    """Add rows in batches no larger than the server accepts."""
    step = max(1, min(5000, client.get_max_batch_size()))
    for start in range(0, len(ids), step):
        end = start + step
        collection.add(
            ids=ids[start:end],
            embeddings=embeddings[start:end],
            documents=documents[start:end],
            metadatas=metadatas[start:end],  # type: ignore[arg-type]
        )


def load_embeddings(collection: Collection, ids: list[str], *, batch: int = 5000) -> np.ndarray:
    """The stored embeddings of ``ids``, as rows in that order (float32)."""
    position = {pid: i for i, pid in enumerate(ids)}
    matrix: np.ndarray | None = None
    seen = 0
    for start in range(0, len(ids), batch):
        got = collection.get(ids=ids[start : start + batch], include=["embeddings"])
        vectors = got["embeddings"]
        if vectors is None:
            break
        block = np.asarray(vectors, dtype=np.float32)
        if matrix is None:
            matrix = np.zeros((len(ids), block.shape[1]), dtype=np.float32)
        rows = [position[pid] for pid in got["ids"]]
        matrix[rows] = block
        seen += len(rows)
    if matrix is None or seen != len(ids):
        raise LookupError(f"Chroma returned {seen} of {len(ids)} embeddings.")
    return matrix
