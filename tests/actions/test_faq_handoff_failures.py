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


async def test_a_handoff_request_is_recorded(shop: Any, world: services.Services) -> None:
    sender = new_sender()
    dispatcher = CollectingDispatcher()
    await ActionRequestHandoff().run(
        dispatcher,
        tracker(
            "I want to talk to a person",
            intent="human_handoff",
            sender=sender,
            metadata={"customer_token": token("C0001")},
        ),
        {},
    )
    assert "person" in texts(dispatcher)
    with Session(shop._engine) as session:
        rows = session.scalars(
            select(HandoffRequestRow).where(HandoffRequestRow.conversation_id == sender)
        ).all()
    assert [(r.status, r.customer_id, r.reason) for r in rows] == [
        ("open", "C0001", "I want to talk to a person")
    ]


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
        )
    )
    try:
        dispatcher = CollectingDispatcher()
        events = await ActionViewCart().run(dispatcher, tracker("my cart", intent="view_cart"), {})
    finally:
        services.register(world)
    assert events == []
    assert texts(dispatcher) == SHOP_DOWN
