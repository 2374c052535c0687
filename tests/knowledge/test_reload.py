"""An open knowledge base serves a rebuilt product index without a restart."""

from __future__ import annotations

from pathlib import Path

from knowledge.base import IndexPaths, KnowledgeBase, build_indexes
from knowledge.embeddings import Embedder
from knowledge.manifest import Manifest
from knowledge.store import create_client
from settings import Settings
from shop.api import CatalogVocabulary, Product
from shop.demo.catalog import demo_in_stock, demo_products
from shop.vocabulary import vocabulary_of
from tests.knowledge.helpers import HANDMADE, make_settings

FAQ = """
version: 1
entries:
  - id: opening-hours
    topic: stores
    question: When are the stores open?
    answer: Monday to Saturday, 10:00 to 19:00.
"""
SOFA, EARRINGS = HANDMADE[3], HANDMADE[4]


class Catalog:
    """The shop's catalog as the base reads it: what it returns changes on an import."""

    def __init__(self, products: list[Product]) -> None:
        self.products = products

    def vocabulary(self) -> CatalogVocabulary:
        return vocabulary_of(self.products)


def _setup(tmp_path: Path) -> tuple[Settings, Path]:
    faq = tmp_path / "faq.yml"
    faq.write_text(FAQ, "utf-8")
    return make_settings(tmp_path, FAQ_PATH=str(faq)), faq


def _open(settings: Settings, shop: Catalog, embedder: Embedder, every: float) -> KnowledgeBase:
    return KnowledgeBase.open(
        settings,
        vocabulary=shop.vocabulary,
        in_stock=demo_in_stock,
        embedder=embedder,
        # another client, as another process (the importer) would have
        client=create_client(settings.chroma_path),
        reload_every=every,
    )


def test_a_rebuilt_index_is_served_by_the_open_base(tmp_path: Path, embedder: Embedder) -> None:
    settings, faq = _setup(tmp_path)
    shop = Catalog([*demo_products(8, 4), SOFA])
    build_indexes(settings, shop.products, "before", faq, embedder=embedder)
    kb = _open(settings, shop, embedder, every=0.0)
    assert kb.search("hoop earrings").no_match  # not sold yet

    shop.products = [EARRINGS, SOFA]  # an import that replaces the catalog
    build_indexes(settings, shop.products, "after", faq, embedder=embedder)

    results = kb.search("hoop earrings in gold")
    assert [hit.product_id for hit in results.hits] == [EARRINGS.id]
    assert results.filters.options == (("metal", "gold"),)  # the new catalog's words
    assert len(kb.products.table) == 2


def test_checks_wait_for_the_interval(tmp_path: Path, embedder: Embedder) -> None:
    settings, faq = _setup(tmp_path)
    shop = Catalog([*demo_products(8, 4), SOFA])
    build_indexes(settings, shop.products, "before", faq, embedder=embedder)
    kb = _open(settings, shop, embedder, every=3600.0)
    shop.products = [EARRINGS, SOFA]
    build_indexes(settings, shop.products, "after", faq, embedder=embedder)
    assert len(kb.products.table) == 9  # the next check is an hour away


def test_a_half_built_index_keeps_the_old_one_serving(tmp_path: Path, embedder: Embedder) -> None:
    settings, faq = _setup(tmp_path)
    shop = Catalog([*demo_products(8, 4), SOFA])
    build_indexes(settings, shop.products, "before", faq, embedder=embedder)
    kb = _open(settings, shop, embedder, every=0.0)
    folder = IndexPaths.of(settings).products
    manifest = Manifest.load(folder)
    assert manifest is not None
    # a manifest that names another build while the table is missing: not complete yet
    (folder / "table.json").unlink()
    Manifest(**{**vars(manifest), "fingerprint": "half-built"}).save(folder)
    assert kb.search("sofa").hits[0].product_id == SOFA.id
    assert len(kb.products.table) == 9
