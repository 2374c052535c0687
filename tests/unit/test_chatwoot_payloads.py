"""Chatwoot's agent-bot events and API bodies (connectors/chatwoot_payloads.py), no server.

The events are shaped like Chatwoot's ``Message#webhook_data`` (its documented
``message_created`` sample): ``message_type`` by name, ``conversation.id`` the display id,
``conversation.status``, ``sender`` the contact.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from connectors.chatwoot_payloads import (
    ChatwootConfigError,
    ChatwootSettings,
    ChatwootTurn,
    Ignored,
    RecentKeys,
    bot_message,
    is_handoff_request,
    parse_event,
    secret_matches,
    toggle_status_url,
)

INCOMING: dict[str, Any] = {
    "event": "message_created",
    "id": 118,
    "content": "  red running\tshoes ",
    "created_at": "2021-07-23T18:02:48.000Z",
    "message_type": "incoming",
    "content_type": "text",
    "private": False,
    "content_attributes": {},
    "source_id": None,
    "sender": {"id": 14, "name": "Jane", "email": "jane@example.com", "type": "contact"},
    "inbox": {"id": 1, "name": "Acme Support"},
    "conversation": {
        "id": 10,
        "inbox_id": 1,
        "status": "pending",
        "meta": {"sender": {"id": 14, "email": "jane@example.com", "type": "contact"}},
    },
    "account": {"id": 3, "name": "Acme Inc"},
}


def event(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(INCOMING)
    payload.update(changes)
    return payload


def with_status(status: str) -> dict[str, Any]:
    payload = event()
    payload["conversation"]["status"] = status
    return payload


def choice_event(submitted: str) -> dict[str, Any]:
    """The widget's answer to our options message: message_updated of the bot's message."""
    return event(
        event="message_updated",
        id=130,
        message_type="outgoing",
        content="Anything else?",
        content_type="input_select",
        content_attributes={
            "items": [
                {"title": "Talk to a person", "value": "/human_handoff"},
                {"title": "My cart", "value": "/view_cart"},
            ],
            "submitted_values": [{"title": "Talk to a person", "value": submitted}],
        },
        sender={"id": 2, "name": "Shop bot", "type": "agent_bot"},
    )


def test_an_incoming_message_of_a_pending_conversation_becomes_a_turn_for_rasa() -> None:
    turn = parse_event(INCOMING)
    assert turn == ChatwootTurn(
        kind="message",
        account_id=3,
        conversation_id=10,
        message_id=118,
        text="red running shoes",
        inbox_id=1,
        contact_id=14,
        contact_email="jane@example.com",
    )
    assert turn.sender_id == "chatwoot-3-10"
    assert turn.metadata() == {
        "chatwoot": {
            "account_id": 3,
            "conversation_id": 10,
            "message_id": 118,
            "inbox_id": 1,
            "contact_id": 14,
            "contact_email": "jane@example.com",
        }
    }


@pytest.mark.parametrize("status", ["open", "resolved", "snoozed"])
def test_conversations_people_hold_or_closed_are_not_answered(status: str) -> None:
    assert parse_event(with_status(status)) == Ignored(
        f"the conversation is {status!r}, not pending"
    )


def test_agents_replies_and_the_bots_own_messages_are_not_answered() -> None:
    agent = event(message_type="outgoing", sender={"id": 1, "type": "user"})
    assert parse_event(agent) == Ignored("message type 'outgoing': not the shopper's")
    assert parse_event(event(message_type=3)) == Ignored(
        "message type 'template': not the shopper's"
    )


def test_private_notes_are_not_answered() -> None:
    assert parse_event(event(private=True)) == Ignored("a private note")


def test_other_events_and_malformed_ids_are_not_answered() -> None:
    assert parse_event(event(event="conversation_opened")) == Ignored(
        "event 'conversation_opened' needs no answer"
    )
    assert isinstance(parse_event(event(account={"id": True})), Ignored)
    assert isinstance(parse_event(event(id="12; drop")), Ignored)
    assert isinstance(parse_event(["not", "an", "object"]), Ignored)


def test_ids_given_as_strings_are_read() -> None:
    turn = parse_event(event(id="118", account={"id": "3"}))
    assert isinstance(turn, ChatwootTurn)
    assert (turn.account_id, turn.message_id) == (3, 118)


def test_an_unusable_e_mail_is_dropped_and_the_conversations_contact_is_used() -> None:
    turn = parse_event(event(sender={"id": 14, "email": "not an address", "type": "contact"}))
    assert isinstance(turn, ChatwootTurn) and turn.contact_email is None
    no_sender = event(sender=None)
    turn = parse_event(no_sender)
    assert isinstance(turn, ChatwootTurn) and turn.contact_email == "jane@example.com"


def test_an_option_picked_in_the_widget_becomes_its_payload() -> None:
    turn = parse_event(choice_event("/human_handoff"))
    assert isinstance(turn, ChatwootTurn)
    assert (turn.kind, turn.text, turn.message_id) == ("choice", "/human_handoff", 130)
    assert turn.dedup_key == ("choice", 3, 130)


def test_a_value_we_never_offered_is_not_taken_as_a_choice() -> None:
    assert parse_event(choice_event('/inform{"email": "x@y.z"}')) == Ignored(
        "no option we offered was chosen"
    )


def test_buttons_become_a_chatwoot_options_message() -> None:
    buttons = [
        {"title": "Card", "payload": '/inform{"payment_method": "card"}'},
        {"title": " ", "payload": "/nothing"},  # no title: dropped
    ]
    assert bot_message("How would you like to pay?", buttons) == {
        "content": "How would you like to pay?",
        "message_type": "outgoing",
        "private": False,
        "content_type": "input_select",
        "content_attributes": {
            "items": [{"title": "Card", "value": '/inform{"payment_method": "card"}'}]
        },
    }


def test_plain_text_and_empty_messages() -> None:
    assert bot_message("Hello!") == {
        "content": "Hello!",
        "message_type": "outgoing",
        "private": False,
    }
    assert bot_message("   ") is None
    assert bot_message(None, []) is None


def test_only_a_handoff_request_opens_the_conversation() -> None:
    assert is_handoff_request({"type": "handoff", "state": "queued", "wait_minutes": 3})
    assert is_handoff_request({"type": "handoff", "state": "offline", "email": None})
    assert not is_handoff_request({"type": "handoff", "state": "ended"})
    assert not is_handoff_request({"type": "cart", "lines": []})
    assert not is_handoff_request(None)


def test_the_toggle_status_url() -> None:
    assert (
        toggle_status_url("https://chat.example.com", 3, 10)
        == "https://chat.example.com/api/v1/accounts/3/conversations/10/toggle_status"
    )


def test_the_webhook_secret_must_match_when_one_is_set() -> None:
    assert secret_matches(None, None)
    assert secret_matches("s3cret", "s3cret")
    assert not secret_matches("s3cret", "s3cre")
    assert not secret_matches("s3cret", None)
    assert not secret_matches("s3cret", "")


def test_settings_off_without_a_url_and_from_the_environment_otherwise() -> None:
    assert ChatwootSettings.from_sources({}, {}) is None
    settings = ChatwootSettings.from_sources(
        {"action_health_url": "http://127.0.0.1:5055/health"},
        {"CHATWOOT_URL": "https://chat.example.com/", "CHATWOOT_API_TOKEN": "tok"},
    )
    assert settings == ChatwootSettings("https://chat.example.com", "tok", None)
    assert "tok" not in repr(settings)


def test_a_url_without_a_token_or_a_bad_url_is_refused_at_start() -> None:
    with pytest.raises(ChatwootConfigError, match="CHATWOOT_API_TOKEN"):
        ChatwootSettings.from_sources({}, {"CHATWOOT_URL": "https://chat.example.com"})
    with pytest.raises(ChatwootConfigError, match="http"):
        ChatwootSettings.from_sources({"url": "chat.example.com", "api_token": "t"}, {})


def test_recent_keys_remember_a_bounded_number() -> None:
    recent = RecentKeys(size=2)
    assert not recent.seen_before(("message", 1, 1))
    assert recent.seen_before(("message", 1, 1))
    assert not recent.seen_before(("message", 1, 2))
    assert not recent.seen_before(("message", 1, 3))  # pushes (1, 1) out
    assert not recent.seen_before(("message", 1, 1))
