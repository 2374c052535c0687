"""Hybrid product search: BM25 and vector similarity fused by reciprocal rank, exact filters.

Filters come from the columnar side table (``CatalogTable.match``): a hit never violates
one, and its ``price_from_cents`` is its cheapest variant that matches colour, size and
price together. Both rankings are computed over the whole catalog with numpy (the product
embeddings are read from Chroma once, at open), restricted to the filter mask, and fused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
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
Mode = Literal["hybrid", "lexical", "vector"]
SORTS: tuple[Sort, ...] = get_args(Sort)
MODES: tuple[Mode, ...] = get_args(Mode)
InStock = Callable[[Sequence[str]], set[str]]

MAX_LIMIT = 50
RRF_K = 60
# Cosine similarity (all-MiniLM-L6-v2) below which a product is not a vector match at all.
VECTOR_MIN_SIMILARITY = 0.35
_STOCK_CHUNK = 500


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
    ) -> None:
        if not (len(table) == lexical.size == vectors.shape[0]):
            raise ValueError(
                f"Index parts disagree: table {len(table)}, BM25 {lexical.size}, "
                f"vectors {vectors.shape[0]} rows. "
                "Rebuild with `python -m knowledge build --force`."
            )
        self.table = table
        self.lexical = lexical
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.embedder = embedder
        self._in_stock = in_stock
        self.currency = currency
        self.vector_min_similarity = vector_min_similarity

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
    ) -> SearchResults:
        """Products matching ``query`` (free text, may be empty) and every filter.

        ``mode`` "lexical" or "vector" uses one ranking alone (for baselines and tests).
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

        mask, price_from = self.table.match(filters)
        text = query.strip()
        if tokens(text):
            fused = self._fused_scores(text, mask, mode)
            candidates = np.flatnonzero(fused > 0)
        else:
            fused = np.zeros(len(self.table), dtype=np.float64)
            candidates = np.flatnonzero(mask)
        keys: tuple[np.ndarray, ...] = (candidates, -fused[candidates])
        if sort == "price_asc":
            keys = (*keys, price_from[candidates])
        ordered = candidates[np.lexsort(keys)]

        stock: set[str] | None = None
        if filters.in_stock_only:
            stock = self._stock_of(self.table.ids[i] for i in ordered)
            ordered = np.asarray([i for i in ordered if self.table.ids[i] in stock], dtype=np.int64)
        page = ordered[offset : offset + limit]
        if stock is None:
            stock = self._stock_of(self.table.ids[i] for i in page)
        hits = tuple(self._hit(int(i), int(price_from[i]), float(fused[i]), stock) for i in page)
        return SearchResults(
            query=text, filters=filters, hits=hits, total=len(ordered), offset=offset, limit=limit
        )

    def _fused_scores(self, text: str, mask: np.ndarray, mode: Mode) -> np.ndarray:
        """Reciprocal rank fusion of the lexical and vector rankings, 0 for non-matches."""
        fused = np.zeros(len(self.table), dtype=np.float64)
        if mode in ("hybrid", "lexical"):
            lexical = self.lexical.scores(text)
            self._add_ranks(fused, lexical, mask & (lexical > 0))
        if mode in ("hybrid", "vector"):
            query_vector = self.embedder.encode_query(text)
            similarity = self._vectors @ query_vector
            self._add_ranks(fused, similarity, mask & (similarity >= self.vector_min_similarity))
        return fused

    @staticmethod
    def _add_ranks(fused: np.ndarray, scores: np.ndarray, eligible: np.ndarray) -> None:
        rows = np.flatnonzero(eligible)
        order = rows[np.argsort(-scores[rows], kind="stable")]
        fused[order] += 1.0 / (RRF_K + 1 + np.arange(len(order), dtype=np.float64))

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
        )
