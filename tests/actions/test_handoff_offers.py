"""The bot offers a person on its own: misunderstood twice, an upset shopper, an order problem.

Against the session's demo shop and knowledge index (tests/actions/conftest.py); an offer
accepted with the button is filed in a scratch queue with the offer's trigger.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import services
from actions.dialogue.fallback import ActionDefaultAskAffirmation
from actions.dialogue.faq import ActionAnswerFaq
from actions.dialogue.handoff import (
    DISTRESSED,
    MISUNDERSTOOD,
    ORDER_PROBLEM_OFFER,
    ORDER_PROBLEMS,
    UPSET,
    ActionRequestHandoff,
)
from actions.dialogue.knowledge_fallback import ActionKnowledgeFallback
from actions.dialogue.orders import ActionStartOrderRequest, ValidateOrderRequestForm
from handoff.queue import HandoffQueue
from shop.db import create_engine_from_url
from tests.actions.handoff_conversation import (
    REWIND,
    action,
    bot,
    bot_events,
    conversation,
    loop,
    user,
)
from tests.actions.trackers import (
    ORDER_FORM,
    ORDER_FORM_DOMAIN,
    buttons,
    new_sender,
    slots_set,
    texts,
    tracker,
)

PERSON = {"title": "Talk to a person", "payload": "/human_handoff"}
TRY_AGAIN = {"title": "Try again", "payload": "/inform"}
DAMAGED = f"{ORDER_PROBLEMS['damaged']} {ORDER_PROBLEM_OFFER}"


@pytest.fixture
def queue(world: services.Services, tmp_path: Path) -> Iterator[HandoffQueue]:
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'queue.db'}")
    scratch = HandoffQueue(engine)
    services.register(replace(world, handoff=scratch))
    yield scratch
    services.register(world)
    engine.dispose()


def _trigger(queue: HandoffQueue, sender: str) -> str:
    (request,) = [r for r in queue.open_requests() if r.conversation_id == sender]
    return request.trigger


async def _start_order_request(text: str, intent: str) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    await ActionStartOrderRequest().run(dispatcher, tracker(text, intent=intent), {})
    return dispatcher


# --- misunderstood twice -----------------------------------------------------------------

FIRST_MISUNDERSTANDING = (
    user("blorp the frobnicator", "nlu_fallback", runners_up=("search_product",)),
    action("action_knowledge_fallback"),
    action("action_two_stage_fallback"),
    bot("Sorry, I'm not sure I understood. Did you want to search for a product?"),
    loop("action_two_stage_fallback"),
    action("action_listen"),
)
# "No, let me rephrase", then the rephrased message is misunderstood again
SECOND_MISUNDERSTANDING = (
    *FIRST_MISUNDERSTANDING,
    user("/out_of_scope", "out_of_scope"),
    action("action_two_stage_fallback"),
    bot("Hmm, I'm not sure I understood. Can you rephrase?"),
    action("action_listen"),
    user("zib zab zorp", "nlu_fallback", runners_up=("search_product",)),
)


async def test_the_first_misunderstanding_asks_what_the_shopper_meant(shop: Any) -> None:
    dispatcher = CollectingDispatcher()
    await ActionDefaultAskAffirmation().run(
        dispatcher, conversation(*FIRST_MISUNDERSTANDING[:2], sender=new_sender()), {}
    )
    assert texts(dispatcher) == (
        "Sorry, I'm not sure I understood. Did you want to search for a product?"
    )


async def test_the_second_misunderstanding_in_a_row_offers_a_person(shop: Any) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionDefaultAskAffirmation().run(
        dispatcher, conversation(*SECOND_MISUNDERSTANDING, sender=new_sender()), {}
    )
    assert events == []
    assert texts(dispatcher) == MISUNDERSTOOD
    assert buttons(dispatcher) == [PERSON, TRY_AGAIN]


async def test_after_rasas_give_up_the_next_misunderstanding_offers_a_person(shop: Any) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionKnowledgeFallback().run(
        dispatcher,
        conversation(
            *FIRST_MISUNDERSTANDING,
            user("zib zab zorp", "nlu_fallback"),
            action("action_two_stage_fallback"),
            bot("Sorry, I still didn't get it.", utter_action="utter_default"),
            REWIND,
            loop(None),
            action("action_listen"),
            user("any ergonomic office chairs", "nlu_fallback"),
            sender=new_sender(),
        ),
        {},
    )
    assert events == []  # no "Did you want to ...?" again
    assert texts(dispatcher) == MISUNDERSTOOD


async def test_a_misunderstanding_after_an_out_of_scope_answer_offers_a_person(
    shop: Any,
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionKnowledgeFallback().run(
        dispatcher,
        conversation(
            user("blorp the frobnicator zib", "out_of_scope"),
            action("utter_out_of_scope"),
            bot("Sorry, that's outside what I can do.", utter_action="utter_out_of_scope"),
            action("action_listen"),
            user("asdkjh qwpoeiru", "nlu_fallback"),
            sender=new_sender(),
        ),
        {},
    )
    assert events == []
    assert texts(dispatcher) == MISUNDERSTOOD


async def test_the_person_offered_after_misunderstandings_is_filed_as_fallbacks(
    queue: HandoffQueue,
) -> None:
    sender = new_sender()
    offer = CollectingDispatcher()
    await ActionDefaultAskAffirmation().run(
        offer, conversation(*SECOND_MISUNDERSTANDING, sender=sender), {}
    )
    # the click while the two-stage fallback is active: Rasa reverts it and replays it
    await ActionRequestHandoff().run(
        CollectingDispatcher(),
        conversation(
            *SECOND_MISUNDERSTANDING,
            action("action_two_stage_fallback"),
            *bot_events(offer),
            action("action_listen"),
            user("/human_handoff", "human_handoff"),
            action("action_two_stage_fallback"),
            loop(None),
            REWIND,
            action("action_listen"),
            user("/human_handoff", "human_handoff"),
            sender=sender,
        ),
        {},
    )
    assert _trigger(queue, sender) == "fallbacks"


# --- anger and distress --------------------------------------------------------------------


async def test_an_angry_order_question_gets_an_apology_and_the_offer_of_a_person(
    shop: Any,
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionStartOrderRequest().run(
        dispatcher, tracker("where is my order?? this is ridiculous!!!", intent="track_order"), {}
    )
    assert texts(dispatcher) == UPSET
    assert buttons(dispatcher) == [PERSON]
    assert slots_set(events)["order_purpose"] == "track"  # and the order question goes on


async def test_a_distressed_order_question_gets_the_offer_of_a_person(shop: Any) -> None:
    dispatcher = await _start_order_request(
        "URGENT, it's my kid's medicine, where is my parcel", "track_order"
    )
    assert texts(dispatcher) == DISTRESSED


async def test_an_angry_order_question_in_french_gets_the_offer_of_a_person(shop: Any) -> None:
    dispatcher = await _start_order_request("je suis furieuse, où est ma commande ?", "track_order")
    assert texts(dispatcher) == UPSET


async def test_a_calm_order_question_that_says_so_gets_no_offer(shop: Any) -> None:
    dispatcher = await _start_order_request(
        "I'm not angry, just asking where my order is", "track_order"
    )
    assert dispatcher.messages == []


async def test_an_angry_answer_inside_the_order_form_gets_the_offer(shop: Any) -> None:
    dispatcher = CollectingDispatcher()
    await ValidateOrderRequestForm().run(
        dispatcher,
        tracker(
            "c'est inadmissible, je vous l'ai déjà donné",
            slots={"order_purpose": "track", "order_number": "10023"},
            new_slots={"order_email": "c'est inadmissible, je vous l'ai déjà donné"},
            active_loop=ORDER_FORM,
        ),
        ORDER_FORM_DOMAIN,
    )
    assert dispatcher.messages[0]["text"] == UPSET
    assert dispatcher.messages[0]["buttons"] == [PERSON]


async def test_an_angry_faq_question_gets_the_answer_then_the_offer(
    shop: Any, world: services.Services
) -> None:
    question = "can I pay with PayPal? this is ridiculous!!!"
    best = world.knowledge.faq.ask(question).best
    assert best is not None and best.confident
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker(question, intent="ask_faq"), {})
    assert [m["text"] for m in dispatcher.messages] == [best.entry.answer, UPSET]


async def test_an_angry_message_the_bot_does_not_understand_offers_a_person(shop: Any) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionKnowledgeFallback().run(
        dispatcher,
        tracker("WHAT IS WRONG WITH YOU!!!", intent="nlu_fallback"),
        {},
    )
    assert events == []
    assert texts(dispatcher) == UPSET
    assert buttons(dispatcher) == [PERSON, TRY_AGAIN]


async def test_the_person_offered_to_an_upset_shopper_is_filed_as_sentiment(
    queue: HandoffQueue,
) -> None:
    sender = new_sender()
    angry = user("where is my order?? this is ridiculous!!!", "track_order")
    offer = CollectingDispatcher()
    await ActionStartOrderRequest().run(offer, conversation(angry, sender=sender), {})
    await ActionRequestHandoff().run(
        CollectingDispatcher(),
        conversation(
            angry,
            action("action_start_order_request"),
            *bot_events(offer),
            action("order_request_form"),
            loop(ORDER_FORM),
            bot("What's the order number?", utter_action="utter_ask_order_number"),
            action("action_listen"),
            user("/human_handoff", "human_handoff"),
            sender=sender,
        ),
        {},
    )
    assert _trigger(queue, sender) == "sentiment"


# --- order problems ------------------------------------------------------------------------


async def test_a_damaged_parcel_offers_a_person(shop: Any) -> None:
    dispatcher = await _start_order_request("my parcel arrived damaged", "return_item")
    assert texts(dispatcher) == DAMAGED
    assert buttons(dispatcher) == [PERSON]


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("an item is missing from my order", "missing"),
        ("you sent me the wrong size", "wrong_item"),
        ("le colis est arrivé abîmé", "damaged"),
    ],
)
async def test_other_order_problems_offer_a_person(shop: Any, message: str, kind: str) -> None:
    dispatcher = await _start_order_request(message, "return_item")
    assert texts(dispatcher) == f"{ORDER_PROBLEMS[kind]} {ORDER_PROBLEM_OFFER}"


async def test_the_shoppers_own_mistake_is_a_plain_return(shop: Any) -> None:
    dispatcher = await _start_order_request("I ordered the wrong size", "return_item")
    assert dispatcher.messages == []


async def test_a_wrong_item_given_as_the_return_reason_offers_a_person(shop: Any) -> None:
    dispatcher = CollectingDispatcher()
    await ValidateOrderRequestForm().run(
        dispatcher,
        tracker(
            "you sent me the wrong colour",
            slots={
                "order_purpose": "return",
                "order_number": "10023",
                "order_email": "marie@example.com",
                "order_status": "delivered",
                "return_sku": "SKU-1",
            },
            new_slots={"return_reason": "you sent me the wrong colour"},
            active_loop=ORDER_FORM,
        ),
        ORDER_FORM_DOMAIN,
    )
    assert dispatcher.messages[0]["text"] == f"{ORDER_PROBLEMS['wrong_item']} {ORDER_PROBLEM_OFFER}"


async def test_an_offer_is_made_once_per_message(shop: Any) -> None:
    sender = new_sender()
    damaged = user("my parcel arrived damaged, order 10023", "return_item")
    first = CollectingDispatcher()
    await ActionStartOrderRequest().run(first, conversation(damaged, sender=sender), {})
    # the form validates the same message next, in the same turn
    second = CollectingDispatcher()
    await ValidateOrderRequestForm().run(
        second,
        conversation(
            damaged,
            action("action_start_order_request"),
            *bot_events(first),
            sender=sender,
            slots={"order_purpose": "return"},
            active_loop=ORDER_FORM,
        ),
        ORDER_FORM_DOMAIN,
    )
    assert texts(first) == DAMAGED
    assert DAMAGED not in texts(second)


async def test_a_damaged_item_offer_accepted_is_filed_as_an_order_problem(
    queue: HandoffQueue,
) -> None:
    sender = new_sender()
    damaged = user("my parcel arrived damaged", "return_item")
    offer = CollectingDispatcher()
    await ActionStartOrderRequest().run(offer, conversation(damaged, sender=sender), {})
    assert texts(offer) == DAMAGED
    await ActionRequestHandoff().run(
        CollectingDispatcher(),
        conversation(
            damaged,
            action("action_start_order_request"),
            *bot_events(offer),
            action("order_request_form"),
            loop(ORDER_FORM),
            bot("What's the order number?", utter_action="utter_ask_order_number"),
            action("action_listen"),
            user("/human_handoff", "human_handoff"),
            action("action_deactivate_loop"),
            loop(None),
            sender=sender,
        ),
        {},
    )
    assert _trigger(queue, sender) == "order_problem"
