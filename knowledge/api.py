"""Typed records of the knowledge base: search filters, hits and FAQ answers.

These cross process boundaries (the HTTP API, the action server) and are plain frozen
dataclasses; ``dataclasses.asdict`` gives their JSON form.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class SearchFilters:
    """Structured constraints on a product search. ``None`` means no constraint."""

    category: str | None = None  # any node of the category path: "shoes", "sofas", "home"
    subcategory: str | None = None  # the most specific category or the product type
    colour: str | None = None
    size: str | None = None
    brand: str | None = None
    material: str | None = None
    price_min_cents: int | None = None
    price_max_cents: int | None = None
    in_stock_only: bool = False
    # merchant options other than size and colour, held by one variant together with
    # colour, size and price: (("wood", "oak"),); names and values compare case-insensitively
    options: tuple[tuple[str, str], ...] = ()

    def merged(self, newer: SearchFilters) -> SearchFilters:
        """These filters refined by ``newer``: its set fields win, the rest is kept.

        Options merge by name: a newer value of "wood" replaces the older one.
        """
        changes: dict[str, object] = {
            name: value
            for name, value in vars(newer).items()
            if value is not None
            and name != "options"
            and not (name == "in_stock_only" and value is False)
        }
        if newer.options:
            renamed = {name.casefold() for name, _ in newer.options}
            kept = tuple(o for o in self.options if o[0].casefold() not in renamed)
            changes["options"] = kept + tuple(newer.options)
        return replace(self, **changes)  # type: ignore[arg-type]

    def without(self, facet: str) -> SearchFilters:
        """These filters less one facet ("colour", "options", "price", ...)."""
        if facet == "price":
            return replace(self, price_min_cents=None, price_max_cents=None)
        if facet == "options":
            return replace(self, options=())
        if facet == "in_stock_only":
            return replace(self, in_stock_only=False)
        changes: dict[str, Any] = {facet: None}
        return replace(self, **changes)

    @property
    def active_facets(self) -> tuple[str, ...]:
        """The facets set here, named as ``without`` takes them."""
        names = [
            name
            for name in ("category", "subcategory", "brand", "material", "colour", "size")
            if getattr(self, name) is not None
        ]
        if self.price_min_cents is not None or self.price_max_cents is not None:
            names.append("price")
        if self.options:
            names.append("options")
        if self.in_stock_only:
            names.append("in_stock_only")
        return tuple(names)


@dataclass(frozen=True)
class ParsedQuery:
    """A shopper's words split into free text and structured filters."""

    text: str  # what remains for lexical/vector matching, e.g. "running shoes"
    filters: SearchFilters  # hard constraints: only facets and values the catalog has
    prefers_cheap: bool = False  # "cheap", "affordable", ...: sort by price if nothing else asked
    # uncertain readings (a colour word where few products have a colour, an option value
    # that is also a plain word): they raise matching products, never exclude the others;
    # their words stay in ``text``
    boosts: SearchFilters = field(default_factory=SearchFilters)


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
    category_path: tuple[str, ...] = ()  # the merchant's path, root first; () uncategorised


@dataclass(frozen=True)
class SearchResults:
    query: str
    filters: SearchFilters
    hits: tuple[ProductHit, ...]
    total: int  # matches before paging
    offset: int
    limit: int
    # facets of the requested filters that were dropped because with them nothing matched
    # ("colour", "size", "price", "options", ...): "no blue ones; here are the others".
    # ``filters`` holds what was really applied, so the dropped values are in the request.
    relaxed: tuple[str, ...] = ()
    # the words match nothing the shop sells (below the relevance floor): ``hits`` is empty
    # and ``nearest_category`` names the closest category the shop does have, if any
    no_match: bool = False
    nearest_category: str | None = None

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
    # No answer is confident, yet two entries reach the threshold almost tied: the question
    # may mean either ("when do I get my money back for a cancelled order": the refund time
    # or the cancellation), so both are worth offering. Empty otherwise.
    close_pair: tuple[FaqAnswer, ...] = ()

    @property
    def best(self) -> FaqAnswer | None:
        return self.answers[0] if self.answers else None
