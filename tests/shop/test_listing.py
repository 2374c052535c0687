"""The storefront listing's filters (shop.listing) on a real SQLite demo shop.

Each test adds a few products of its own under a "Testing" category, so the expected
results are known without reading the generated catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shop.db import InventoryRow, LocationRow, ProductRow, VariantRow
from shop.listing import (
    CatalogListing,
    ListingFilters,
    category_for_slugs,
    category_slugs,
)
from shop.sql_service import SqlShopService
from shop.taxonomy import path_key

T0 = datetime(2025, 1, 1, tzinfo=UTC)
TESTING = ("Testing",)


@dataclass(frozen=True)
class V:
    colour: str | None = None
    size: str | None = None
    price: int = 1000
    was: int | None = None
    warehouse: int = 5  # stock at the first warehouse
    store: int = 0  # stock at the first store (cannot ship online)


def add_product(
    engine: Engine,
    pid: str,
    variants: list[V],
    *,
    path: tuple[str, ...] = (*TESTING, "Gadgets"),
    brand: str = "Acme",
    age_days: int = 0,
) -> None:
    with Session(engine) as session, session.begin():
        warehouse = session.scalar(
            select(LocationRow.code)
            .where(LocationRow.kind == "warehouse")
            .order_by(LocationRow.code)
        )
        store = session.scalar(
            select(LocationRow.code).where(LocationRow.kind == "store").order_by(LocationRow.code)
        )
        at = T0 + timedelta(days=age_days)
        session.add(
            ProductRow(
                id=pid,
                handle=pid.lower(),
                title=f"Test product {pid}",
                brand=brand,
                category_path=path_key(path),
                product_type="gadget",
                description="",
                material=None,
                attributes={},
                tags=[],
                collections=[],
                created_at=at,
                updated_at=at,
            )
        )
        session.flush()
        for position, v in enumerate(variants):
            sku = f"{pid}-{position}"
            options = [[k, val] for k, val in (("Colour", v.colour), ("Size", v.size)) if val]
            session.add(
                VariantRow(
                    sku=sku,
                    product_id=pid,
                    position=position,
                    size=v.size,
                    colour=v.colour,
                    options=options,
                    price_cents=v.price,
                    compare_at_cents=v.was,
                )
            )
            session.flush()
            session.add(InventoryRow(sku=sku, location_code=warehouse, on_hand=v.warehouse))
            session.add(InventoryRow(sku=sku, location_code=store, on_hand=v.store))


def ids(engine: Engine, **filters: object) -> list[str]:
    page = CatalogListing(engine).page(
        ListingFilters(category=TESTING, per_page=96, **filters)  # type: ignore[arg-type]
    )
    return [item.product_id for item in page.items]


def test_a_category_lists_its_products_and_those_of_its_subcategories(engine: Engine) -> None:
    add_product(engine, "TA", [V()], path=TESTING)
    add_product(engine, "TB", [V()], path=(*TESTING, "Gadgets"))
    add_product(engine, "TC", [V()], path=("testing", "gizmos"))  # other spelling, same tree
    add_product(engine, "TD", [V()], path=("Testingham",))
    assert sorted(ids(engine)) == ["TA", "TB", "TC"]


def test_like_wildcards_in_a_category_name_match_only_themselves(engine: Engine) -> None:
    add_product(engine, "TA", [V()], path=("Test_ng", "Sub"))
    add_product(engine, "TB", [V()], path=("Testing", "Sub"))
    page = CatalogListing(engine).page(ListingFilters(category=("Test_ng",)))
    assert [item.product_id for item in page.items] == ["TA"]


def test_a_price_range_keeps_products_with_a_variant_inside_it(engine: Engine) -> None:
    add_product(engine, "TA", [V(price=500), V(price=5000)])
    add_product(engine, "TB", [V(price=2500)])
    add_product(engine, "TC", [V(price=900), V(price=6000)])
    assert sorted(ids(engine, price_min_cents=2000, price_max_cents=5000)) == ["TA", "TB"]


def test_colour_and_size_must_be_one_and_the_same_variant(engine: Engine) -> None:
    add_product(engine, "TA", [V(colour="red", size="S"), V(colour="blue", size="M")])
    add_product(engine, "TB", [V(colour="Red", size="M")])
    assert ids(engine, colours=("red",), sizes=("m",)) == ["TB"]


def test_in_stock_only_counts_what_the_warehouses_can_ship(engine: Engine) -> None:
    add_product(engine, "TA", [V(warehouse=0, store=4)])
    add_product(engine, "TB", [V(warehouse=1)])
    assert ids(engine, in_stock_only=True) == ["TB"]


def test_the_price_shown_is_the_cheapest_matching_variant(engine: Engine) -> None:
    add_product(engine, "TA", [V(colour="red", price=1000), V(colour="blue", price=3000)])
    page = CatalogListing(engine).page(ListingFilters(category=TESTING, colours=("blue",)))
    assert [item.price_cents for item in page.items] == [3000]


def test_a_was_price_is_shown_only_above_the_price(engine: Engine) -> None:
    add_product(engine, "TA", [V(price=1000, was=1500)])
    add_product(engine, "TB", [V(price=2000, was=2000)])
    page = CatalogListing(engine).page(ListingFilters(category=TESTING))
    assert {i.product_id: i.compare_at_cents for i in page.items} == {"TA": 1500, "TB": None}


def test_sorting_by_price_ascending_and_descending(engine: Engine) -> None:
    add_product(engine, "TA", [V(price=3000)])
    add_product(engine, "TB", [V(price=1000)])
    add_product(engine, "TC", [V(price=2000)])
    assert (ids(engine, sort="price_asc"), ids(engine, sort="price_desc")) == (
        ["TB", "TC", "TA"],
        ["TA", "TC", "TB"],
    )


def test_newest_first(engine: Engine) -> None:
    add_product(engine, "TA", [V()], age_days=1)
    add_product(engine, "TB", [V()], age_days=3)
    add_product(engine, "TC", [V()], age_days=2)
    assert ids(engine, sort="newest") == ["TB", "TC", "TA"]


def test_relevance_puts_products_in_stock_first(engine: Engine) -> None:
    add_product(engine, "TA", [V(warehouse=0)])
    add_product(engine, "TB", [V(warehouse=2)])
    assert ids(engine) == ["TB", "TA"]


def test_a_brand_filter_ignores_case(engine: Engine) -> None:
    add_product(engine, "TA", [V()], brand="Nordpeak")
    add_product(engine, "TB", [V()], brand="Other")
    assert ids(engine, brands=("NORDPEAK",)) == ["TA"]


def test_pages_split_the_results_without_overlap(engine: Engine) -> None:
    for n in range(7):
        add_product(engine, f"T{n}", [V(price=1000 + n)])
    listing = CatalogListing(engine)
    pages = [
        listing.page(ListingFilters(category=TESTING, sort="price_asc", per_page=3, page=p))
        for p in (1, 2, 3)
    ]
    assert [[i.product_id for i in pg.items] for pg in pages] == [
        ["T0", "T1", "T2"],
        ["T3", "T4", "T5"],
        ["T6"],
    ]


def test_the_facets_are_the_values_of_the_category(engine: Engine) -> None:
    add_product(engine, "TA", [V(colour="red", size="M", price=700), V(colour="Red", size="S")])
    add_product(engine, "TB", [V(colour="blue", size="XL", price=4200)], brand="Zed")
    facets = CatalogListing(engine).facets(TESTING)
    assert (facets.colours, facets.sizes, facets.brands, facets.price_min_cents) == (
        ("blue", "Red"),
        ("S", "M", "XL"),
        ("Acme", "Zed"),
        700,
    )


def test_category_slugs_lead_back_to_the_category(shop: SqlShopService) -> None:
    tree = shop.category_tree()
    deepest = max(tree, key=lambda node: len(node.path))
    assert category_for_slugs(tree, category_slugs(deepest.path)) == deepest.path


def test_unknown_category_slugs_are_none(shop: SqlShopService) -> None:
    assert category_for_slugs(shop.category_tree(), ["no-such", "category"]) is None
