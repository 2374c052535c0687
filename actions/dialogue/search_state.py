"""The product search a conversation is in: query, filters, sort and page.

Plain Python (no Rasa): the actions store ``SearchState.to_slot()`` in the
``search_state`` slot and rebuild it with ``SearchState.from_slot`` on the next turn.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

from knowledge.api import SearchFilters

PAGE_SIZE = 3
Sort = Literal["relevance", "price_asc"]

_TEXT_FILTERS = ("category", "subcategory", "colour", "size", "brand", "material")
_PRICE_FILTERS = ("price_min_cents", "price_max_cents")


def filters_from_dict(raw: object) -> SearchFilters:
    """SearchFilters from a slot value; fields of the wrong type are dropped."""
    if not isinstance(raw, dict):
        return SearchFilters()
    values: dict[str, Any] = {}
    for name in _TEXT_FILTERS:
        value = raw.get(name)
        if isinstance(value, str) and value.strip():
            values[name] = value.strip()
    for name in _PRICE_FILTERS:
        value = raw.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            values[name] = value
    if raw.get("in_stock_only") is True:
        values["in_stock_only"] = True
    options = raw.get("options")
    if isinstance(options, list | tuple):
        pairs = [
            (str(pair[0]).strip(), str(pair[1]).strip())
            for pair in options
            if isinstance(pair, list | tuple)
            and len(pair) == 2
            and all(isinstance(part, str) and part.strip() for part in pair)
        ]
        if pairs:
            values["options"] = tuple(pairs)
    return SearchFilters(**values)


@dataclass(frozen=True)
class SearchState:
    query: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: Sort = "relevance"
    page: int = 0

    @property
    def offset(self) -> int:
        return self.page * PAGE_SIZE

    @property
    def active(self) -> bool:
        return bool(self.query) or self.filters != SearchFilters()

    def refined(self, newer: SearchFilters, *, query: str | None = None) -> SearchState:
        return SearchState(
            query=query or self.query, filters=self.filters.merged(newer), sort=self.sort, page=0
        )

    def cheaper_than(self, cents: int) -> SearchState:
        ceiling = cents - 1
        current = self.filters.price_max_cents
        filters = replace(
            self.filters, price_max_cents=ceiling if current is None else min(current, ceiling)
        )
        if filters.price_min_cents is not None and filters.price_min_cents > ceiling:
            filters = replace(filters, price_min_cents=None)
        return SearchState(query=self.query, filters=filters, sort="price_asc", page=0)

    def next_page(self) -> SearchState:
        return replace(self, page=self.page + 1)

    def to_slot(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "filters": asdict(self.filters),
            "sort": self.sort,
            "page": self.page,
        }

    @classmethod
    def from_slot(cls, raw: object) -> SearchState:
        if not isinstance(raw, dict):
            return cls()
        query = raw.get("query")
        sort = raw.get("sort")
        page = raw.get("page")
        return cls(
            query=query if isinstance(query, str) else "",
            filters=filters_from_dict(raw.get("filters")),
            sort="price_asc" if sort == "price_asc" else "relevance",
            page=page if isinstance(page, int) and not isinstance(page, bool) and page >= 0 else 0,
        )


def entity_filters(
    values: dict[str, str | None], *, price_min_cents: int | None, price_max_cents: int | None
) -> SearchFilters:
    """SearchFilters from NLU entity values (names as in ``SearchFilters``)."""
    known = {f.name for f in fields(SearchFilters)}
    clean = {
        k: v.strip().lower()
        for k, v in values.items()
        if k in known and isinstance(v, str) and v.strip()
    }
    if "brand" in clean and values.get("brand"):
        clean["brand"] = str(values["brand"]).strip()  # brands keep their spelling
    return SearchFilters(
        category=clean.get("category"),
        subcategory=clean.get("subcategory"),
        colour=clean.get("colour"),
        size=clean.get("size"),
        brand=clean.get("brand"),
        material=clean.get("material"),
        price_min_cents=price_min_cents,
        price_max_cents=price_max_cents,
    )
