"""The knowledge base facade used by the action server, the HTTP API and the CLI.

``KnowledgeBase.open(settings, vocabulary=..., in_stock=...)`` loads the built indexes and
follows later rebuilds of the product index; ``build_indexes(...)`` builds them (skipping
what is up to date). Index files live under
``<ASSISTANT_VAR_DIR>/knowledge/`` next to the Chroma collections ``products`` and ``faq``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from chromadb.api import ClientAPI

from knowledge.api import FaqResults, SearchFilters, SearchResults
from knowledge.catalog_index import BuildReport, build_catalog_index
from knowledge.embeddings import Embedder, load_embedder
from knowledge.errors import KnowledgeError
from knowledge.faq import FaqBuildReport, FaqIndex, build_faq_index
from knowledge.faq_data import load_faq
from knowledge.faq_encoder import load_faq_encoder
from knowledge.faq_second import SecondOpinion, load_second_reader
from knowledge.manifest import Manifest
from knowledge.other_business import OtherBusinesses
from knowledge.product_search import InStock, ProductSearch, Sort
from knowledge.query_parser import QueryParser
from knowledge.store import create_client
from settings import Settings
from shop.api import CatalogVocabulary, Product

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
    faq_settings = replace(settings, faq_path=faq_path)
    faq = build_faq_index(
        client=client,
        folder=paths.faq,
        embedder=load_faq_encoder(faq_settings, embedder).embedder,
        faq_path=faq_path,
        force=force,
    )
    if settings.faq_second_opinion:  # its vectors now, not on the first shopper's question
        SecondOpinion.open(paths.faq, load_faq(faq_path), load_second_reader())
    return BuildSummary(products, faq)


VocabularySource = CatalogVocabulary | Callable[[], CatalogVocabulary]
# How often an open knowledge base looks at the product index manifest for a rebuild.
RELOAD_CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class _Catalog:
    """The product side of an open base: swapped whole when the index is rebuilt."""

    parser: QueryParser
    products: ProductSearch
    fingerprint: str


class _CatalogLoader:
    """Opens the product index and its parser; reopens it when a rebuild changed it.

    A build writes its manifest last (``catalog_index``), so a changed manifest
    fingerprint means a complete new index. The check reads one small file at most every
    ``every`` seconds; the reopen happens on the caller's thread, and the old catalog
    serves until the new one is complete (a half-built index is skipped, tried again later).
    """

    def __init__(
        self,
        *,
        client: ClientAPI,
        folder: Path,
        embedder: Embedder,
        in_stock: InStock,
        currency: str,
        vocabulary: VocabularySource,
        every: float,
    ) -> None:
        self._client = client
        self._folder = folder
        self._embedder = embedder
        self._in_stock = in_stock
        self._currency = currency
        self._vocabulary = vocabulary
        self._every = every
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self.current = self._open()

    def _open(self) -> _Catalog:
        manifest = Manifest.load(self._folder)
        products = ProductSearch.open(
            client=self._client,
            folder=self._folder,
            embedder=self._embedder,
            in_stock=self._in_stock,
            currency=self._currency,
        )
        vocabulary = self._vocabulary() if callable(self._vocabulary) else self._vocabulary
        parser = QueryParser(
            vocabulary,
            known_words=products.lexical.terms(),
            coverage=products.table.coverage(),
        )
        return _Catalog(parser, products, manifest.fingerprint if manifest else "")

    def fresh(self) -> _Catalog:
        """The current catalog, reopened first if the index was rebuilt since."""
        now = time.monotonic()
        if now - self._checked < self._every:
            return self.current
        with self._lock:
            if now - self._checked < self._every:
                return self.current
            self._checked = now
            manifest = Manifest.load(self._folder)
            if manifest is None or manifest.fingerprint == self.current.fingerprint:
                return self.current
            try:
                reopened = self._open()
            except (KnowledgeError, OSError, ValueError) as exc:
                log.warning("The product index changed but cannot be opened yet: %s", exc)
                return self.current
            log.info(
                "Product index rebuilt: now serving %d products (%s)",
                len(reopened.products.table),
                reopened.fingerprint[:12],
            )
            self.current = reopened
            return reopened


class KnowledgeBase:
    """Query parser, product search and FAQ over one catalog; safe to share between threads.

    ``products`` and ``parser`` follow the product index: after a rebuild (an import, a
    ``python -m knowledge build``) an open base serves the new catalog within
    ``RELOAD_CHECK_SECONDS``, without a restart.
    """

    def __init__(self, *, catalog: _CatalogLoader, faq: FaqIndex, embedder: Embedder) -> None:
        self._catalog = catalog
        self.faq = faq
        self.embedder = embedder
        self._other: tuple[CatalogVocabulary, OtherBusinesses] | None = None
        self._other_lock = threading.Lock()

    @property
    def products(self) -> ProductSearch:
        return self._catalog.fresh().products

    @property
    def parser(self) -> QueryParser:
        return self._catalog.fresh().parser

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        vocabulary: VocabularySource,
        in_stock: InStock,
        embedder: Embedder | None = None,
        client: ClientAPI | None = None,
        reload_every: float = RELOAD_CHECK_SECONDS,
    ) -> KnowledgeBase:
        """Open built indexes. Raises ``IndexNotBuilt`` if ``build`` never ran.

        ``vocabulary``: the catalog's words, or a callable that reads them (``shop.
        vocabulary``), called again when a rebuilt index is reopened so the parser knows
        the new catalog's words too.
        """
        embedder = embedder or load_embedder(settings.embedding_model)
        client = client or create_client(settings.chroma_path, settings.chroma_url)
        paths = IndexPaths.of(settings)
        catalog = _CatalogLoader(
            client=client,
            folder=paths.products,
            embedder=embedder,
            in_stock=in_stock,
            currency=settings.currency,
            vocabulary=vocabulary,
            every=reload_every,
        )
        faq_encoder = load_faq_encoder(settings, embedder)
        faq = FaqIndex.open(
            client=client,
            folder=paths.faq,
            embedder=faq_encoder.embedder,
            calibration=faq_encoder.calibration,
            fit=faq_encoder.fit_check(settings.faq_confidence_threshold),
            faq_path=settings.faq_path,
            threshold=settings.faq_confidence_threshold,
            second_reader=load_second_reader() if settings.faq_second_opinion else None,
        )
        return cls(catalog=catalog, faq=faq, embedder=embedder)

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
        catalog = self._catalog.fresh()
        parsed = catalog.parser.parse(query)
        effective = parsed.filters.merged(filters) if filters else parsed.filters
        chosen: Sort = sort or ("price_asc" if parsed.prefers_cheap else "relevance")
        return catalog.products.search(
            parsed.text, effective, limit=limit, offset=offset, sort=chosen, boosts=parsed.boosts
        )

    def ask(self, question: str, k: int = 3) -> FaqResults:
        return self.faq.ask(question, k=k)

    def other_business_in(self, text: str) -> str | None:
        """Another business the message speaks of ("my amazon parcel", "the return policy
        at Decathlon"), as written; None if it names none (``knowledge.other_business``)."""
        return self._other_businesses().named_in(text)

    def _other_businesses(self) -> OtherBusinesses:
        """The finder for this FAQ and the catalog's current vocabulary (rebuilt after the
        catalog is reopened with new brands)."""
        vocabulary = self.parser.vocabulary
        with self._other_lock:
            if self._other is None or self._other[0] is not vocabulary:
                entries = self.faq.entries
                catalog_words = [
                    *vocabulary.categories,
                    *vocabulary.subcategories,
                    *vocabulary.brands,
                    *vocabulary.colours,
                    *vocabulary.sizes,
                    *vocabulary.materials,
                    *(value for _, values in vocabulary.options for value in values),
                    *(word for pair in vocabulary.synonyms for word in pair),
                ]
                finder = OtherBusinesses.from_file(
                    own_texts=[*(e.answer for e in entries), *vocabulary.brands],
                    known_texts=[
                        *(t for e in entries for t in (e.topic, e.question, e.answer)),
                        *(t for e in entries for t in e.alternates),
                        *catalog_words,
                    ],
                )
                self._other = (vocabulary, finder)
            return self._other[1]

    def warm_up(self) -> None:
        """Run the model once so the first shopper does not wait for lazy initialisation."""
        self.embedder.encode(["warm up"])
        if self.faq.embedder is not self.embedder:  # the FAQ's own tuned encoder
            self.faq.embedder.encode(["warm up"])
