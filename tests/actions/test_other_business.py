"""A question about another business gets "I can only answer for our own shop", not the
shop's FAQ answer nor its order form, and everything else is as before.

Real demo shop and knowledge index of tests/actions/conftest.py.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import services
from actions.dialogue.faq import OTHER_BUSINESS, ActionAnswerFaq
from actions.dialogue.orders import ActionStartOrderRequest
from actions.dialogue.out_of_scope import OUT_OF_SCOPE_FAQ_CONFIDENCE, ActionOutOfScope
from tests.actions.trackers import entity, slots_set, texts, tracker


async def test_another_shops_return_policy_gets_the_own_shop_reply(shop: Any) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(
        dispatcher, tracker("what's the return policy at Decathlon?", intent="ask_faq"), {}
    )
    assert texts(dispatcher) == OTHER_BUSINESS.format(name="Decathlon")


async def test_another_companys_parcel_starts_no_order_form(shop: Any) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionStartOrderRequest().run(
        dispatcher, tracker("where is my amazon parcel", intent="track_order"), {}
    )
    assert (texts(dispatcher), events) == (
        OTHER_BUSINESS.format(name="amazon"),
        [FollowupAction("action_listen")],
    )


async def test_an_order_number_given_with_another_name_is_looked_up_as_ours(shop: Any) -> None:
    message = "where is my amazon parcel, order 100234"
    events = await ActionStartOrderRequest().run(
        CollectingDispatcher(),
        tracker(message, intent="track_order", entities=[entity("order_number", "100234")]),
        {},
    )
    assert slots_set(events)["order_purpose"] == "track"


async def test_another_shops_gift_card_put_out_of_scope_gets_the_own_shop_reply(
    shop: Any, world: services.Services
) -> None:
    question = "how do I redeem a Steam gift card"
    best = world.knowledge.faq.ask(question).best  # the shop's gift-card entry, sure of it
    assert best is not None and best.confident
    assert best.confidence >= OUT_OF_SCOPE_FAQ_CONFIDENCE
    dispatcher = CollectingDispatcher()
    events = await ActionOutOfScope().run(dispatcher, tracker(question, intent="out_of_scope"), {})
    assert (texts(dispatcher), events) == (OTHER_BUSINESS.format(name="Steam"), [])
