"""The page the shopper is viewing (the widget's ``metadata.page.product_id``) answers "this
one" when no product is in focus: "is this one waterproof?" on a product page."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.focus import ASK_WHICH
from actions.dialogue.product_info import ActionAnswerProductQuestion, ActionCheckAvailability
from actions.dialogue.search import ActionRefineSearch
from actions.dialogue.tracker_input import page_product_id_in
from shop.api import Product
from tests.actions.trackers import entity, slots_set, texts, tracker


def on_page(product_id: str | None) -> dict[str, Any]:
    """Message metadata as the widget sends it on a product page."""
    return {
        "message_id": "m-1",
        "page": {"url": f"http://shop.test/products/{product_id}", "product_id": product_id},
    }


def waterproof_products(shop: Any) -> list[Product]:
    found = [p for p in shop.iter_products() if p.attributes.get("waterproof", "").lower() == "yes"]
    assert len(found) >= 2, "the demo catalog has waterproof products"
    return found


def sized_product(shop: Any) -> Product:
    return next(p for p in shop.iter_products() if len(p.sizes) > 2)


async def run(action: Any, **kwargs: Any) -> tuple[CollectingDispatcher, dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(**kwargs), {})
    return dispatcher, slots_set(events)


async def test_is_this_one_waterproof_on_a_product_page_is_about_that_product(
    shop: Any,
) -> None:
    product = waterproof_products(shop)[0]
    dispatcher, slots = await run(
        ActionAnswerProductQuestion(),
        text="is this one waterproof?",
        intent="product_question",
        entities=[entity("attribute", "waterproof")],
        metadata=on_page(product.id),
    )
    assert texts(dispatcher) == f"Yes, the {product.title} is waterproof."
    assert slots["product_in_focus"] == product.id


async def test_the_product_in_focus_wins_over_the_page(shop: Any) -> None:
    in_focus, on_the_page = waterproof_products(shop)[:2]
    dispatcher, _ = await run(
        ActionAnswerProductQuestion(),
        text="is it waterproof?",
        intent="product_question",
        entities=[entity("attribute", "waterproof")],
        slots={"product_in_focus": in_focus.id},
        metadata=on_page(on_the_page.id),
    )
    assert texts(dispatcher) == f"Yes, the {in_focus.title} is waterproof."


@pytest.mark.parametrize("page_id", ["P99999", "", None])
async def test_an_unknown_or_missing_page_product_is_ignored(shop: Any, page_id: Any) -> None:
    dispatcher, slots = await run(
        ActionAnswerProductQuestion(),
        text="is this one waterproof?",
        intent="product_question",
        entities=[entity("attribute", "waterproof")],
        metadata=on_page(page_id),
    )
    assert texts(dispatcher) == ASK_WHICH
    assert "product_in_focus" not in slots


async def test_do_you_have_it_in_a_size_on_a_product_page_checks_that_product(
    shop: Any,
) -> None:
    product = sized_product(shop)
    size = product.sizes[1]
    dispatcher, slots = await run(
        ActionCheckAvailability(),
        text=f"do you have it in {size}?",
        intent="check_availability",
        entities=[entity("size", size)],
        metadata=on_page(product.id),
    )
    assert texts(dispatcher).startswith(f"{product.title} (size {size}):")
    assert slots["product_in_focus"] == product.id


async def test_do_you_have_it_in_a_size_read_as_a_refinement_answers_for_the_page(
    shop: Any,
) -> None:
    # the NLU reads "do you have it in M?" as refine_search: with nothing in focus and a
    # list shown, the product on the page is still what "it" means
    product = sized_product(shop)
    size = product.sizes[1]
    others = [p.id for p in list(shop.iter_products())[:3] if p.id != product.id]
    dispatcher, slots = await run(
        ActionRefineSearch(),
        text=f"do you have it in size {size}?",
        intent="refine_search",
        entities=[entity("size", size)],
        slots={
            "last_results": others,
            "search_state": {"query": "shoes", "filters": {}, "sort": "relevance", "page": 0},
        },
        metadata=on_page(product.id),
    )
    assert texts(dispatcher) == f"Yes, the {product.title} comes in size {size}."
    assert slots["product_in_focus"] == product.id


async def test_a_shop_question_on_a_product_page_is_not_about_the_page(shop: Any) -> None:
    # no "this" or "it": the product on the page is not what the shopper asks about
    product = waterproof_products(shop)[0]
    dispatcher, slots = await run(
        ActionAnswerProductQuestion(),
        text="do you sell gift cards?",
        intent="product_question",
        metadata=on_page(product.id),
    )
    assert product.title not in texts(dispatcher)
    assert "product_in_focus" not in slots


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"page": {"product_id": " P00042 "}}, "P00042"),
        ({"page": {"product_id": 42}}, None),
        ({"page": "P00042"}, None),
        ({"page": {"product_id": "x" * 201}}, None),
        ({}, None),
        ("not a dict", None),
        (None, None),
    ],
)
def test_the_page_product_id_is_read_only_from_a_well_formed_page(
    metadata: object, expected: str | None
) -> None:
    assert page_product_id_in(metadata) == expected
