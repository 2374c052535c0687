"""What the shopper reads for the FAQ examples of issue 6, through the real FAQ action."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.faq import ActionAnswerFaq
from tests.actions.trackers import buttons, texts, tracker

PERSON = {"title": "Talk to a person", "payload": "/human_handoff"}


async def _ask(message: str) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker(message, intent="ask_faq"), {})
    return dispatcher


async def test_a_payment_problem_is_answered_and_offers_a_person(shop: Any) -> None:
    dispatcher = await _ask("I have a problem with my payment")
    assert texts(dispatcher).startswith("Sorry about that. If your payment was declined")
    assert buttons(dispatcher) == [PERSON]


async def test_a_fee_question_on_cancelling_reads_as_an_answer_about_the_fee(shop: Any) -> None:
    dispatcher = await _ask("is there a fee if i cancel my purchase")
    assert texts(dispatcher).startswith("Cancelling is free of charge")


async def test_sending_stuff_back_gets_the_returns_answer(shop: Any) -> None:
    dispatcher = await _ask("hey can i send stuff back if it doesnt fit??")
    assert texts(dispatcher).startswith("You can send items back within 30 days of delivery")
    assert buttons(dispatcher) == []


async def test_a_question_in_french_is_answered(shop: Any) -> None:
    dispatcher = await _ask("je peux payer par virement ?")
    assert texts(dispatcher).startswith("Bank transfer is accepted")


async def test_two_entries_it_may_mean_are_both_offered_with_a_person(shop: Any) -> None:
    # two questions in one, two entries almost tied: the shopper picks, no guess
    dispatcher = await _ask("how much does it cost to return and how long is the refund")
    assert texts(dispatcher).startswith("I'm not sure which of these you mean")
    assert [b["title"] for b in buttons(dispatcher)] == [
        "Are returns free?",
        "How long does a refund take?",
        "Talk to a person",
    ]


async def test_money_back_for_a_cancelled_order_gets_the_refund_time(shop: Any) -> None:
    # the FAQ's own encoder is sure of the refund entry, whose answer covers cancellations
    dispatcher = await _ask("when do I get my money back for a cancelled order")
    assert texts(dispatcher).startswith("We refund you within 5 business days")
    assert "for an order you cancelled" in texts(dispatcher)
