"""Typed records of the knowledge base: search filters, hits and FAQ answers.

These cross process boundaries (the HTTP API, the action server) and are plain frozen
dataclasses; ``dataclasses.asdict`` gives their JSON form.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class SearchFilters:
    """Structured constraints on a product search. ``None`` means no constraint."""

    category: str | None = None  # "shoes"
    subcategory: str | None = None  # "running shoes"
    colour: str | None = None
    size: str | None = None
    brand: str | None = None
    material: str | None = None
    price_min_cents: int | None = None
    price_max_cents: int | None = None
    in_stock_only: bool = False

    def merged(self, newer: SearchFilters) -> SearchFilters:
        """These filters refined by ``newer``: its set fields win, the rest is kept."""
        changes = {
            name: value
            for name, value in vars(newer).items()
            if value is not None and not (name == "in_stock_only" and value is False)
        }
        return replace(self, **changes)


@dataclass(frozen=True)
class ParsedQuery:
    """A shopper's words split into free text and structured filters."""

    text: str  # what remains for lexical/vector matching, e.g. "running shoes"
    filters: SearchFilters
    prefers_cheap: bool = False  # "cheap", "affordable", ...: sort by price if nothing else asked


@dataclass(frozen=True)
class ProductHit:
    product_id: str
    title: str
    brand: str
    category: str
    subcategory: str
    price_from_cents: int
    currency: str
    colours: tuple[str, ...]
    sizes: tuple[str, ...]
    in_stock: bool
    score: float  # fused score, higher is better
    image_url: str | None = None


@dataclass(frozen=True)
class SearchResults:
    query: str
    filters: SearchFilters
    hits: tuple[ProductHit, ...]
    total: int  # matches before paging
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total


@dataclass(frozen=True)
class FaqEntry:
    id: str  # "returns-window"
    topic: str  # "returns"
    question: str
    answer: str
    alternates: tuple[str, ...] = ()  # other phrasings that help retrieval


@dataclass(frozen=True)
class FaqAnswer:
    entry: FaqEntry
    confidence: float  # 0..1
    confident: bool  # confidence >= the configured threshold


@dataclass(frozen=True)
class FaqResults:
    question: str
    answers: tuple[FaqAnswer, ...]  # best first

    @property
    def best(self) -> FaqAnswer | None:
        return self.answers[0] if self.answers else None
