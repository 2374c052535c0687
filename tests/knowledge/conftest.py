"""Shared fixtures: a real small catalog index (Chroma in a temp folder, the real model).

The FAQ here is read with the packaged MiniLM, as it is when no encoder was tuned to the
FAQ file (``FAQ_ENCODER=off``, or a question edited since): the FAQ machinery on that
reading. The action tests (tests/actions) read it with set-up's tuned encoder, as shoppers
get it; tests/knowledge/test_faq_encoder.py tests the choice between the two.

The catalog is the demo shop's own generator (``shop.demo.catalog.demo_products``) plus a
few hand-made products of categories the demo does not have (furniture, jewellery with
merchant options), so search is tested on the catalog the shop really has.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may download weights in tests

from knowledge.base import KnowledgeBase, build_indexes
from knowledge.embeddings import Embedder, load_embedder
from settings import Settings
from shop.api import Product
from shop.demo.catalog import demo_in_stock, demo_products
from shop.vocabulary import vocabulary_of
from tests.knowledge.helpers import CATALOG_SEED, CATALOG_SIZE, HANDMADE, make_settings


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def catalog() -> list[Product]:
    return [*demo_products(CATALOG_SIZE, CATALOG_SEED), *HANDMADE]


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("kb"))


@pytest.fixture(scope="session")
def kb(
    kb_settings: Settings, catalog: list[Product], embedder: Embedder
) -> Iterator[KnowledgeBase]:
    build_indexes(kb_settings, catalog, "catalog-v1", kb_settings.faq_path, embedder=embedder)
    yield KnowledgeBase.open(
        kb_settings,
        vocabulary=vocabulary_of(catalog),
        in_stock=demo_in_stock,
        embedder=embedder,
        reload_every=3600.0,  # this index is never rebuilt (test_reload.py tests reloads)
    )
