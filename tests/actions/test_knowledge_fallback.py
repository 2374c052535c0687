"""action_knowledge_fallback: what the shop knows before "Did you want to ...?".

Trackers whose latest intent is ``nlu_fallback`` (as the NLU sends when unsure), against the
real demo shop and knowledge index of tests/actions/conftest.py.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import services
from actions.dialogue.knowledge_fallback import ActionKnowledgeFallback
from knowledge.faq_data import load_faq
from tests.actions.trackers import slots_set, texts, tracker

TWO_STAGE = [FollowupAction("action_two_stage_fallback")]


async def _unsure(text: str) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionKnowledgeFallback().run(
        dispatcher, tracker(text, intent="nlu_fallback"), {}
    )
    return dispatcher, events


async def test_a_question_the_faq_answers_gets_that_answer(
    shop: Any, world: services.Services
) -> None:
    question = "do u guys ship to belgium"
    best = world.knowledge.faq.ask(question).best
    assert best is not None and best.confident
    dispatcher, events = await _unsure(question)
    assert texts(dispatcher) == best.entry.answer
    assert events == []


async def test_the_issues_return_question_gets_the_how_to_return_entry(
    shop: Any, world: services.Services
) -> None:
    # issue 6: this message fell into "Did you want to ask about a product?"
    entries = {entry.id: entry for entry in load_faq(world.settings.faq_path)}
    dispatcher, _ = await _unsure("hey can i send stuff back if it doesnt fit??")
    assert texts(dispatcher) == entries["how-to-return"].answer


async def test_an_acronym_the_faq_uses_is_a_word_not_mashing(
    shop: Any, world: services.Services
) -> None:
    # "rgpd" splits into word pieces the mashing test rejects; the privacy entry uses it
    entries = {entry.id: entry for entry in load_faq(world.settings.faq_path)}
    dispatcher, events = await _unsure("rgpd ?")
    assert texts(dispatcher) == entries["privacy"].answer
    assert events == []


async def test_a_brand_the_catalog_sells_gets_that_brands_products(shop: Any) -> None:
    dispatcher, events = await _unsure("got any nordpeak stuff")
    shown = slots_set(events)["last_results"]
    products = shop.get_products(shown)
    assert products, texts(dispatcher)
    assert {product.brand for product in products} == {"Nordpeak"}, texts(dispatcher)
    for product in products:
        assert product.title in texts(dispatcher)


async def test_a_product_type_the_catalog_sells_puts_that_type_first(shop: Any) -> None:
    dispatcher, events = await _unsure("any lightweight tents for two")
    shown = slots_set(events)["last_results"]
    assert shown, texts(dispatcher)
    (first,) = shop.get_products(shown[:1])
    assert "Tents" in first.category_path
    assert first.title in texts(dispatcher)


async def test_things_the_catalog_does_not_sell_get_the_two_stage_fallback(shop: Any) -> None:
    dispatcher, events = await _unsure("any ergonomic office chairs")
    assert events == TWO_STAGE
    assert dispatcher.messages == []


async def test_keyboard_mashing_gets_the_two_stage_fallback(shop: Any) -> None:
    dispatcher, events = await _unsure("asdkjh qwpoeiru")
    assert events == TWO_STAGE
    assert dispatcher.messages == []


async def test_mashing_next_to_a_catalog_word_is_not_searched(shop: Any) -> None:
    dispatcher, events = await _unsure("tents sdfkjh qwpoeiru xcvbnm")
    assert events == TWO_STAGE
    assert dispatcher.messages == []


async def test_a_button_payload_gets_the_two_stage_fallback(shop: Any) -> None:
    _, events = await _unsure('/search_product{"colour": "blue"}')
    assert events == TWO_STAGE
