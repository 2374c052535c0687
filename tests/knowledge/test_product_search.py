"""Hybrid product search over a real index: exact filters, relaxing, boosts, fusion, floor."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from knowledge.api import SearchFilters, SearchResults
from knowledge.base import KnowledgeBase
from knowledge.errors import InvalidSearch
from knowledge.product_search import WEIGHT_DIGITS, WEIGHT_RARE, Mode
from shop.api import Product
from shop.demo.catalog import demo_in_stock
from shop.vocabulary import vocabulary_of


def _holds(product: Product, field: str, wanted: str) -> bool:
    wanted = wanted.lower()
    if field == "category":
        return wanted in (node.lower() for node in product.category_path)
    if field == "material":
        return set(wanted.split()) <= set((product.material or "").lower().split())
    return (getattr(product, field) or "").lower() == wanted


def cheapest_match(product: Product, filters: SearchFilters) -> int | None:
    """Brute force: the cheapest variant matching every filter, or None."""
    for field in ("category", "subcategory", "brand", "material"):
        wanted = getattr(filters, field)
        if wanted is not None and not _holds(product, field, wanted):
            return None
    prices = [
        v.price_cents
        for v in product.variants
        if (filters.colour is None or (v.colour or "").lower() == filters.colour.lower())
        and (filters.size is None or v.size == filters.size)
        and (filters.price_min_cents is None or v.price_cents >= filters.price_min_cents)
        and (filters.price_max_cents is None or v.price_cents <= filters.price_max_cents)
        and all((v.option(name) or "").lower() == value.lower() for name, value in filters.options)
    ]
    return min(prices) if prices else None


def all_pages(kb: KnowledgeBase, text: str, filters: SearchFilters) -> list[str]:
    ids: list[str] = []
    offset = 0
    while True:
        page = kb.products.search(text, filters, limit=50, offset=offset, relax=False)
        ids.extend(hit.product_id for hit in page.hits)
        if not page.has_more:
            return ids
        offset += 50


def random_filters(catalog: list[Product], rng: random.Random) -> SearchFilters:
    vocabulary = vocabulary_of(catalog)
    sample = rng.choice(catalog)
    variant = rng.choice(sample.variants)
    choices: dict[str, object] = {
        "category": rng.choice(sample.category_path),
        "subcategory": sample.subcategory,
        "brand": rng.choice(vocabulary.brands),
        "colour": variant.colour,
        "size": variant.size,
        "material": sample.material,
        "price_max_cents": variant.price_cents + rng.choice((0, 1500, -1)),
        "price_min_cents": variant.price_cents - rng.choice((0, 3000)),
    }
    picked = rng.sample(sorted(choices), k=rng.randint(1, 4))
    return SearchFilters(**{k: choices[k] for k in picked})  # type: ignore[arg-type]


def test_filters_are_never_violated(kb: KnowledgeBase, catalog: list[Product]) -> None:
    by_id = {p.id: p for p in catalog}
    rng = random.Random(5)
    texts = ["", "shoes", "warm jacket", "headphones with long battery", "gift"]
    for _ in range(40):
        filters = random_filters(catalog, rng)
        text = rng.choice(texts)
        results = kb.products.search(text, filters, limit=50, relax=False)
        for hit in results.hits:
            expected = cheapest_match(by_id[hit.product_id], filters)
            assert expected is not None, (text, filters, hit)
            assert hit.price_from_cents == expected, (text, filters, hit)
        if text == "":
            # No text: exactly the filtered catalog, nothing more, nothing less.
            wanted = {p.id for p in catalog if cheapest_match(p, filters) is not None}
            assert set(all_pages(kb, "", filters)) == wanted
            assert results.total == len(wanted)


def test_colour_size_price_hold_on_the_same_variant(
    kb: KnowledgeBase, catalog: list[Product]
) -> None:
    results = kb.search("running shoes under 80 in size 42")
    assert results.filters.size == "42" and results.filters.price_max_cents == 8000
    assert results.hits, "the test catalog has running shoes under 80 in size 42"
    by_id = {p.id: p for p in catalog}
    for hit in results.hits:
        product = by_id[hit.product_id]
        assert product.subcategory == "running shoes"
        assert any(v.size == "42" and v.price_cents <= 8000 for v in product.variants)
        assert hit.price_from_cents <= 8000


def test_a_category_filter_matches_every_node_of_the_path(
    kb: KnowledgeBase, catalog: list[Product]
) -> None:
    furniture = kb.products.search("", SearchFilters(category="furniture"), limit=50)
    assert {hit.product_id for hit in furniture.hits} == {"H00003", "H00004"}
    home = kb.products.search("", SearchFilters(category="Home"), limit=50)
    assert home.total == sum("Home" in p.category_path for p in catalog)


def test_option_values_filter_on_the_same_variant(kb: KnowledgeBase) -> None:
    results = kb.search("coffee table in walnut")
    # walnut is a value of two options here (wood, legs): it is matched under either
    assert results.filters.options == (("", "walnut"),)
    assert [hit.product_id for hit in results.hits] == ["H00003"]
    assert results.hits[0].price_from_cents == 27900  # the walnut variant, not the oak one


def test_a_filter_that_empties_the_page_is_dropped_and_named(kb: KnowledgeBase) -> None:
    results = kb.search("sofa in blue")  # the sofa comes in cream and green only
    assert results.relaxed == ("colour",)
    assert results.filters.colour is None and results.filters.subcategory == "sofas"
    assert [hit.product_id for hit in results.hits] == ["H00004"]


def test_without_relaxing_an_impossible_filter_finds_nothing(kb: KnowledgeBase) -> None:
    filters = SearchFilters(subcategory="sofas", colour="blue")
    results = kb.products.search("sofa", filters, relax=False)
    assert (results.total, results.relaxed) == (0, ())


def test_boosts_raise_without_excluding(kb: KnowledgeBase) -> None:
    plain = kb.products.search("hoop earrings", None, limit=10)
    boosted = kb.products.search(
        "hoop earrings", None, limit=10, boosts=SearchFilters(options=(("", "gold"),))
    )
    assert boosted.total == plain.total  # nothing excluded
    assert boosted.hits[0].product_id == "H00005"
    assert boosted.hits[0].score > plain.hits[0].score


def test_filters_only_query_returns_filtered_products(
    kb: KnowledgeBase, catalog: list[Product]
) -> None:
    results = kb.search("blue", limit=10)
    assert results.query == ""
    blue = {p.id for p in catalog if "blue" in p.colours}
    assert results.total == len(blue) > 10
    assert {hit.product_id for hit in results.hits} <= blue


def test_paging_covers_every_match_once(kb: KnowledgeBase) -> None:
    filters = SearchFilters(category="shoes")
    first = kb.products.search("comfortable shoes", filters, limit=7)
    seen: list[str] = []
    offset = 0
    while True:
        page = kb.products.search("comfortable shoes", filters, limit=7, offset=offset)
        assert page.total == first.total
        seen.extend(hit.product_id for hit in page.hits)
        if not page.has_more:
            break
        offset += 7
    assert len(seen) == len(set(seen)) == first.total
    assert seen == all_pages(kb, "comfortable shoes", filters)
    beyond = kb.products.search("comfortable shoes", filters, limit=7, offset=first.total)
    assert beyond.hits == () and beyond.total == first.total and not beyond.has_more


def test_in_stock_only_and_stock_flags(kb: KnowledgeBase, catalog: list[Product]) -> None:
    filters = SearchFilters(category="fashion")
    everything = kb.products.search("", filters, limit=50)
    stocked = kb.products.search("", replace(filters, in_stock_only=True), limit=50)
    fashion = [p.id for p in catalog if p.category == "fashion"]
    assert everything.total == len(fashion)
    assert stocked.total == len(demo_in_stock(fashion))
    assert all(hit.in_stock for hit in stocked.hits)
    for hit in everything.hits:
        assert hit.in_stock == (hit.product_id in demo_in_stock([hit.product_id]))


def test_price_sort(kb: KnowledgeBase) -> None:
    results = kb.products.search("shoes", SearchFilters(colour="black"), limit=20, sort="price_asc")
    prices = [hit.price_from_cents for hit in results.hits]
    assert len(prices) > 3 and prices == sorted(prices)
    assert (
        kb.search("cheap sneakers", limit=10).hits
        == kb.products.search(
            "sneakers", SearchFilters(subcategory="sneakers"), limit=10, sort="price_asc"
        ).hits
    )


def test_nonsense_finds_nothing(kb: KnowledgeBase) -> None:
    results = kb.products.search("qwxzv plorkt", None)
    assert (results.total, results.no_match) == (0, True)


def test_something_the_shop_does_not_sell_is_no_match(kb: KnowledgeBase) -> None:
    results = kb.search("I am looking for a suit for work")
    assert (results.no_match, results.hits, results.total) == (True, (), 0)


def test_no_match_offers_a_category_close_in_meaning(kb: KnowledgeBase) -> None:
    results = kb.search("a mattress")
    assert (results.no_match, results.nearest_category) == (True, "bedding")


def test_no_match_offers_nothing_far_fetched(kb: KnowledgeBase) -> None:
    # the nearest product is a swimsuit ("suit"), the nearest category name is not close
    assert kb.search("I am looking for a suit for work").nearest_category is None


def test_something_the_shop_sells_is_a_match(kb: KnowledgeBase) -> None:
    results = kb.search("footwear for jogging")
    assert not results.no_match and results.hits[0].subcategory == "running shoes"


# Queries a shopper might type, and the subcategory that answers each.
INTENTS = {
    "footwear for jogging": "running shoes",
    "warm winter jumper": "sweaters",
    "wireless earbuds": "earbuds",
    "waterproof shell for rainy days": "rain jackets",
    "tent for wild camping": "tents",
    "bag for day hikes": "backpacks",
    "summer dress for a wedding": "dresses",
    "gps watch for running": "smartwatches",
    "bluetooth speaker for the garden": "bluetooth speakers",
    "boots for muddy trails": "hiking boots",
    "fresh floral scent": "fragrances",
    "pan for cooking": "cookware",
}


def precision_at_5(results: SearchResults, subcategory: str) -> float:
    return sum(hit.subcategory == subcategory for hit in results.hits) / 5


def _precision(kb: KnowledgeBase, query: str, mode: Mode) -> float:
    return precision_at_5(kb.products.search(query, None, limit=5, mode=mode), INTENTS[query])


def _mean_precision(kb: KnowledgeBase, mode: Mode) -> float:
    return sum(_precision(kb, q, mode) for q in INTENTS) / len(INTENTS)


def test_fusion_does_not_lose_to_its_own_lexical_ranking(kb: KnowledgeBase) -> None:
    assert _mean_precision(kb, "hybrid") >= _mean_precision(kb, "lexical")


def test_fusion_beats_the_vector_ranking_alone(kb: KnowledgeBase) -> None:
    assert _mean_precision(kb, "hybrid") > _mean_precision(kb, "vector")


def test_the_vector_ranking_rescues_words_the_catalog_does_not_have(kb: KnowledgeBase) -> None:
    assert kb.products.search("footwear for jogging", None, mode="lexical").total == 0
    assert _precision(kb, "footwear for jogging", "hybrid") == 1.0


def test_model_name_finds_the_product(kb: KnowledgeBase) -> None:
    assert kb.products.search("zorbit headphones", None).hits[0].product_id == "H00002"


@pytest.mark.parametrize(
    ("query", "weight"),
    [
        ("charger 65 w", WEIGHT_DIGITS),  # digits: a measure or a model number
        ("zorbit headphones", WEIGHT_RARE),  # a word one product has
        ("footwear for jogging", 0.0),  # no word of the catalog: meaning alone
    ],
)
def test_the_lexical_weight_follows_what_the_query_is(
    kb: KnowledgeBase, query: str, weight: float
) -> None:
    assert kb.products.lexical_weight(query) == weight


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (51, 0), (5, -1)])
def test_bad_paging_is_refused(kb: KnowledgeBase, limit: int, offset: int) -> None:
    with pytest.raises(InvalidSearch):
        kb.products.search("shoes", None, limit=limit, offset=offset)
