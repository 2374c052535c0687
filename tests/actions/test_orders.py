from __future__ import annotations

import logging
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.order_checks import TOO_MANY_CHECKS
from actions.dialogue.orders import (
    ActionHandleOrderRequest,
    ActionListOrders,
    ActionStartOrderRequest,
    ValidateOrderRequestForm,
)
from shop.api import OrderAccess
from shop.policy import RETURN_WINDOW_DAYS
from tests.actions.orders_db import account_of, an_order
from tests.actions.trackers import (
    ORDER_FORM,
    ORDER_FORM_DOMAIN,
    buttons,
    new_sender,
    slots_set,
    texts,
    token,
    tracker,
)

FORM = ORDER_FORM
DOMAIN = ORDER_FORM_DOMAIN


async def _validate(
    slots: dict[str, Any],
    new: dict[str, Any],
    metadata: dict[str, Any] | None = None,
    *,
    sender: str = "unit-0",
    channel: str | None = None,
) -> tuple[CollectingDispatcher, dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await ValidateOrderRequestForm().run(
        dispatcher,
        tracker(
            "answer",
            slots=slots,
            new_slots=new,
            metadata=metadata,
            active_loop=FORM,
            sender=sender,
            input_channel=channel,
        ),
        DOMAIN,
    )
    return dispatcher, slots_set(events)


async def _answer(slots: dict[str, Any], metadata: dict[str, Any] | None = None) -> str:
    dispatcher = CollectingDispatcher()
    await ActionHandleOrderRequest().run(
        dispatcher, tracker("", slots=slots, metadata=metadata), DOMAIN
    )
    return texts(dispatcher) + str(buttons(dispatcher))


async def test_an_order_number_in_the_wrong_format_gets_the_expected_format(shop: Any) -> None:
    for wrong in ("abc", "12"):
        dispatcher, slots = await _validate({"order_purpose": "track"}, {"order_number": wrong})
        assert slots["order_number"] is None
        assert "5 to 8 digits" in texts(dispatcher)


async def test_an_email_answer_is_checked_and_kept_in_lower_case(shop: Any) -> None:
    order = an_order(shop, "shipped")
    known = {"order_purpose": "track", "order_number": str(order.number)}
    dispatcher, slots = await _validate(known, {"order_email": "my email is jane at home"})
    assert slots["order_email"] is None
    assert "doesn't look like an e-mail address" in texts(dispatcher)
    said = f"it's {order.email.upper()}"
    dispatcher, slots = await _validate(known, {"order_email": said})
    assert slots["order_email"] == order.email.lower()
    assert "doesn't look like" not in texts(dispatcher)


async def test_the_email_is_asked_before_anything_is_said_about_the_order(shop: Any) -> None:
    order = an_order(shop, "shipped")
    dispatcher, slots = await _validate(
        {"order_purpose": "track"}, {"order_number": str(order.number)}
    )
    assert slots["order_number"] == str(order.number)
    assert slots["requested_slot"] == "order_email"
    assert "order_status" not in slots or slots["order_status"] is None
    assert texts(dispatcher) == ""


async def test_a_wrong_email_and_an_unknown_number_get_the_same_answer(shop: Any) -> None:
    order = an_order(shop, "shipped")
    wrong_email = await _validate(
        {"order_purpose": "track", "order_number": str(order.number)},
        {"order_email": "someone.else@example.com"},
    )
    unknown = await _validate(
        {"order_purpose": "track", "order_email": order.email}, {"order_number": "9999999"}
    )
    for dispatcher, slots in (wrong_email, unknown):
        assert "couldn't find an order with that number for that e-mail" in texts(dispatcher)
        assert slots["order_number"] is None
        assert slots["order_email"] is None
        assert slots["requested_slot"] == "order_number"
        assert "shipped" not in texts(dispatcher)


async def test_tracking_a_shipped_order_gives_status_carrier_and_last_event(shop: Any) -> None:
    order = an_order(shop, "shipped")
    _, slots = await _validate(
        {"order_purpose": "track", "order_number": str(order.number)},
        {"order_email": order.email.upper()},
    )
    assert slots["order_status"] == "shipped"
    assert slots["requested_slot"] is None
    said = await _answer(
        {
            "order_purpose": "track",
            "order_number": str(order.number),
            "order_email": order.email,
            "order_status": "shipped",
        }
    )
    record = shop.get_order(str(order.number), OrderAccess(email=order.email))
    assert f"Order {order.number} is shipped" in said
    assert record.shipment.carrier in said
    assert record.shipment.last_event.description in said


async def test_a_shipped_order_cannot_be_cancelled_and_a_return_is_offered(shop: Any) -> None:
    order = an_order(shop, "shipped")
    _, slots = await _validate(
        {"order_purpose": "cancel", "order_number": str(order.number)}, {"order_email": order.email}
    )
    assert slots["requested_slot"] is None  # no confirmation asked for
    said = await _answer(
        {
            "order_purpose": "cancel",
            "order_number": str(order.number),
            "order_email": order.email,
            "order_status": "shipped",
        }
    )
    assert "can't be cancelled" in said
    assert "/return_item" in said
    assert shop.get_order(str(order.number), OrderAccess(email=order.email)).status == "shipped"


async def test_a_paid_order_is_cancelled_after_confirmation(shop: Any) -> None:
    order = an_order(shop, "paid")
    base = {"order_purpose": "cancel", "order_number": str(order.number)}
    _, slots = await _validate(base, {"order_email": order.email})
    assert slots["requested_slot"] == "cancel_confirmed"
    said = await _answer(
        {**base, "order_email": order.email, "order_status": "paid", "cancel_confirmed": False}
    )
    assert "stays as it is" in said
    assert shop.get_order(str(order.number), OrderAccess(email=order.email)).status == "paid"
    said = await _answer(
        {**base, "order_email": order.email, "order_status": "paid", "cancel_confirmed": True}
    )
    assert f"Order {order.number} is cancelled" in said
    assert shop.get_order(str(order.number), OrderAccess(email=order.email)).status == "cancelled"


async def test_a_return_asks_item_and_reason_then_gives_an_rma(shop: Any) -> None:
    order = an_order(shop, "delivered", lines=2, delivered_within_days=20)
    base = {"order_purpose": "return", "order_number": str(order.number)}
    _, slots = await _validate(base, {"order_email": order.email})
    assert slots["requested_slot"] == "return_sku"
    record = shop.get_order(str(order.number), OrderAccess(email=order.email))
    second = record.lines[1]
    verified = {**base, "order_email": order.email, "order_status": "delivered"}
    _, slots = await _validate(verified, {"return_sku": "the second one"})
    assert slots["return_sku"] == second.sku
    assert slots["requested_slot"] == "return_reason"
    said = await _answer({**verified, "return_sku": second.sku, "return_reason": "too small"})
    returns = shop.returns(str(order.number), OrderAccess(email=order.email))
    assert returns[-1].sku == second.sku
    assert f"Return {returns[-1].rma} is open for {second.title}" in said


async def test_a_return_after_the_return_window_is_refused_with_the_date(shop: Any) -> None:
    order = an_order(shop, "delivered", delivered_before_days=RETURN_WINDOW_DAYS + 5)
    assert order.delivered_at is not None
    said = await _answer(
        {
            "order_purpose": "return",
            "order_number": str(order.number),
            "order_email": order.email,
            "order_status": "delivered",
            "return_sku": None,
            "return_reason": "too small",
        }
    )
    assert f"I can't open a return for order {order.number}" in said
    assert f"delivered on {order.delivered_at:%d %B %Y}" in said
    assert shop.returns(str(order.number), OrderAccess(email=order.email)) == []


async def test_a_verified_customer_is_not_asked_for_an_email(shop: Any) -> None:
    order = an_order(shop, "shipped")
    metadata = {"customer_token": token(account_of(order))}
    dispatcher, slots = await _validate(
        {"order_purpose": "track"}, {"order_number": str(order.number)}, metadata
    )
    assert slots["order_status"] == "shipped"
    assert slots["requested_slot"] is None
    stranger = an_order(shop, "delivered", not_customer=order.customer_id)
    dispatcher, slots = await _validate(
        {"order_purpose": "track"}, {"order_number": str(stranger.number)}, metadata
    )
    assert "couldn't find an order with that number on your account" in texts(dispatcher)
    assert slots["order_number"] is None


async def test_an_unsigned_customer_id_in_metadata_is_ignored(shop: Any) -> None:
    order = an_order(shop, "shipped")
    dispatcher = CollectingDispatcher()
    await ActionListOrders().run(
        dispatcher,
        tracker(
            "show my orders", intent="list_orders", metadata={"customer_id": order.customer_id}
        ),
        DOMAIN,
    )
    assert "log in" in texts(dispatcher)
    assert str(order.number) not in texts(dispatcher)
    dispatcher = CollectingDispatcher()
    await ActionListOrders().run(
        dispatcher,
        tracker(
            "show my orders",
            intent="list_orders",
            metadata={"customer_token": token(account_of(order))},
        ),
        DOMAIN,
    )
    mine = shop.list_orders(OrderAccess(customer_id=order.customer_id), 5)
    for record in mine:
        assert str(record.number) in texts(dispatcher)


async def test_starting_a_request_keeps_a_given_number_and_flags_a_bad_one(shop: Any) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionStartOrderRequest().run(
        dispatcher, tracker("cancel my order 12", intent="cancel_order"), DOMAIN
    )
    slots = slots_set(events)
    assert slots["order_purpose"] == "cancel"
    assert slots["order_number"] is None
    assert "5 to 8 digits" in texts(dispatcher)
    events = await ActionStartOrderRequest().run(
        CollectingDispatcher(),
        tracker(
            "where is 10023",
            intent="track_order",
            entities=[{"entity": "order_number", "value": "10023"}],
        ),
        DOMAIN,
    )
    assert "order_number" not in slots_set(events)


async def _track(
    order: Any, email: str, *, sender: str, channel: str | None = None, address: str | None = None
) -> tuple[str, dict[str, Any]]:
    metadata = {"client_address": address} if address else None
    dispatcher, slots = await _validate(
        {"order_purpose": "track", "order_number": str(order.number)},
        {"order_email": email},
        metadata,
        sender=sender,
        channel=channel,
    )
    return texts(dispatcher), slots


async def test_failed_checks_are_limited_per_conversation(shop: Any, world: Any) -> None:
    order = an_order(shop, "shipped")
    sender = new_sender()
    limit = world.verification.limits.max_per_conversation
    for attempt in range(limit):
        said, _ = await _track(order, f"guess{attempt}@example.com", sender=sender)
        assert "couldn't find an order with that number for that e-mail" in said
    # the right e-mail now gets the same refusal as a wrong one: no lookup is made
    right, slots = await _track(order, order.email, sender=sender)
    wrong, _ = await _track(order, "guess@example.com", sender=sender)
    assert right == wrong == TOO_MANY_CHECKS
    assert slots["order_status"] is None
    assert slots["order_number"] is None
    said, slots = await _track(order, order.email, sender=new_sender())
    assert slots["order_status"] == "shipped"


async def test_failed_checks_are_limited_per_client_address(shop: Any, world: Any) -> None:
    order = an_order(shop, "shipped")
    address, other = "203.0.113.7", "198.51.100.9"
    for attempt in range(world.verification.limits.max_per_address):
        said, _ = await _track(
            order, f"try{attempt}@example.com", sender=new_sender(), channel="rest", address=address
        )
        assert "couldn't find" in said
    said, slots = await _track(
        order, order.email, sender=new_sender(), channel="rest", address=address
    )
    assert said == TOO_MANY_CHECKS
    assert slots["order_status"] is None
    _, slots = await _track(order, order.email, sender=new_sender(), channel="rest", address=other)
    assert slots["order_status"] == "shipped"
    # an address sent by the client on a channel that does not set it itself is not used
    _, slots = await _track(
        order, order.email, sender=new_sender(), channel="telegram", address=address
    )
    assert slots["order_status"] == "shipped"


async def test_a_failed_check_is_logged_with_conversation_and_address(
    shop: Any, caplog: pytest.LogCaptureFixture
) -> None:
    order = an_order(shop, "shipped")
    sender = new_sender()
    with caplog.at_level(logging.WARNING, logger="shop.verification"):
        await _track(
            order, "nobody@example.com", sender=sender, channel="rest", address="192.0.2.1"
        )
    assert [r.getMessage() for r in caplog.records if r.name == "shop.verification"] == [
        f"Failed order verification in conversation {sender} from address 192.0.2.1"
    ]
