from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import services
from actions.dialogue.search import (
    ActionRefineSearch,
    ActionSearchCheaper,
    ActionSearchProducts,
    ActionShowMore,
)
from knowledge.faq_data import load_faq
from tests.actions.trackers import buttons, entity, slots_set, texts, tracker

DOMAIN: dict[str, Any] = {}


async def _run(action: Any, **kwargs: Any) -> tuple[CollectingDispatcher, dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(**kwargs), DOMAIN)
    return dispatcher, slots_set(events)


async def test_search_refine_cheaper_and_more_keep_every_constraint(shop: Any) -> None:
    said = "running shoes under 80 in size 42"
    dispatcher, slots = await _run(
        ActionSearchProducts(),
        text=said,
        intent="search_product",
        entities=[
            entity("product", "running shoes"),
            entity("price", "80", "max"),
            entity("size", "42"),
        ],
    )
    state = slots["search_state"]
    assert state["filters"]["size"] == "42"
    assert state["filters"]["price_max_cents"] == 8000
    shown = slots["last_results"]
    assert shown, texts(dispatcher)
    products = shop.get_products(shown)
    for product in products:
        assert product.title in texts(dispatcher)
        assert "42" in product.sizes
        assert product.price_from_cents <= 8000
    assert "EUR" in texts(dispatcher)

    blue = await _run(
        ActionRefineSearch(),
        text="any in blue?",
        intent="refine_search",
        entities=[entity("colour", "blue")],
        slots=slots,
    )
    blue_slots = blue[1]  # the seeded catalog (seed 7, 200 products) has blue ones
    filters = blue_slots["search_state"]["filters"]
    assert (filters["colour"], filters["size"], filters["price_max_cents"]) == (
        "blue",
        "42",
        8000,
    )
    for product in shop.get_products(blue_slots["last_results"]):
        assert "blue" in [c.lower() for c in product.colours]

    cheapest = min(p.price_from_cents for p in products)
    _, cheaper = await _run(
        ActionSearchCheaper(), text="cheaper ones", intent="search_cheaper", slots=slots
    )
    # the first page is sorted by relevance, so the catalog has cheaper matches than it shows
    assert cheaper["search_state"]["sort"] == "price_asc"
    cheaper_products = shop.get_products(cheaper["last_results"])
    assert cheaper_products
    for product in cheaper_products:
        assert product.price_from_cents < cheapest


async def test_a_colour_no_match_has_is_dropped_and_the_shopper_told(shop: Any) -> None:
    _, slots = await _run(
        ActionSearchProducts(),
        text="running shoes",
        intent="search_product",
        entities=[entity("product", "running shoes")],
    )
    dispatcher, purple = await _run(
        ActionRefineSearch(),
        text="any in purple?",  # no running shoe of the seeded catalog is purple
        intent="refine_search",
        entities=[entity("colour", "purple")],
        slots=slots,
    )
    assert "I have no purple ones; here are the others" in texts(dispatcher)
    assert purple["search_state"]["filters"]["colour"] is None
    for product in shop.get_products(purple["last_results"]):
        assert product.subcategory == "running shoes"


async def test_something_the_shop_does_not_sell_is_said_and_the_shop_named(shop: Any) -> None:
    dispatcher, slots = await _run(
        ActionSearchProducts(), text="I am looking for a suit for work", intent="search_product"
    )
    assert texts(dispatcher).startswith("Sorry, we don't sell suit work. We have ")
    assert "Shoes" in texts(dispatcher)  # a top category of the demo shop
    assert slots["last_results"] == []


async def test_a_category_close_in_meaning_is_offered(shop: Any) -> None:
    dispatcher, _ = await _run(ActionSearchProducts(), text="a mattress", intent="search_product")
    assert [b["title"] for b in buttons(dispatcher)] == ["Show bedding"]


async def test_show_more_pages_to_other_products(shop: Any) -> None:
    _, first = await _run(ActionSearchProducts(), text="t-shirt", intent="search_product")
    assert len(first["last_results"]) == 3
    dispatcher, second = await _run(
        ActionShowMore(), text="show more", intent="show_more", slots=first
    )
    assert second["search_state"]["page"] == 1
    assert second["last_results"]
    assert not set(second["last_results"]) & set(first["last_results"])
    for product in shop.get_products(second["last_results"]):
        assert product.title in texts(dispatcher)


async def test_refining_or_paging_without_a_search_asks_what_to_look_for(shop: Any) -> None:
    dispatcher, slots = await _run(ActionShowMore(), text="show more", intent="show_more")
    assert slots == {}
    assert "looking for" in texts(dispatcher)
    dispatcher, slots = await _run(ActionSearchCheaper(), text="cheaper", intent="search_cheaper")
    assert slots == {}
    assert "looking for" in texts(dispatcher)


async def test_junk_search_state_is_ignored_not_fatal(shop: Any) -> None:
    dispatcher, slots = await _run(
        ActionShowMore(),
        text="next",
        intent="show_more",
        slots={"search_state": {"query": 3, "filters": "blue", "page": "x"}, "last_results": "P1"},
    )
    assert slots == {}
    assert texts(dispatcher)


async def test_a_policy_question_read_as_a_search_gets_the_faq_answer(shop: Any) -> None:
    # nothing in the catalog is like "invoice company": the FAQ answers instead of
    # "Sorry, we don't sell invoice company"
    entries = {entry.id: entry for entry in load_faq(services.current().settings.faq_path)}
    dispatcher, slots = await _run(
        ActionSearchProducts(), text="I need an invoice for my company", intent="search_product"
    )
    assert texts(dispatcher) == entries["invoice"].answer
    assert slots["last_results"] == []
