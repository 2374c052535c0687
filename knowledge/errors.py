"""Errors raised by the knowledge base; they become HTTP statuses or CLI messages at the edge."""

from __future__ import annotations

from pathlib import Path


class KnowledgeError(Exception):
    """Base class for every error the knowledge base raises on purpose."""


class EmbeddingModelError(KnowledgeError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"Cannot load the embedding model {name!r}: {reason}")
        self.name = name
        self.reason = reason


class IndexNotBuilt(KnowledgeError):
    def __init__(self, what: str, where: Path | str) -> None:
        super().__init__(
            f"The {what} index at {where} is missing or incomplete. "
            "Build it with `python -m knowledge build`."
        )
        self.what = what
        self.where = str(where)


class IndexModelMismatch(KnowledgeError):
    def __init__(self, what: str, built_with: str, configured: str) -> None:
        super().__init__(
            f"The {what} index was built with the embedding model {built_with!r} but "
            f"EMBEDDING_MODEL is {configured!r}. "
            "Rebuild it with `python -m knowledge build --force`."
        )
        self.built_with = built_with
        self.configured = configured


class FaqDataError(KnowledgeError):
    """The merchant's FAQ file is invalid; the message names the entry and the field."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)


class InvalidSearch(KnowledgeError):
    """A search request with values that cannot be used (bad limit, unknown sort, ...)."""
