"""The demo catalog's real product index, built once in a work folder for the search benches.

``open_demo_search(workdir, count, seed)`` generates ``shop.demo.catalog.demo_products``,
builds the index with the real embedding model (skipped when the folder already holds this
catalog's index) and returns the products, the search and the parser the assistant uses.
With ``titles_only`` the index holds the titles alone, the regime where BM25 is strongest.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from knowledge.api import SearchResults
from knowledge.catalog_index import build_catalog_index
from knowledge.embeddings import Embedder, load_embedder
from knowledge.product_search import Mode, ProductSearch
from knowledge.query_parser import QueryParser
from knowledge.store import create_client
from shop.api import Product
from shop.demo.catalog import demo_in_stock, demo_products
from shop.vocabulary import vocabulary_of

log = logging.getLogger(__name__)

DEFAULT_COUNT = 1600
DEFAULT_SEED = 42


@dataclass(frozen=True)
class DemoSearch:
    products: tuple[Product, ...]
    search: ProductSearch
    parser: QueryParser

    def assistant(self, query: str, *, limit: int = 10, mode: Mode = "hybrid") -> SearchResults:
        """What the assistant runs for a shopper's words: the parser, then the search."""
        parsed = self.parser.parse(query)
        return self.search.search(
            parsed.text,
            parsed.filters,
            limit=limit,
            boosts=parsed.boosts,
            sort="price_asc" if parsed.prefers_cheap else "relevance",
            mode=mode,
        )

    def bm25(self, query: str, *, limit: int = 10) -> SearchResults:
        """The baseline: BM25 alone on the raw words, no parser, no filters."""
        return self.search.search(query, None, limit=limit, mode="lexical", relax=False)


def title_only(product: Product) -> Product:
    """The product as a catalog of titles alone knows it: no description, category,
    attributes, material, colours or options (like the public home-improvement catalog)."""
    return replace(
        product,
        category_path=(),
        product_type="",
        description="",
        material=None,
        attributes={},
        tags=(),
        collections=(),
        variants=tuple(
            replace(v, size=None, colour=None, options=()) for v in product.variants[:1]
        ),
    )


def open_demo_search(
    workdir: Path,
    count: int = DEFAULT_COUNT,
    seed: int = DEFAULT_SEED,
    *,
    embedder: Embedder | None = None,
    titles_only: bool = False,
) -> DemoSearch:
    """``titles_only``: index the titles alone (judged with the full products)."""
    embedder = embedder or load_embedder()
    products = demo_products(count, seed)
    indexed = [title_only(p) for p in products] if titles_only else list(products)
    name = f"demo-{count}-{seed}" + ("-titles" if titles_only else "")
    folder = workdir / name
    client = create_client(folder / "chroma")
    report = build_catalog_index(
        client=client,
        folder=folder / "products",
        embedder=embedder,
        products=indexed,
        catalog_fingerprint=name,
    )
    log.info("Demo index %s (%d products)", "built" if report.built else "reused", report.count)
    search = ProductSearch.open(
        client=client,
        folder=folder / "products",
        embedder=embedder,
        in_stock=demo_in_stock,
        currency="EUR",
    )
    parser = QueryParser(
        vocabulary_of(indexed),
        known_words=search.lexical.terms(),
        coverage=search.table.coverage(),
    )
    return DemoSearch(products, search, parser)
