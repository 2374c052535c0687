"""A product question or stock question with no product in focus: the FAQ answers it when
it can ("how long is the warranty on a smartwatch"), else "Which product do you mean?".

Real demo shop and FAQ index (tests/actions/conftest.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import services
from actions.dialogue.cart import ActionAddToCart
from actions.dialogue.focus import ASK_WHICH, ASK_WHICH_AFTER_ANSWER
from actions.dialogue.product_info import ActionAnswerProductQuestion, ActionCheckAvailability
from actions.dialogue.references import named_in
from knowledge.faq_data import load_faq
from shop.api import Product
from tests.actions.trackers import slots_set, texts, tracker


async def test_a_warranty_question_with_no_product_shown_gets_the_warranty_answer(
    world: services.Services,
) -> None:
    entries = {entry.id: entry for entry in load_faq(world.settings.faq_path)}
    dispatcher = CollectingDispatcher()
    await ActionAnswerProductQuestion().run(
        dispatcher, tracker("what warranty do your products have?", intent="product_question"), {}
    )
    assert texts(dispatcher) == entries["warranty"].answer


async def test_a_question_about_no_product_the_faq_cannot_answer_asks_which_product(
    world: services.Services,
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerProductQuestion().run(
        dispatcher, tracker("is it waterproof", intent="product_question"), {}
    )
    assert texts(dispatcher) == ASK_WHICH


async def test_it_with_no_product_shown_gets_the_faq_answer_then_which_product(
    world: services.Services,
) -> None:
    # "it" points at a product never shown: the shop's rule first, then the product
    entries = {entry.id: entry for entry in load_faq(world.settings.faq_path)}
    dispatcher = CollectingDispatcher()
    await ActionCheckAvailability().run(
        dispatcher, tracker("could you ship it to belgium?", intent="check_availability"), {}
    )
    assert texts(dispatcher) == f"{entries['shipping-countries'].answer}\n{ASK_WHICH_AFTER_ANSWER}"


async def test_a_stock_question_with_no_product_asks_which_product(
    world: services.Services,
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionCheckAvailability().run(
        dispatcher, tracker("got that one in the shop", intent="check_availability"), {}
    )
    assert texts(dispatcher) == ASK_WHICH


async def test_adding_with_nothing_shown_answers_a_question_the_faq_knows(
    world: services.Services,
) -> None:
    entries = {entry.id: entry for entry in load_faq(world.settings.faq_path)}
    dispatcher = CollectingDispatcher()
    await ActionAddToCart().run(
        dispatcher,
        tracker("can I still add a product to my order once I've paid?", intent="add_to_cart"),
        {},
    )
    assert texts(dispatcher) == entries["change-order"].answer


async def test_add_it_with_nothing_shown_asks_which_product(world: services.Services) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAddToCart().run(dispatcher, tracker("add it to my cart", intent="add_to_cart"), {})
    assert texts(dispatcher) == ASK_WHICH


async def test_a_stock_question_naming_a_product_never_shown_checks_that_product(
    shop: Any,
) -> None:
    named = next(iter(shop.iter_products()))
    dispatcher = CollectingDispatcher()
    events = await ActionCheckAvailability().run(
        dispatcher,
        tracker(f"is the {named.title.lower()} in stock in Lyon?", intent="check_availability"),
        {},
    )
    assert texts(dispatcher).splitlines()[0] == f"{named.title}:"
    assert "Lyon store" in texts(dispatcher)
    assert slots_set(events)["product_in_focus"] == named.id


def _renamed(product: Product, product_id: str, name: str) -> Product:
    return replace(product, id=product_id, title=f"{product.brand} {name} {product.product_type}")


def test_the_product_named_with_more_of_its_own_words_wins(shop: Any) -> None:
    base = next(p for p in shop.iter_products() if p.brand and p.product_type)
    plain = _renamed(base, "X1", "Zephyr")
    second = _renamed(base, "X2", "Zephyr 2")
    kind = base.product_type.lower()
    assert named_in(f"is the zephyr 2 {kind} in stock", [plain, second]) == second
    assert named_in(f"is the zephyr {kind} in stock", [plain, second]) == plain
    assert named_in(f"is the {kind} in stock", [plain, second]) is None


async def test_a_kind_of_product_is_no_product_name(world: services.Services) -> None:
    entries = {entry.id: entry for entry in load_faq(world.settings.faq_path)}
    dispatcher = CollectingDispatcher()
    events = await ActionCheckAvailability().run(
        dispatcher, tracker("is the rain jacket in stock in Lyon?", intent="check_availability"), {}
    )
    assert texts(dispatcher) == entries["store-stock"].answer
    assert events == []
