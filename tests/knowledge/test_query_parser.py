"""The query parser splits shopper words into free text and filters."""

from __future__ import annotations

from dataclasses import replace

import pytest

from knowledge.api import SearchFilters
from knowledge.query_parser import QueryParser
from shop.api import CatalogVocabulary

VOCABULARY = CatalogVocabulary(
    categories=("shoes", "fashion", "electronics", "home", "sport", "outdoor", "accessories"),
    subcategories=(
        "running shoes",
        "hiking boots",
        "sneakers",
        "rain jackets",
        "t-shirts",
        "dresses",
        "headphones",
        "sweaters",
    ),
    brands=("Stride", "Northpeak", "Maison Rive", "Adidas"),
    colours=("black", "blue", "grey", "red", "white", "green"),
    sizes=("XS", "S", "M", "L", "XL", "XXL", "40", "41", "42", "43", "44"),
    materials=("leather", "cotton", "wool", "mesh"),
)


@pytest.fixture(scope="module")
def parser() -> QueryParser:
    return QueryParser(VOCABULARY)


def test_the_reference_query(parser: QueryParser) -> None:
    parsed = parser.parse("running shoes under 80 in size 42")
    assert parsed.text == "running shoes"
    assert parsed.filters == SearchFilters(
        subcategory="running shoes", size="42", price_max_cents=8000
    )


@pytest.mark.parametrize(
    ("query", "low", "high"),
    [
        ("sneakers under 80", None, 8000),
        ("sneakers below €80", None, 8000),
        ("sneakers less than 80 euros", None, 8000),
        ("sneakers up to 79.99", None, 7999),
        ("sneakers 80€ max", None, 8000),
        ("sneakers over 100", 10000, None),
        ("sneakers more than 100 eur", 10000, None),
        ("sneakers between 50 and 100", 5000, 10000),
        ("sneakers from 100 to 50 euros", 5000, 10000),
        ("sneakers 50-100 €", 5000, 10000),
        ("sneakers for 60 euros", None, 6000),
    ],
)
def test_prices(parser: QueryParser, query: str, low: int | None, high: int | None) -> None:
    parsed = parser.parse(query)
    assert (parsed.filters.price_min_cents, parsed.filters.price_max_cents) == (low, high)
    assert parsed.text == "sneakers"


def test_cheap_sets_no_number_but_asks_for_low_prices(parser: QueryParser) -> None:
    parsed = parser.parse("cheap red dresses")
    assert parsed.filters.price_max_cents is None and parsed.filters.price_min_cents is None
    assert parsed.prefers_cheap
    assert parsed.filters.colour == "red"
    assert parsed.text == "dresses"


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("hiking boots size 44", "44"),
        ("hiking boots in size 41", "41"),
        ("hiking boots eu 43", "43"),
        ("t-shirts size m", "M"),
        ("t-shirts in medium", "M"),
        ("t-shirts size extra large", "XL"),
        ("t-shirts XXL", "XXL"),
    ],
)
def test_sizes(parser: QueryParser, query: str, size: str) -> None:
    parsed = parser.parse(query)
    assert parsed.filters.size == size
    assert "size" not in parsed.text and size.lower() not in parsed.text.split()


@pytest.mark.parametrize(
    ("word", "colour"),
    [("blue", "blue"), ("Navy", "blue"), ("gray", "grey"), ("GREY", "grey"), ("charcoal", "grey")],
)
def test_colours_and_synonyms(parser: QueryParser, word: str, colour: str) -> None:
    parsed = parser.parse(f"{word} sweaters")
    assert parsed.filters.colour == colour
    assert parsed.text == "sweaters"


def test_colour_alone_leaves_no_text(parser: QueryParser) -> None:
    parsed = parser.parse("any in blue?")
    assert parsed.text == ""
    assert parsed.filters == SearchFilters(colour="blue")


def test_brand_material_and_stock(parser: QueryParser) -> None:
    parsed = parser.parse("Maison Rive wool sweater in stock")
    assert parsed.filters == SearchFilters(
        subcategory="sweaters", brand="Maison Rive", material="wool", in_stock_only=True
    )
    assert parsed.text == "sweater"


def test_case_plurals_and_typos(parser: QueryParser) -> None:
    assert parser.parse("RUNNING SHOE").filters.subcategory == "running shoes"
    assert parser.parse("Headphone").filters.subcategory == "headphones"
    typo = parser.parse("runing shoes from addidas")
    assert typo.filters.subcategory == "running shoes"
    assert typo.filters.brand == "Adidas"
    assert typo.text == "running shoes"


def test_category_word(parser: QueryParser) -> None:
    parsed = parser.parse("I'm looking for leather shoes")
    assert parsed.filters == SearchFilters(category="shoes", material="leather")
    assert parsed.text == "shoes"


def test_plain_words_are_kept(parser: QueryParser) -> None:
    parsed = parser.parse("a waterproof jacket for hiking")
    assert parsed.filters == SearchFilters()
    assert parsed.text == "waterproof jacket hiking"


def test_numbers_without_price_words_are_not_prices(parser: QueryParser) -> None:
    parsed = parser.parse("t-shirts 2 pack")
    assert parsed.filters.price_max_cents is None and parsed.filters.price_min_cents is None
    assert parsed.text == "t-shirts 2 pack"


@pytest.mark.parametrize(
    ("query", "low", "high", "size"),
    [
        ("sneakers under fifty euros", None, 5000, None),
        ("sneakers in size forty two", None, None, "42"),
        ("sneakers size forty-one under a hundred", None, 10000, "41"),
        ("sneakers between twenty and forty", 2000, 4000, None),
        ("sneakers for five euros", None, 500, None),
        ("sneakers under one hundred and twenty", None, 12000, None),
    ],
)
def test_amounts_and_sizes_typed_as_words(
    parser: QueryParser, query: str, low: int | None, high: int | None, size: str | None
) -> None:
    parsed = parser.parse(query)
    assert (parsed.filters.price_min_cents, parsed.filters.price_max_cents) == (low, high)
    assert parsed.filters.size == size
    assert parsed.text == "sneakers"


@pytest.mark.parametrize(
    "query", ["the one in red with two straps", "sneakers in more than one colour"]
)
def test_other_number_words_are_no_price_nor_size(parser: QueryParser, query: str) -> None:
    parsed = parser.parse(query)
    assert parsed.filters.price_min_cents is None and parsed.filters.price_max_cents is None
    assert parsed.filters.size is None


def test_empty_and_filler_only(parser: QueryParser) -> None:
    assert parser.parse("").text == ""
    assert parser.parse("show me something please").text == ""


# A merchant's catalog that is not the demo: furniture and jewellery with options.
FURNITURE = CatalogVocabulary(
    categories=("home", "furniture", "sofas", "tables", "jewellery", "earrings"),
    subcategories=("sofas", "tables", "earrings"),
    brands=("Holmwood",),
    colours=("cream", "green"),
    sizes=(),
    materials=("linen", "solid wood"),
    options=(("metal", ("gold", "silver")), ("wood", ("oak", "walnut"))),
    synonyms=(("sofa", "sofas"), ("couch", "sofas"), ("table", "tables"), ("earring", "earrings")),
)


@pytest.fixture(scope="module")
def furniture() -> QueryParser:
    return QueryParser(FURNITURE)


def test_an_option_value_after_in_is_a_filter(furniture: QueryParser) -> None:
    parsed = furniture.parse("do you have the table in oak?")
    assert parsed.filters == SearchFilters(subcategory="tables", options=(("wood", "oak"),))
    assert parsed.text == "table"


def test_an_option_value_alone_is_a_filter(furniture: QueryParser) -> None:
    parsed = furniture.parse("gold ones?")
    assert parsed.filters == SearchFilters(options=(("metal", "gold"),))
    assert parsed.text == ""


def test_the_option_name_beside_its_value_goes_with_it(furniture: QueryParser) -> None:
    parsed = furniture.parse("table in walnut wood")
    assert parsed.filters.options == (("wood", "walnut"),)
    assert parsed.text == "table"


def test_synonyms_of_categories_come_from_the_catalog(furniture: QueryParser) -> None:
    assert furniture.parse("a couch").filters.subcategory == "sofas"


def test_a_category_word_before_another_is_not_the_thing_asked_for(
    furniture: QueryParser,
) -> None:
    parsed = furniture.parse("sofa table")
    assert parsed.filters == SearchFilters(subcategory="tables")
    assert parsed.boosts == SearchFilters(subcategory="sofas")
    assert parsed.text == "sofa table"


def test_a_category_after_for_is_a_complement(parser: QueryParser) -> None:
    parsed = parser.parse("laces for sneakers")
    assert parsed.filters == SearchFilters()
    assert parsed.boosts == SearchFilters(subcategory="sneakers")
    assert parsed.text == "laces sneakers"


def test_a_colour_the_catalog_lacks_stays_a_word(furniture: QueryParser) -> None:
    parsed = furniture.parse("blue sofa")
    assert parsed.filters == SearchFilters(subcategory="sofas")
    assert parsed.text == "blue sofa"


def test_colours_in_a_catalog_where_few_products_have_one_only_boost() -> None:
    parser = QueryParser(VOCABULARY, coverage={"colour": 0.02})
    parsed = parser.parse("painter blue tape")
    assert parsed.filters == SearchFilters()
    assert parsed.boosts == SearchFilters(colour="blue")
    assert parsed.text == "painter blue tape"


def test_a_value_word_last_after_a_plain_word_only_boosts(parser: QueryParser) -> None:
    parsed = parser.parse("bed linen cotton")
    assert parsed.filters == SearchFilters()
    assert parsed.boosts == SearchFilters(material="cotton")


def test_sizes_as_a_word_is_not_size_s(parser: QueryParser) -> None:
    parsed = parser.parse("what sizes do the sneakers come in")
    assert parsed.filters.size is None


def test_a_size_the_catalog_does_not_have_is_not_a_filter(parser: QueryParser) -> None:
    parsed = parser.parse("hiking boots size 47")
    assert parsed.filters == SearchFilters(subcategory="hiking boots")


def test_no_sizes_in_the_catalog_means_no_size_filter(furniture: QueryParser) -> None:
    assert furniture.parse("sofa in large").filters.size is None


def test_in_after_a_number_is_inches_not_a_stop_word(parser: QueryParser) -> None:
    parsed = parser.parse("30 in wall oven")
    assert parsed.text == "30 in wall oven"
    assert parsed.filters == SearchFilters()


def test_a_number_before_a_measure_is_not_a_price(parser: QueryParser) -> None:
    parsed = parser.parse("vanity under 36 in")
    assert parsed.filters.price_max_cents is None


def test_under_a_price_then_in_a_size_is_still_a_price(parser: QueryParser) -> None:
    parsed = parser.parse("sneakers under 50 in blue")
    assert parsed.filters == SearchFilters(
        subcategory="sneakers", colour="blue", price_max_cents=5000
    )


def test_a_word_the_catalog_lacks_is_not_corrected_into_another() -> None:
    parser = QueryParser(replace(FURNITURE, subcategories=(*FURNITURE.subcategories, "hair care")))
    assert parser.parse("office chair").text == "office chair"
