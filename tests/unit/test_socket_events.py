"""The socket.io channel's event shapes and resend memory (connectors/socket_events.py)."""

from __future__ import annotations

from connectors.socket_events import RecentMessageIds, bot_event, message_id

CARD = {"type": "cart", "lines": [], "item_count": 0}


def test_a_text_with_blank_lines_is_one_event_without_rasas_extra_keys() -> None:
    message = {
        "text": "First paragraph.\n\nSecond paragraph.",
        "timestamp": 1764500000.0,
        "utter_action": "utter_greet",
        "agent_id": "agent-1",
        "image": None,
        "custom": None,
    }
    assert bot_event(message) == {"text": "First paragraph.\n\nSecond paragraph."}


def test_buttons_become_quick_replies_with_the_custom_payload_on_the_same_event() -> None:
    message = {
        "text": "In your cart: ...",
        "buttons": [{"title": "Checkout", "payload": "/checkout"}, {"title": "no payload"}],
        "custom": CARD,
    }
    assert bot_event(message) == {
        "text": "In your cart: ...",
        "quick_replies": [{"content_type": "text", "title": "Checkout", "payload": "/checkout"}],
        "custom": CARD,
    }


def test_a_message_with_only_an_image_has_no_text_event() -> None:
    assert bot_event({"text": None, "image": "http://x/img.jpg"}) is None


def test_a_resent_id_is_recognised_per_session_and_old_ids_are_forgotten() -> None:
    recent = RecentMessageIds(capacity=2)
    assert recent.first_time("s1", "m1")
    assert not recent.first_time("s1", "m1")
    assert recent.first_time("s2", "m1")  # another session's id is its own
    assert recent.first_time("s1", "m2")  # a third pair: the oldest, (s1, m1), is forgotten
    assert len(recent) == 2
    assert recent.first_time("s1", "m1")
    assert not recent.first_time("s1", "m2")


def test_only_a_short_string_is_a_message_id() -> None:
    assert message_id({"message_id": "abc"}) == "abc"
    assert message_id({"message_id": 7}) is None
    assert message_id({"message_id": ""}) is None
    assert message_id({"message_id": "x" * 201}) is None
    assert message_id({}) is None
