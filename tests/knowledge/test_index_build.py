"""Index builds are skipped when nothing changed and redone when the catalog, FAQ or model do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.base import IndexPaths, KnowledgeBase, build_indexes
from knowledge.embeddings import Embedder
from knowledge.errors import IndexModelMismatch, IndexNotBuilt
from knowledge.product_search import ProductSearch
from knowledge.store import create_client
from shop.demo.catalog import demo_in_stock, demo_products
from shop.vocabulary import vocabulary_of
from tests.knowledge.helpers import make_settings, product

FAQ = """
version: 1
entries:
  - id: opening-hours
    topic: stores
    question: When are the stores open?
    answer: Monday to Saturday, 10:00 to 19:00.
"""


def test_skip_when_unchanged_and_rebuild_when_changed(tmp_path: Path, embedder: Embedder) -> None:
    settings = make_settings(tmp_path)
    faq = tmp_path / "faq.yml"
    faq.write_text(FAQ, "utf-8")
    catalog = list(demo_products(12, 1))

    first = build_indexes(settings, catalog, "fp-1", faq, embedder=embedder)
    assert first.products.built and first.products.count == 12
    assert first.faq.built and first.faq.entries == 1

    def exploding_catalog():  # an unchanged fingerprint must not even read the catalog
        raise AssertionError("catalog read although the fingerprint did not change")
        yield

    again = build_indexes(settings, exploding_catalog(), "fp-1", faq, embedder=embedder)
    assert not again.products.built and again.products.count == 12
    assert not again.faq.built

    newcomer = product(
        "N00001",
        "Quillfeather Fountain Pen",
        category="accessories",
        subcategory="pens",
        variants=((None, "black", 3500),),
    )
    changed = build_indexes(settings, [*catalog, newcomer], "fp-2", faq, embedder=embedder)
    assert changed.products.built and changed.products.count == 13

    forced = build_indexes(
        settings, [*catalog, newcomer], "fp-2", faq, force=True, embedder=embedder
    )
    assert forced.products.built and forced.faq.built

    kb = KnowledgeBase.open(
        settings,
        vocabulary=vocabulary_of([*catalog, newcomer]),
        in_stock=demo_in_stock,
        embedder=embedder,
    )
    assert kb.products.search("fountain pen", None).hits[0].product_id == "N00001"


def test_a_changed_faq_file_is_reindexed_when_opened(tmp_path: Path, embedder: Embedder) -> None:
    faq = tmp_path / "faq.yml"
    faq.write_text(FAQ, "utf-8")
    settings = make_settings(tmp_path, FAQ_PATH=str(faq))
    catalog = list(demo_products(5, 2))
    build_indexes(settings, catalog, "fp", faq, embedder=embedder)
    faq.write_text(
        FAQ
        + """
  - id: parking
    topic: stores
    question: Is there parking at the stores?
    answer: Yes, each store has free customer parking.
""",
        "utf-8",
    )
    kb = KnowledgeBase.open(
        settings, vocabulary=vocabulary_of(catalog), in_stock=demo_in_stock, embedder=embedder
    )
    best = kb.faq.ask("where can I park my car near the shop?").best
    assert best is not None and best.entry.id == "parking"


def test_open_before_build_and_with_another_model(tmp_path: Path, embedder: Embedder) -> None:
    settings = make_settings(tmp_path)
    faq = tmp_path / "faq.yml"
    faq.write_text(FAQ, "utf-8")
    catalog = list(demo_products(5, 3))
    with pytest.raises(IndexNotBuilt, match="python -m knowledge build"):
        KnowledgeBase.open(
            settings, vocabulary=vocabulary_of(catalog), in_stock=demo_in_stock, embedder=embedder
        )
    build_indexes(settings, catalog, "fp", faq, embedder=embedder)
    other = Embedder("some-other-model", embedder._model)
    with pytest.raises(IndexModelMismatch, match="--force"):
        ProductSearch.open(
            client=create_client(settings.chroma_path),
            embedder=other,
            folder=IndexPaths.of(settings).products,
            in_stock=demo_in_stock,
            currency="EUR",
        )
    # Lexical files lost: the manifest no longer counts as up to date, build repairs it.
    shutil.rmtree(IndexPaths.of(settings).products / "bm25")
    repaired = build_indexes(settings, catalog, "fp", faq, embedder=embedder)
    assert repaired.products.built
