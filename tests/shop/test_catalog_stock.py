"""Catalog reads, vocabulary, fingerprint, availability and locations."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from shop.db import VariantRow
from shop.errors import ProductNotFound, VariantNotFound
from shop.sql_service import SqlShopService
from shop.vocabulary import vocabulary_of


def test_products_by_id_keep_order_and_skip_unknown(shop: SqlShopService) -> None:
    products = shop.get_products(["P00010", "nope", "P00002"])
    assert [p.id for p in products] == ["P00010", "P00002"]
    assert products[0] == shop.get_product("P00010")
    assert products[0].variants and products[0].title
    with pytest.raises(ProductNotFound):
        shop.get_product("nope")


def test_iter_products_walks_the_whole_catalog(shop: SqlShopService) -> None:
    ids = [p.id for p in shop.iter_products(batch_size=37)]
    assert len(ids) == shop.count_products() == len(set(ids))


def test_vocabulary_comes_from_the_catalog(shop: SqlShopService) -> None:
    vocabulary = shop.vocabulary()
    products = list(shop.iter_products())
    nodes = {segment.casefold() for p in products for segment in p.category_path}
    assert set(vocabulary.categories) == nodes
    assert {"shoes", "running shoes"} <= set(vocabulary.categories)
    assert set(vocabulary.subcategories) == {p.subcategory for p in products}
    assert {p.brand for p in products} == set(vocabulary.brands)
    assert "blue" in vocabulary.colours
    numeric = [s for s in vocabulary.sizes if s.isdigit()]
    assert numeric == sorted(numeric, key=int) and "42" in numeric
    synonyms = dict(vocabulary.synonyms)
    assert synonyms["running shoe"] == "running shoes"


def test_vocabulary_from_the_database_equals_the_vocabulary_of_its_products(
    shop: SqlShopService,
) -> None:
    assert shop.vocabulary() == vocabulary_of(shop.iter_products())


def test_category_tree_counts_products_under_each_node(shop: SqlShopService) -> None:
    tree = shop.category_tree()
    products = list(shop.iter_products())
    by_path = {node.path: node.product_count for node in tree}
    shoes = sum(1 for p in products if p.category_path[:1] == ("Shoes",))
    running = sum(1 for p in products if p.category_path == ("Shoes", "Running shoes"))
    assert by_path[("Shoes",)] == shoes
    assert by_path[("Shoes", "Running shoes")] == running > 0
    assert sum(n.product_count for n in tree if len(n.path) == 1) == len(products)
    seen: set[tuple[str, ...]] = set()
    for node in tree:  # parents before children
        assert len(node.path) == 1 or node.path[:-1] in seen
        seen.add(node.path)


def test_variants_keep_options_and_their_pictures(shop: SqlShopService) -> None:
    product = next(p for p in shop.iter_products() if len(p.colours) > 1)
    variant = product.variants[0]
    assert ("Colour", variant.colour) in variant.options
    assert variant.image is not None and variant.sku in variant.image.variant_skus
    assert variant.image.alt == f"{product.title} in {variant.colour}"
    assert product.images[0].alt == product.title and product.images[0].variant_skus == ()


def test_fingerprint_is_stable_and_changes_with_prices(
    shop: SqlShopService, engine: Engine
) -> None:
    before = shop.catalog_fingerprint()
    assert shop.catalog_fingerprint() == before
    with Session(engine) as session, session.begin():
        session.execute(
            update(VariantRow)
            .where(VariantRow.sku.like("P00003-%"))
            .values(price_cents=VariantRow.price_cents + 100)
        )
    assert shop.catalog_fingerprint() != before


def test_availability_per_location_and_online(shop: SqlShopService, data: Any) -> None:
    product = shop.get_product(data.product_with_variants(many=True))
    variant = product.variants[0]
    data.set_stock(variant.sku, "WH-PARIS", 5, reserved=2)
    data.set_stock(variant.sku, "WH-LILLE", 4)
    data.set_stock(variant.sku, "ST-LYON", 1)
    availability = shop.availability(product.id, size=variant.size, colour=variant.colour)
    per_code = {s.location.code: s.available for s in availability.per_location}
    assert availability.sku == variant.sku
    assert per_code["WH-PARIS"] == 3 and per_code["WH-LILLE"] == 4 and per_code["ST-LYON"] == 1
    assert availability.online_available == 7
    assert (availability.delivery_days_min, availability.delivery_days_max) == (2, 4)
    assert {s.location.kind for s in availability.per_location} == {"warehouse", "store"}


def test_sold_out_online_means_restock_delay(shop: SqlShopService, data: Any) -> None:
    product = shop.get_product(data.product_with_variants(many=False))
    sku = product.variants[0].sku
    for code in data.warehouse_codes():
        data.set_stock(sku, code, 0)
    data.set_stock(sku, "ST-BORDEAUX", 2)
    availability = shop.availability(product.id)
    assert availability.online_available == 0 and not availability.in_stock_online
    assert availability.delivery_days_min >= 7
    assert product.id not in shop.in_stock_product_ids([product.id])
    bordeaux = [s for s in availability.per_location if s.location.code == "ST-BORDEAUX"]
    assert bordeaux[0].available == 2


def test_availability_of_a_missing_variant_lists_what_exists(
    shop: SqlShopService, data: Any
) -> None:
    product = shop.get_product(data.product_with_variants(many=True))
    with pytest.raises(VariantNotFound) as caught:
        shop.availability(product.id, colour="ultraviolet")
    assert set(caught.value.available_colours) == set(product.colours)


def test_find_location_understands_names_cities_and_codes(shop: SqlShopService) -> None:
    for text in ("lyon", "Lyon store", "ST-LYON", "the Lyon shop", "st lyon"):
        location = shop.find_location(text)
        assert location is not None and location.code == "ST-LYON", text
    paris = shop.find_location("Paris warehouse")
    assert paris is not None and paris.kind == "warehouse"
    assert shop.find_location("Berlin") is None
    assert shop.find_location("") is None


def test_in_stock_ids_match_availability_and_are_fast(shop: SqlShopService) -> None:
    ids = [p.id for p in shop.iter_products()][:200]
    started = time.perf_counter()
    in_stock = shop.in_stock_product_ids([*ids, "unknown"])
    assert time.perf_counter() - started < 0.5
    for product_id in ids[:40]:
        assert (product_id in in_stock) == shop.availability(product_id).in_stock_online
    assert "unknown" not in in_stock


def test_online_stock_of_many_products_is_each_ones_availability(
    shop: SqlShopService, data: Any
) -> None:
    sold_out = shop.get_product(data.product_with_variants(many=False))
    for code in data.warehouse_codes():
        data.set_stock(sold_out.variants[0].sku, code, 0)
    ids = [sold_out.id, *(p.id for p in shop.iter_products() if p.id != sold_out.id)][:60]

    online = shop.online_available([*ids, ids[1]])

    assert online == {pid: shop.availability(pid).online_available for pid in ids}
    assert online[sold_out.id] == 0
