"""The knowledge base facade used by the action server, the HTTP API and the CLI.

``KnowledgeBase.open(settings, vocabulary=..., in_stock=...)`` loads the built indexes;
``build_indexes(...)`` builds them (skipping what is up to date). Index files live under
``<ASSISTANT_VAR_DIR>/knowledge/`` next to the Chroma collections ``products`` and ``faq``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from chromadb.api import ClientAPI

from settings import Settings
from shop.api import CatalogVocabulary, Product
from knowledge.api import FaqResults, SearchFilters, SearchResults
from knowledge.catalog_index import BuildReport, build_catalog_index
from knowledge.embeddings import Embedder, load_embedder
from knowledge.faq import FaqBuildReport, FaqIndex, build_faq_index
from knowledge.product_search import InStock, ProductSearch, Sort
from knowledge.query_parser import QueryParser
from knowledge.store import create_client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexPaths:
    root: Path

    @classmethod
    def of(cls, settings: Settings) -> IndexPaths:
        return cls(settings.var_dir / "knowledge")

    @property
    def products(self) -> Path:
        return self.root / "products"

    @property
    def faq(self) -> Path:
        return self.root / "faq"


@dataclass(frozen=True)
class BuildSummary:
    products: BuildReport
    faq: FaqBuildReport


def build_indexes(
    settings: Settings,
    products_iterable: Iterable[Product],
    catalog_fingerprint: str,
    faq_path: Path,
    force: bool = False,
    *,
    embedder: Embedder | None = None,
    client: ClientAPI | None = None,
) -> BuildSummary:
    """Build the product and FAQ indexes; each is skipped when its source is unchanged."""
    embedder = embedder or load_embedder(settings.embedding_model)
    client = client or create_client(settings.chroma_path, settings.chroma_url)
    paths = IndexPaths.of(settings)
    products = build_catalog_index(
        client=client,
        folder=paths.products,
        embedder=embedder,
        products=products_iterable,
        catalog_fingerprint=catalog_fingerprint,
        force=force,
    )
    faq = build_faq_index(
        client=client, folder=paths.faq, embedder=embedder, faq_path=faq_path, force=force
    )
    return BuildSummary(products, faq)


class KnowledgeBase:
    """Query parser, product search and FAQ over one catalog; safe to share between threads."""

    def __init__(
        self, *, parser: QueryParser, products: ProductSearch, faq: FaqIndex, embedder: Embedder
    ) -> None:
        self.parser = parser
        self.products = products
        self.faq = faq
        self.embedder = embedder

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        vocabulary: CatalogVocabulary,
        in_stock: InStock,
        embedder: Embedder | None = None,
        client: ClientAPI | None = None,
    ) -> KnowledgeBase:
        """Open built indexes. Raises ``IndexNotBuilt`` if ``build`` never ran."""
        embedder = embedder or load_embedder(settings.embedding_model)
        client = client or create_client(settings.chroma_path, settings.chroma_url)
        paths = IndexPaths.of(settings)
        products = ProductSearch.open(
            client=client,
            folder=paths.products,
            embedder=embedder,
            in_stock=in_stock,
            currency=settings.currency,
        )
        faq = FaqIndex.open(
            client=client,
            folder=paths.faq,
            embedder=embedder,
            faq_path=settings.faq_path,
            threshold=settings.faq_confidence_threshold,
        )
        parser = QueryParser(vocabulary, known_words=products.lexical.terms())
        return cls(parser=parser, products=products, faq=faq, embedder=embedder)

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        *,
        limit: int = 5,
        offset: int = 0,
        sort: Sort | None = None,
    ) -> SearchResults:
        """Parse ``query``, refine its filters with ``filters`` (these win), and search.

        Without an explicit ``sort``, "cheap ..." sorts by price, anything else by relevance.
        """
        parsed = self.parser.parse(query)
        effective = parsed.filters.merged(filters) if filters else parsed.filters
        chosen: Sort = sort or ("price_asc" if parsed.prefers_cheap else "relevance")
        return self.products.search(parsed.text, effective, limit=limit, offset=offset, sort=chosen)

    def ask(self, question: str, k: int = 3) -> FaqResults:
        return self.faq.ask(question, k=k)

    def warm_up(self) -> None:
        """Run the model once so the first shopper does not wait for lazy initialisation."""
        self.embedder.encode(["warm up"])
