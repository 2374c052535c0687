from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.dialogue import services
from actions.dialogue.base import SHOP_DOWN
from actions.dialogue.cart import ActionViewCart
from actions.dialogue.faq import ActionAnswerFaq
from actions.dialogue.handoff import ActionRequestHandoff
from shop.db import HandoffRequestRow, create_engine_from_url
from shop.sql_service import SqlShopService
from tests.actions.orders_db import account_of, an_order
from tests.actions.trackers import buttons, new_sender, texts, token, tracker


async def test_a_confident_faq_answer_is_given(shop: Any, world: services.Services) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker("can I pay with PayPal?", intent="ask_faq"), {})
    best = world.knowledge.faq.ask("can I pay with PayPal?").best
    assert best is not None and best.confident
    assert texts(dispatcher) == best.entry.answer


async def test_an_unsure_faq_answer_offers_a_person(shop: Any) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(
        dispatcher,
        tracker("what is the airspeed velocity of an unladen swallow", intent="ask_faq"),
        {},
    )
    assert "not sure" in texts(dispatcher)
    assert {"title": "Talk to a person", "payload": "/human_handoff"} in buttons(dispatcher)


def _handoff_rows(shop: Any, sender: str) -> list[tuple[str, str | None, str | None]]:
    with Session(shop._engine) as session:
        rows = session.scalars(
            select(HandoffRequestRow).where(HandoffRequestRow.conversation_id == sender)
        ).all()
        return [(r.status, r.customer_id, r.contact_email) for r in rows]


async def _ask_for_a_person(
    sender: str, text: str, metadata: dict[str, Any] | None = None, **kwargs: Any
) -> str:
    dispatcher = CollectingDispatcher()
    await ActionRequestHandoff().run(
        dispatcher,
        tracker(text, intent="human_handoff", sender=sender, metadata=metadata, **kwargs),
        {},
    )
    return texts(dispatcher)


async def test_a_logged_in_customer_is_told_a_person_replies_by_email(shop: Any) -> None:
    customer_id = account_of(an_order(shop, "delivered"))
    customer = shop.get_customer(customer_id)
    sender = new_sender()
    said = await _ask_for_a_person(
        sender, "I want to talk to a person", {"customer_token": token(customer_id)}
    )
    hours = shop.policy.handoff_reply_hours
    assert said == (
        "Nobody from our team is online right now, so I've passed your request to our "
        "customer service team: a member of the team will reply by e-mail to "
        f"{customer.email} within {hours} hours. Meanwhile I'm happy to keep helping here."
    )
    assert _handoff_rows(shop, sender) == [("open", customer_id, customer.email)]


async def test_without_an_email_the_request_is_noted_and_the_address_asked_for(
    shop: Any,
) -> None:
    sender = new_sender()
    said = await _ask_for_a_person(sender, "I want to talk to a person")
    assert "Nobody from our team is online right now" in said
    assert f"replies by e-mail within {shop.policy.handoff_reply_hours} hours" in said
    assert "I need your e-mail address" in said
    assert _handoff_rows(shop, sender) == [("open", None, None)]
    # the same request, now with an address: recorded on the open request
    said = await _ask_for_a_person(
        sender,
        "talk to a person, my e-mail is Lou@Example.org",
        entities=[{"entity": "email", "value": "Lou@Example.org"}],
    )
    assert "reply by e-mail to lou@example.org" in said
    assert _handoff_rows(shop, sender) == [("open", None, "lou@example.org")]


async def test_an_email_given_earlier_in_the_chat_is_used(shop: Any) -> None:
    sender = new_sender()
    said = await _ask_for_a_person(
        sender, "can I speak to someone", slots={"order_email": "kim@example.com"}
    )
    assert "reply by e-mail to kim@example.com" in said
    assert _handoff_rows(shop, sender) == [("open", None, "kim@example.com")]


async def test_a_shop_database_that_is_down_is_said_not_raised(
    world: services.Services, tmp_path: Any
) -> None:
    missing = tmp_path / "no-such-folder" / "shop.db"
    broken = SqlShopService(create_engine_from_url(f"sqlite:///{missing}"))
    services.register(
        services.Services(
            settings=world.settings,
            shop=broken,
            knowledge=world.knowledge,
            handoff=world.handoff,
            verification=world.verification,
            desk=world.desk,
        )
    )
    try:
        dispatcher = CollectingDispatcher()
        events = await ActionViewCart().run(dispatcher, tracker("my cart", intent="view_cart"), {})
    finally:
        services.register(world)
    assert events == []
    assert texts(dispatcher) == SHOP_DOWN
