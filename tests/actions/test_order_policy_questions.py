"""The order intents on a question about the rules: the FAQ answer first, with a button
that starts the request; a request about one order starts the order form as before.

Real demo shop and FAQ index (tests/actions/conftest.py); trackers as Rasa sends them with
the order intent the NLU gave.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import services
from actions.dialogue.orders import ActionStartOrderRequest
from knowledge.faq_data import load_faq
from tests.actions.trackers import buttons, entity, slots_set, texts, tracker


async def _start(
    text: str, intent: str, entities: list[dict[str, Any]] | None = None
) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionStartOrderRequest().run(
        dispatcher, tracker(text, intent=intent, entities=entities), {}
    )
    return dispatcher, events


async def test_a_returns_question_gets_the_faq_answer_not_the_order_form(
    world: services.Services,
) -> None:
    question = "are returns free of charge?"
    best = world.knowledge.faq.ask(question).best
    assert best is not None and best.confident
    dispatcher, events = await _start(question, "return_item")
    assert texts(dispatcher) == best.entry.answer
    assert events == [FollowupAction("action_listen")]


async def test_the_answer_offers_to_start_the_return(world: services.Services) -> None:
    dispatcher, _ = await _start("are returns free of charge?", "return_item")
    assert buttons(dispatcher) == [{"title": "Start a return", "payload": "/return_item"}]


async def test_a_refund_question_offers_to_check_a_refund(world: services.Services) -> None:
    entries = {entry.id: entry for entry in load_faq(world.settings.faq_path)}
    dispatcher, _ = await _start("how will i be refunded if i paid by card?", "refund_status")
    assert texts(dispatcher) == entries["refund-method"].answer
    assert buttons(dispatcher) == [{"title": "Check a refund", "payload": "/refund_status"}]


async def test_a_question_after_the_shoppers_situation_gets_the_faq_answer_first(
    world: services.Services,
) -> None:
    entries = {entry.id: entry for entry in load_faq(world.settings.faq_path)}
    dispatcher, events = await _start(
        "the coat is too big, can i swap it for a smaller one", "return_item"
    )
    assert texts(dispatcher) == entries["exchange"].answer
    assert buttons(dispatcher) == [{"title": "Start a return", "payload": "/return_item"}]
    assert events == [FollowupAction("action_listen")]


async def test_a_return_request_starts_the_return_form(world: services.Services) -> None:
    dispatcher, events = await _start("I want to return my jacket", "return_item")
    assert slots_set(events)["order_purpose"] == "return"
    assert texts(dispatcher) == ""


async def test_a_question_with_an_order_number_starts_the_form(world: services.Services) -> None:
    dispatcher, events = await _start(
        "can I still return order 10023?",
        "return_item",
        [entity("order_number", "10023")],
    )
    assert slots_set(events)["order_purpose"] == "return"
    assert texts(dispatcher) == ""


async def test_a_do_i_question_after_the_situation_gets_the_faq_answer_first(
    world: services.Services,
) -> None:
    entries = {entry.id: entry for entry in load_faq(world.settings.faq_path)}
    dispatcher, events = await _start(
        "i paid for express and the boots didn't fit. do i get the delivery fee back?",
        "refund_status",
    )
    assert texts(dispatcher) == entries["refund-shipping"].answer
    assert events == [FollowupAction("action_listen")]


async def test_is_that_normal_after_the_situation_gets_the_faq_answer_first(
    world: services.Services,
) -> None:
    entries = {entry.id: entry for entry in load_faq(world.settings.faq_path)}
    dispatcher, _ = await _start("my parcel came in two boxes, is that normal", "track_order")
    assert texts(dispatcher) == entries["split-delivery"].answer
    assert buttons(dispatcher) == [{"title": "Track an order", "payload": "/track_order"}]


async def test_a_number_that_is_no_order_number_does_not_make_a_question_a_request(
    world: services.Services,
) -> None:
    # the NLU tags any number as an order number; "2" is not one of the shop's
    entries = {entry.id: entry for entry in load_faq(world.settings.faq_path)}
    dispatcher, events = await _start(
        "my parcel came in 2 boxes, is that normal", "track_order", [entity("order_number", "2")]
    )
    assert texts(dispatcher) == entries["split-delivery"].answer
    assert events == [FollowupAction("action_listen")]


async def test_a_request_with_a_number_of_the_wrong_shape_leaves_it_to_the_form(
    world: services.Services,
) -> None:
    dispatcher, events = await _start(
        "track my order 123 please", "track_order", [entity("order_number", "123")]
    )
    assert slots_set(events)["order_purpose"] == "track"
    assert "order_number" not in slots_set(events)  # the form validates it and says why
    assert texts(dispatcher) == ""
