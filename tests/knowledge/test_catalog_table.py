"""The side table applies colour, size and price to the same variant."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from knowledge.api import SearchFilters
from knowledge.catalog_table import NO_PRICE, CatalogTable
from tests.knowledge.helpers import product

SHOE = product(
    "S1",
    "Aerorun",
    category="shoes",
    subcategory="running shoes",
    brand="Stride",
    material="mesh",
    variants=(
        ("42", "blue", 9000),
        ("42", "red", 7000),
        ("40", "blue", 7000),
        ("44", "blue", 7500),
    ),
)
BOOT = product(
    "S2",
    "Ridge",
    category="shoes",
    subcategory="hiking boots",
    brand="Northpeak",
    material="leather",
    variants=(("42", "Navy", 12000), ("43", "grey", 11000)),
)
MUG = product("S3", "Mug", variants=((None, "white", 1500),))


def _table() -> CatalogTable:
    return CatalogTable.from_products([SHOE, BOOT, MUG])


def _matches(table: CatalogTable, filters: SearchFilters) -> dict[str, int]:
    mask, price = table.match(filters)
    return {table.ids[i]: int(price[i]) for i in np.flatnonzero(mask)}


def test_colour_size_and_price_must_hold_on_one_variant() -> None:
    table = _table()
    # Blue exists, size 42 exists, under 80 exists: but not on one variant.
    assert _matches(table, SearchFilters(colour="blue", size="42", price_max_cents=8000)) == {}
    assert _matches(table, SearchFilters(colour="blue", price_max_cents=8000)) == {"S1": 7000}
    assert _matches(table, SearchFilters(colour="blue", size="44")) == {"S1": 7500}


def test_price_from_is_the_cheapest_matching_variant() -> None:
    table = _table()
    assert _matches(table, SearchFilters(size="42")) == {"S1": 7000, "S2": 12000}
    assert _matches(table, SearchFilters(colour="blue", size="42")) == {"S1": 9000}
    assert _matches(table, SearchFilters()) == {"S1": 7000, "S2": 11000, "S3": 1500}


def test_values_compare_without_case_plural_or_synonym_trouble() -> None:
    table = _table()
    assert set(_matches(table, SearchFilters(subcategory="Running Shoe"))) == {"S1"}
    assert set(_matches(table, SearchFilters(colour="navy"))) == {"S2"}
    assert set(_matches(table, SearchFilters(colour="gray"))) == {"S2"}
    assert set(_matches(table, SearchFilters(brand="NORTHPEAK", material="Leather"))) == {"S2"}


def test_unknown_values_match_nothing() -> None:
    table = _table()
    assert _matches(table, SearchFilters(brand="Nobody")) == {}
    assert _matches(table, SearchFilters(size="50")) == {}
    assert _matches(table, SearchFilters(price_min_cents=20000)) == {}


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    table = _table()
    table.save(tmp_path)
    loaded = CatalogTable.load(tmp_path)
    assert loaded.rows == table.rows
    filters = SearchFilters(colour="blue", size="44", category="shoes")
    assert _matches(loaded, filters) == _matches(table, filters)
    mask, price = loaded.match(SearchFilters(colour="green"))
    assert not mask.any() and (price == NO_PRICE).all()


def test_a_material_word_matches_every_material_that_holds_it() -> None:
    boot = product("S4", "Crest", material="full-grain leather", variants=(("41", "brown", 9000),))
    table = CatalogTable.from_products([SHOE, BOOT, MUG, boot])
    assert set(_matches(table, SearchFilters(material="leather"))) == {"S2", "S4"}


def test_options_and_category_nodes() -> None:
    table_product = product(
        "T1",
        "Fenwick",
        path=("Home", "Furniture", "Tables"),
        variants=((None, None, 20000), (None, None, 25000)),
        options=((("Wood", "Oak"),), (("Wood", "Walnut"),)),
    )
    table = CatalogTable.from_products([SHOE, table_product])
    assert _matches(table, SearchFilters(options=(("wood", "walnut"),))) == {"T1": 25000}
    assert _matches(table, SearchFilters(options=(("", "oak"),))) == {"T1": 20000}
    assert _matches(table, SearchFilters(options=(("legs", "oak"),))) == {}
    assert set(_matches(table, SearchFilters(category="furniture"))) == {"T1"}
    assert set(_matches(table, SearchFilters(category="Home"))) == {"T1"}


def test_coverage_says_how_many_products_have_each_facet() -> None:
    coverage = CatalogTable.from_products([SHOE, BOOT, MUG]).coverage()
    assert coverage["size"] == 2 / 3
    assert coverage["colour"] == 1.0
    assert coverage["options"] == 1.0  # size and colour options
