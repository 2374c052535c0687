"""Hybrid product search: BM25 and vector similarity fused by query type, exact filters.

Filters come from the columnar side table (``CatalogTable.match``): a hit never violates
one it was given, and its ``price_from_cents`` is its cheapest variant that matches colour,
size, options and price together. Both rankings are computed over the whole catalog with
numpy (the product embeddings are read from Chroma once, at open) and fused as a weighted
sum of the two scores, each scaled to its best: the weight depends on the query (digits
and rare words lean lexical, descriptions semantic; ``lexical_weight``).

Two answers besides a page of hits: a filter that leaves nothing is dropped and named
(``relaxed``), and words that fit nothing the shop sells give ``no_match`` (the relevance
floor: no product close in meaning and none holding most of the query's telling words).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import numpy as np
from chromadb.api import ClientAPI

from knowledge.api import ProductHit, SearchFilters, SearchResults
from knowledge.catalog_index import PRODUCTS_COLLECTION
from knowledge.catalog_table import CatalogTable
from knowledge.embeddings import Embedder
from knowledge.errors import IndexModelMismatch, IndexNotBuilt, InvalidSearch
from knowledge.lexical import LexicalIndex
from knowledge.manifest import Manifest
from knowledge.store import existing_collection, load_embeddings
from knowledge.text import tokens

log = logging.getLogger(__name__)

Sort = Literal["relevance", "price_asc"]
Mode = Literal["hybrid", "lexical", "vector", "rrf"]
SORTS: tuple[Sort, ...] = get_args(Sort)
MODES: tuple[Mode, ...] = get_args(Mode)
InStock = Callable[[Sequence[str]], set[str]]

MAX_LIMIT = 50
RRF_K = 60
# Cosine similarity (all-MiniLM-L6-v2) below which a product is not a vector match at all.
VECTOR_MIN_SIMILARITY = 0.35
_STOCK_CHUNK = 500
# Lexical weight of the fusion by what the query is (see ``lexical_weight``); tuned with
# bench/search_quality.py on the tuning queries only (paired bootstrap against BM25 alone).
WEIGHT_DIGITS = 0.85
WEIGHT_RARE = 0.7  # every word in one product, one of them rare (a model name)
WEIGHT_DEFAULT = 0.6  # every word in one product
WEIGHT_PARTIAL = 0.3  # no product holds every word: a description
RARE_IDF_SHARE = 0.6  # a known word whose idf is at least this share of an unknown word's
# Score added per boosted facet a product matches (fused scores are 0..1).
BOOST = 0.15
# Facets dropped first when filters leave nothing: the least telling first.
RELAX_ORDER = (
    "colour",
    "options",
    "size",
    "material",
    "brand",
    "price",
    "in_stock_only",
    "subcategory",
    "category",
)
# The relevance floor, calibrated by bench/relevance_floor.py on queries for things the
# demo shop sells and does not sell: below both, nothing fits.
FLOOR_SIMILARITY = 0.42
FLOOR_COVERAGE = 0.55
# A category name at least this close in meaning is offered instead (bench/relevance_floor.py
# --show lists the offers: "mattress" -> bedding 0.65, "suit for work" -> none, 0.41).
NEAREST_MIN_SIMILARITY = 0.5


@dataclass(frozen=True)
class _Scores:
    lexical: np.ndarray
    similarity: np.ndarray
    fused: np.ndarray
    lexical_weight: float
    best_coverage: float  # the largest share of the query's IDF mass one product holds


class ProductSearch:
    def __init__(
        self,
        *,
        table: CatalogTable,
        lexical: LexicalIndex,
        vectors: np.ndarray,
        embedder: Embedder,
        in_stock: InStock,
        currency: str,
        vector_min_similarity: float = VECTOR_MIN_SIMILARITY,
        floor_similarity: float = FLOOR_SIMILARITY,
        floor_coverage: float = FLOOR_COVERAGE,
    ) -> None:
        if not (len(table) == lexical.size == vectors.shape[0]):
            raise ValueError(
                f"Index parts disagree: table {len(table)}, BM25 {lexical.size}, "
                f"vectors {vectors.shape[0]} rows. "
                "Rebuild with `python -m knowledge build --force`."
            )
        self.table = table
        self.lexical = lexical
        # stored dimension-major: ``query @ vectors_t`` reads the matrix in order and runs
        # about twice as fast on one thread as ``vectors @ query`` (3.5 ms against 6.2 ms
        # CPU at 50,000 x 384, measured)
        self._vectors_t = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).T)
        self.embedder = embedder
        self._in_stock = in_stock
        self.currency = currency
        self.vector_min_similarity = vector_min_similarity
        self.floor_similarity = floor_similarity
        self.floor_coverage = floor_coverage
        self._categories: tuple[list[str], np.ndarray] | None = None

    @classmethod
    def open(
        cls,
        *,
        client: ClientAPI,
        folder: Path,
        embedder: Embedder,
        in_stock: InStock,
        currency: str,
    ) -> ProductSearch:
        """Load a built product index (side table, BM25, embeddings from Chroma)."""
        started = time.perf_counter()
        manifest = Manifest.load(folder)
        collection = existing_collection(client, PRODUCTS_COLLECTION)
        if manifest is None or collection is None:
            raise IndexNotBuilt("product", folder)
        if manifest.model != embedder.name:
            raise IndexModelMismatch("product", manifest.model, embedder.name)
        table = CatalogTable.load(folder)
        lexical = LexicalIndex.load(folder / "bm25")
        try:
            vectors = (
                load_embeddings(collection, table.ids)
                if len(table)
                else np.zeros((0, embedder.dimension), dtype=np.float32)
            )
        except LookupError as exc:
            raise IndexNotBuilt("product", f"{folder} (Chroma: {exc})") from exc
        log.info(
            "Product index opened: %d products in %.1f s", len(table), time.perf_counter() - started
        )
        return cls(
            table=table,
            lexical=lexical,
            vectors=vectors,
            embedder=embedder,
            in_stock=in_stock,
            currency=currency,
        )

    # ---------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        *,
        limit: int = 5,
        offset: int = 0,
        sort: Sort = "relevance",
        mode: Mode = "hybrid",
        boosts: SearchFilters | None = None,
        relax: bool = True,
    ) -> SearchResults:
        """Products matching ``query`` (free text, may be empty) and every filter.

        ``boosts`` raise the products that match them without excluding the others.
        With ``relax``, a filter that leaves nothing is dropped (least telling first) and
        named in ``SearchResults.relaxed``. Words that match nothing the shop sells (below
        the relevance floor) give ``no_match`` and the nearest category instead of hits.
        ``mode`` "lexical" or "vector" uses one ranking alone, "rrf" the older reciprocal
        rank fusion (for baselines and benchmarks).
        """
        filters = filters or SearchFilters()
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidSearch(f"limit must be between 1 and {MAX_LIMIT}, got {limit}.")
        if offset < 0:
            raise InvalidSearch(f"offset must be 0 or more, got {offset}.")
        if sort not in SORTS:
            raise InvalidSearch(f"sort must be one of {', '.join(SORTS)}, got {sort!r}.")
        if mode not in MODES:
            raise InvalidSearch(f"mode must be one of {', '.join(MODES)}, got {mode!r}.")

        text = query.strip()
        scores = self._scores(text, mode) if tokens(text) else None
        if scores is not None and mode == "hybrid" and self._below_floor(text, scores):
            return SearchResults(
                query=text,
                filters=filters,
                hits=(),
                total=0,
                offset=offset,
                limit=limit,
                no_match=True,
                nearest_category=self._nearest_category(text),
            )
        applied = filters
        relaxed: tuple[str, ...] = ()
        mask, price_from = self.table.match(filters)
        candidates = self._candidates(scores, mask)
        if relax and not len(candidates):
            applied, relaxed, mask, price_from = self._relaxed(filters, scores)
            candidates = self._candidates(scores, mask)
        fused = scores.fused if scores is not None else np.zeros(len(self.table))
        if boosts is not None and boosts.active_facets and len(candidates):
            fused = fused.copy()
            for facet in boosts.active_facets:
                boosted, _ = self.table.match(_only(boosts, facet))
                fused[boosted] += BOOST
        keys: tuple[np.ndarray, ...] = (candidates, -fused[candidates])
        if sort == "price_asc":
            keys = (*keys, price_from[candidates])
        ordered = candidates[np.lexsort(keys)]

        stock: set[str] | None = None
        if applied.in_stock_only:
            stock = self._stock_of(self.table.ids[i] for i in ordered)
            ordered = np.asarray([i for i in ordered if self.table.ids[i] in stock], dtype=np.int64)
        page = ordered[offset : offset + limit]
        if stock is None:
            stock = self._stock_of(self.table.ids[i] for i in page)
        hits = tuple(self._hit(int(i), int(price_from[i]), float(fused[i]), stock) for i in page)
        return SearchResults(
            query=text,
            filters=applied,
            hits=hits,
            total=len(ordered),
            offset=offset,
            limit=limit,
            relaxed=relaxed,
        )

    def _candidates(self, scores: _Scores | None, mask: np.ndarray) -> np.ndarray:
        if scores is None:
            return np.flatnonzero(mask)
        return np.flatnonzero(mask & (scores.fused > 0))

    def _relaxed(
        self, filters: SearchFilters, scores: _Scores | None
    ) -> tuple[SearchFilters, tuple[str, ...], np.ndarray, np.ndarray]:
        """The filters less the fewest, least telling facets that leave some product.

        One facet is tried at a time in ``RELAX_ORDER``; if no single one is enough, they
        are dropped one after another in that order.
        """
        active = [facet for facet in RELAX_ORDER if facet in filters.active_facets]
        for facet in active:
            smaller = filters.without(facet)
            mask, price_from = self.table.match(smaller)
            if len(self._candidates(scores, mask)):
                return smaller, (facet,), mask, price_from
        smaller, dropped = filters, []
        for facet in active:
            smaller = smaller.without(facet)
            dropped.append(facet)
            mask, price_from = self.table.match(smaller)
            if len(self._candidates(scores, mask)):
                return smaller, tuple(dropped), mask, price_from
        mask, price_from = self.table.match(filters)
        return filters, (), mask, price_from

    # scoring -------------------------------------------------------------------------
    def _scores(self, text: str, mode: Mode) -> _Scores:
        """Each product's lexical and vector evidence for ``text`` and their fusion."""
        size = len(self.table)
        lexical = (
            self.lexical.scores(text) if mode != "vector" else np.zeros(size, dtype=np.float32)
        )
        if mode == "lexical":
            similarity = np.zeros(size, dtype=np.float32)
        else:
            similarity = self.embedder.encode_query(text) @ self._vectors_t
        vector_ok = similarity >= self.vector_min_similarity
        if mode == "rrf":
            fused = np.zeros(size, dtype=np.float64)
            _add_ranks(fused, lexical, lexical > 0)
            _add_ranks(fused, similarity, vector_ok)
            weight, best_coverage = 0.5, 0.0
        else:
            hybrid = mode == "hybrid" and size > 0
            best_coverage = float(self.lexical.coverage(text).max()) if hybrid else 0.0
            fixed = {"lexical": 1.0, "vector": 0.0}
            weight = fixed[mode] if mode in fixed else self.lexical_weight(text, best_coverage)
            fused = weight * _unit(lexical, lexical > 0) + (1.0 - weight) * _unit(
                similarity - self.vector_min_similarity, vector_ok
            )
            if mode == "hybrid":
                # a product found by one side only keeps a small positive score
                fused = np.where((lexical > 0) | vector_ok, np.maximum(fused, 1e-6), 0.0)
        return _Scores(lexical, similarity, fused, weight, best_coverage)

    def lexical_weight(self, text: str, best_coverage: float | None = None) -> float:
        """How much the lexical ranking counts for this query (0..1), by what it is.

        Model numbers, sizes and other digits are matched exactly by BM25 and mean little
        to a sentence model: lean lexical. When some product holds every word, BM25 is
        sure of it (more so for a rare word, a model name); when none does, the words
        describe rather than name, and meaning counts more. Words the catalog does not
        have at all leave the vector ranking alone.
        """
        terms = tokens(text)
        known = self.lexical.known_terms(terms)
        if not known:
            return 0.0
        if any(any(ch.isdigit() for ch in term) for term in known):
            return WEIGHT_DIGITS
        if best_coverage is None:
            best_coverage = float(self.lexical.coverage(text).max())
        if best_coverage < 0.999:
            return WEIGHT_PARTIAL
        ceiling = self.lexical.idf("\x00")  # the idf of a word no product has
        rarest = max(self.lexical.idf(term) for term in known)
        return WEIGHT_RARE if rarest >= RARE_IDF_SHARE * ceiling else WEIGHT_DEFAULT

    def relevance_evidence(self, text: str, scores: _Scores | None = None) -> tuple[float, float]:
        """(best cosine similarity, best lexical coverage) of any product for ``text``."""
        if not len(self.table) or not tokens(text):
            return 0.0, 0.0
        scores = scores or self._scores(text, "hybrid")
        return float(scores.similarity.max()), scores.best_coverage

    def _below_floor(self, text: str, scores: _Scores) -> bool:
        """Nothing the shop sells fits these words: too few of them in any product's
        text, and no product close in meaning (see bench/relevance_floor.py)."""
        if not len(self.table):
            return False
        similarity, coverage = self.relevance_evidence(text, scores)
        return similarity < self.floor_similarity and coverage < self.floor_coverage

    def _nearest_category(self, text: str) -> str | None:
        """The shop's category whose name is closest in meaning to ``text``, if close.

        Names, not products: the nearest single product is often near by accident
        ("suit" and a swimsuit). Below ``NEAREST_MIN_SIMILARITY`` nothing is offered, and
        the dialogue asks instead.
        """
        names, vectors = self._category_vectors()
        if not names:
            return None
        similarity = vectors @ self.embedder.encode_query(text)
        best = int(np.argmax(similarity))
        return names[best] if similarity[best] >= NEAREST_MIN_SIMILARITY else None

    def _category_vectors(self) -> tuple[list[str], np.ndarray]:
        """Embeddings of every category name, computed on first use (no_match is rare)."""
        if self._categories is None:
            names = sorted({row.subcategory for row in self.table.rows if row.subcategory})
            self._categories = (names, self.embedder.encode(names))
        return self._categories

    def _stock_of(self, ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        in_stock: set[str] = set()
        for start in range(0, len(wanted), _STOCK_CHUNK):
            in_stock |= self._in_stock(wanted[start : start + _STOCK_CHUNK])
        return in_stock

    def _hit(self, row: int, price: int, score: float, stock: set[str]) -> ProductHit:
        info = self.table.rows[row]
        return ProductHit(
            product_id=info.product_id,
            title=info.title,
            brand=info.brand,
            category=info.category,
            subcategory=info.subcategory,
            price_from_cents=price,
            currency=self.currency,
            colours=info.colours,
            sizes=info.sizes,
            in_stock=info.product_id in stock,
            score=round(score, 6),
            image_url=info.image_url,
            category_path=info.category_path,
        )


def _add_ranks(fused: np.ndarray, scores: np.ndarray, eligible: np.ndarray) -> None:
    rows = np.flatnonzero(eligible)
    order = rows[np.argsort(-scores[rows], kind="stable")]
    fused[order] += 1.0 / (RRF_K + 1 + np.arange(len(order), dtype=np.float64))


def _unit(values: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """``values`` scaled so the best eligible one is 1; ineligible ones are 0."""
    out = np.zeros(len(values), dtype=np.float64)
    if eligible.any():
        top = float(values[eligible].max())
        if top > 0:
            out[eligible] = values[eligible] / top
    return out


def _only(filters: SearchFilters, facet: str) -> SearchFilters:
    """A filter set holding one facet of ``filters``."""
    for other in filters.active_facets:
        if other != facet:
            filters = filters.without(other)
    return filters
