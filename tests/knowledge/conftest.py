"""Shared fixtures: a real small catalog index (Chroma in a temp folder, the real model)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may download weights in tests

from settings import Settings
from shop.api import Product
from knowledge.base import KnowledgeBase, build_indexes
from knowledge.embeddings import Embedder, load_embedder
from knowledge.synthetic_catalog import (
    demo_in_stock,
    synthetic_products,
    vocabulary_of,
)
from tests.knowledge.helpers import CATALOG_SIZE, HANDMADE, make_settings


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def catalog() -> list[Product]:
    return [*synthetic_products(CATALOG_SIZE, seed=11), *HANDMADE]


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("kb"))


@pytest.fixture(scope="session")
def kb(
    kb_settings: Settings, catalog: list[Product], embedder: Embedder
) -> Iterator[KnowledgeBase]:
    build_indexes(kb_settings, catalog, "catalog-v1", kb_settings.faq_path, embedder=embedder)
    yield KnowledgeBase.open(
        kb_settings, vocabulary=vocabulary_of(catalog), in_stock=demo_in_stock, embedder=embedder
    )
