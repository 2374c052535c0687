"""The storefront's product listing: one category's products, filtered, sorted and paged.

The rule the filters follow, written once here: a product is listed when ONE of its
variants matches every variant filter together (colour, size, price range, in stock), so
"size M, in stock, under 50" never lists a product whose only M is sold out or expensive.
The price shown is the lowest price among the matching variants, and the sort by price
uses that price. Brand and category are product filters. Everything runs in SQL over the
tables of ``shop.db`` (SQLite and PostgreSQL), one query for the page and one for its count;
nothing here knows a category, colour or brand name: they come from the catalog.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, Engine, Select, case, func, or_, select
from sqlalchemy.orm import Session

from shop.api import CategoryNode, CategoryPath
from shop.db import ImageRow, InventoryRow, LocationRow, ProductRow, VariantRow
from shop.sessions import shop_session
from shop.slugs import slugify
from shop.taxonomy import path_key
from shop.variants import size_sort_key

SortOrder = Literal["relevance", "price_asc", "price_desc", "newest"]
SORT_ORDERS: tuple[SortOrder, ...] = get_args(SortOrder)
MAX_PER_PAGE = 96

# on hand minus reserved, never below 0 (as in shop.sql_service)
_AVAILABLE = case(
    (InventoryRow.on_hand > InventoryRow.reserved, InventoryRow.on_hand - InventoryRow.reserved),
    else_=0,
)


@dataclass(frozen=True)
class ListingFilters:
    """What the shopper asked for on a listing page; every filter is optional."""

    category: CategoryPath = ()  # () = the whole catalog
    price_min_cents: int | None = None
    price_max_cents: int | None = None
    colours: tuple[str, ...] = ()  # any of them (case-insensitive)
    sizes: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    in_stock_only: bool = False
    sort: SortOrder = "relevance"
    page: int = 1  # 1-based; past the end gives an empty page
    per_page: int = 24


@dataclass(frozen=True)
class ListingItem:
    product_id: str
    handle: str
    title: str
    brand: str
    price_cents: int  # the lowest price among the variants that match the filters
    compare_at_cents: int | None  # a "was" price above it, when a matching variant is on sale
    in_stock: bool  # a matching variant can ship from a warehouse now
    image_url: str | None
    image_alt: str


@dataclass(frozen=True)
class Facets:
    """The values the filters of one category can take, from its products."""

    colours: tuple[str, ...]
    sizes: tuple[str, ...]  # in size order
    brands: tuple[str, ...]
    price_min_cents: int | None
    price_max_cents: int | None


@dataclass(frozen=True)
class ListingPage:
    items: tuple[ListingItem, ...]
    total: int  # products matching, over every page
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def category_slugs(path: CategoryPath) -> tuple[str, ...]:
    """The URL segments of a category: ("Home", "Bed & Bath") -> ("home", "bed-bath")."""
    return tuple(slugify(segment) or "-" for segment in path)


def category_for_slugs(tree: Sequence[CategoryNode], slugs: Sequence[str]) -> CategoryPath | None:
    """The category whose URL segments are ``slugs`` (first in tree order), else None."""
    wanted = tuple(slugs)
    for node in tree:
        if category_slugs(node.path) == wanted:
            return node.path
    return None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _in_category(path: CategoryPath) -> ColumnElement[bool] | None:
    """The category itself and everything under it, case-insensitive like the tree."""
    if not path:
        return None
    key = path_key(path).casefold()
    stored = func.lower(ProductRow.category_path)
    return or_(stored == key, stored.like(_like_escape(key) + " > %", escape="\\"))


def _online_stock() -> Select[str, Any]:
    return (
        select(InventoryRow.sku, func.sum(_AVAILABLE).label("available"))
        .join(LocationRow, LocationRow.code == InventoryRow.location_code)
        .where(LocationRow.kind == "warehouse")
        .group_by(InventoryRow.sku)
    )


def _folded(values: Sequence[str]) -> list[str]:
    return sorted({v.strip().casefold() for v in values if v.strip()})


class CatalogListing:
    """Listing queries over the shop database (read only)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def page(self, filters: ListingFilters) -> ListingPage:
        per_page = min(max(filters.per_page, 1), MAX_PER_PAGE)
        page = max(filters.page, 1)
        # what the warehouses can ship of each variant, looked up per variant (the
        # inventory's key starts with the SKU) so only the category's variants are summed
        available = (
            select(func.coalesce(func.sum(_AVAILABLE), 0))
            .select_from(InventoryRow)
            .join(LocationRow, LocationRow.code == InventoryRow.location_code)
            .where(InventoryRow.sku == VariantRow.sku, LocationRow.kind == "warehouse")
            .correlate(VariantRow)
            .scalar_subquery()
        )
        conditions: list[ColumnElement[bool]] = []
        if filters.price_min_cents is not None:
            conditions.append(VariantRow.price_cents >= filters.price_min_cents)
        if filters.price_max_cents is not None:
            conditions.append(VariantRow.price_cents <= filters.price_max_cents)
        if filters.colours:
            conditions.append(func.lower(VariantRow.colour).in_(_folded(filters.colours)))
        if filters.sizes:
            conditions.append(func.lower(VariantRow.size).in_(_folded(filters.sizes)))
        if filters.in_stock_only:
            conditions.append(available > 0)
        category = _in_category(filters.category)
        if category is not None:
            conditions.append(category)
        if filters.brands:
            conditions.append(func.lower(ProductRow.brand).in_(_folded(filters.brands)))
        matching = (
            select(
                VariantRow.product_id.label("product_id"),
                func.min(VariantRow.price_cents).label("price"),
                func.max(VariantRow.compare_at_cents).label("compare_at"),
                func.max(available).label("available"),
            )
            .join(ProductRow, ProductRow.id == VariantRow.product_id)
            .where(*conditions)
            .group_by(VariantRow.product_id)
            .subquery()
        )
        in_stock = matching.c.available > 0
        order = {
            # in-stock products first, then the merchant's catalog order
            "relevance": (in_stock.desc(), ProductRow.id),
            "price_asc": (matching.c.price.asc(), ProductRow.id),
            "price_desc": (matching.c.price.desc(), ProductRow.id),
            "newest": (ProductRow.created_at.desc(), ProductRow.id),
        }[filters.sort]
        base = select(ProductRow, matching.c.price, matching.c.compare_at, in_stock).join(
            matching, matching.c.product_id == ProductRow.id
        )
        with shop_session(self._engine) as session:
            total = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
            rows = session.execute(
                base.order_by(*order).limit(per_page).offset((page - 1) * per_page)
            ).all()
            ids = [row[0].id for row in rows]
            first_images = self._first_images(session, ids)
            items = tuple(
                ListingItem(
                    product_id=product.id,
                    handle=product.handle,
                    title=product.title,
                    brand=product.brand,
                    price_cents=int(low),
                    compare_at_cents=int(was) if was is not None and was > low else None,
                    in_stock=bool(stocked),
                    image_url=first_images.get(product.id, (None, product.title))[0],
                    image_alt=first_images.get(product.id, (None, product.title))[1],
                )
                for product, low, was, stocked in rows
            )
        return ListingPage(items=items, total=total, page=page, per_page=per_page)

    @staticmethod
    def _first_images(session: Session, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        first: dict[str, tuple[str, str]] = {}
        if not ids:
            return first
        rows = session.execute(
            select(ImageRow.product_id, ImageRow.url, ImageRow.alt)
            .where(ImageRow.product_id.in_(ids))
            .order_by(ImageRow.product_id, ImageRow.position, ImageRow.id)
        )
        for product_id, url, alt in rows:
            first.setdefault(product_id, (url, alt))
        return first

    def facets(self, category: CategoryPath = ()) -> Facets:
        """Colours, sizes, brands and the price range of the category's products."""
        condition = _in_category(category)
        where = [condition] if condition is not None else []
        joined = select(VariantRow).join(ProductRow, ProductRow.id == VariantRow.product_id)
        with shop_session(self._engine) as session:
            colours = session.scalars(
                joined.with_only_columns(VariantRow.colour).where(*where).distinct()
            ).all()
            sizes = session.scalars(
                joined.with_only_columns(VariantRow.size).where(*where).distinct()
            ).all()
            brands = session.scalars(select(ProductRow.brand).where(*where).distinct()).all()
            prices = session.execute(
                joined.with_only_columns(
                    func.min(VariantRow.price_cents), func.max(VariantRow.price_cents)
                ).where(*where)
            ).one()
        return Facets(
            colours=_distinct_folded(colours),
            sizes=tuple(sorted(_distinct_folded(sizes), key=size_sort_key)),
            brands=_distinct_folded(brands),
            price_min_cents=prices[0],
            price_max_cents=prices[1],
        )

    def product_id_for_handle(self, handle: str) -> str | None:
        with shop_session(self._engine) as session:
            return session.scalar(select(ProductRow.id).where(ProductRow.handle == handle))

    def online_stock(self, skus: Sequence[str]) -> dict[str, int]:
        """What the warehouses can ship now, per SKU (0 for a SKU with no stock row)."""
        if not skus:
            return {}
        query = _online_stock().where(InventoryRow.sku.in_(list(skus)))
        with shop_session(self._engine) as session:
            found = {sku: int(n or 0) for sku, n in session.execute(query)}
        return {sku: found.get(sku, 0) for sku in skus}

    def image_owner(self, url: str) -> tuple[str, str] | None:
        """(product type, title) of the product an image URL belongs to, if any."""
        with shop_session(self._engine) as session:
            row = session.execute(
                select(ProductRow.product_type, ProductRow.title)
                .join(ImageRow, ImageRow.product_id == ProductRow.id)
                .where(ImageRow.url == url)
                .limit(1)
            ).first()
        return (row[0] or "", row[1]) if row else None

    def variant_product(self, sku: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
        """(product id, options) of a SKU, if it exists."""
        with shop_session(self._engine) as session:
            row = session.execute(
                select(VariantRow.product_id, VariantRow.options).where(VariantRow.sku == sku)
            ).first()
        if row is None:
            return None
        return row[0], tuple((str(n), str(v)) for n, v in row[1] or ())


def _distinct_folded(values: Sequence[str | None]) -> tuple[str, ...]:
    """Non-empty values, one spelling per case-insensitive value, sorted."""
    seen: dict[str, str] = {}
    for value in sorted(v for v in values if v and v.strip()):
        seen.setdefault(value.casefold(), value)
    return tuple(sorted(seen.values(), key=str.casefold))


__all__ = [
    "SORT_ORDERS",
    "CatalogListing",
    "Facets",
    "ListingFilters",
    "ListingItem",
    "ListingPage",
    "SortOrder",
    "category_for_slugs",
    "category_slugs",
]
