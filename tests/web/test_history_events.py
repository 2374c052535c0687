"""Rasa tracker events -> the widget's history messages (connectors/web/history.py)."""

from __future__ import annotations

from typing import Any

from connectors.web.history import history_messages


def bot(text: str | None, at: float, **data: Any) -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": at, "data": data}


def user(text: str, at: float) -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": at, "parse_data": {}}


def test_a_button_payload_reads_as_the_title_of_its_button() -> None:
    events = [
        bot("Anything else?", 1.0, buttons=[{"title": "Checkout", "payload": "/checkout"}]),
        user("/checkout", 2.0),
    ]
    assert history_messages(events)[1] == {"sender": "user", "text": "Checkout", "timestamp": 2.0}


def test_a_card_button_reads_as_add_to_cart() -> None:
    card = {"type": "products", "products": [{"add_payload": '/add_to_cart{"product": "P1"}'}]}
    events = [bot("Found one", 1.0, custom=card), user('/add_to_cart{"product": "P1"}', 2.0)]
    assert history_messages(events)[1]["text"] == "Add to cart"


def test_a_payload_no_button_explains_is_left_out() -> None:
    events = [bot("Hi", 1.0), user('/inform{"email": "a@b.c"}', 2.0), user("thanks", 3.0)]
    assert [m["text"] for m in history_messages(events)] == ["Hi", "thanks"]


def test_a_bot_message_keeps_its_quick_replies_and_custom_payload() -> None:
    cart = {"type": "cart", "lines": [], "item_count": 0}
    events = [
        bot(
            "Your cart is empty.",
            5.0,
            quick_replies=[{"content_type": "text", "title": "Shop", "payload": "/browse"}],
            custom=cart,
        )
    ]
    assert history_messages(events) == [
        {
            "sender": "bot",
            "text": "Your cart is empty.",
            "timestamp": 5.0,
            "quick_replies": [{"content_type": "text", "title": "Shop", "payload": "/browse"}],
            "custom": cart,
        }
    ]


def test_events_that_are_not_messages_are_skipped() -> None:
    events = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {"event": "slot", "name": "email", "value": "x", "timestamp": 1.1},
        "not even an event",
        user("hello", 2.0),
    ]
    assert history_messages(events) == [{"sender": "user", "text": "hello", "timestamp": 2.0}]
