"""The platform seen from outside: Rasa's HTTP API, the REST channel, the action server,
the tracker store and outages, all over real HTTP."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import pytest

from connectors.inbound import EMPTY_MESSAGE_REPLY, SHOP_SYSTEM_DOWN_REPLY
from scripts.stackctl import get_json, post_json

if TYPE_CHECKING:
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def user_texts(tracker: dict[str, object]) -> list[str]:
    events = tracker.get("events")
    assert isinstance(events, list)
    return [e["text"] for e in events if e.get("event") == "user"]


def test_http_api_refuses_requests_without_the_token(stack: Stack) -> None:
    status, _ = get_json(f"{stack.rasa_url}/status")
    assert status == 401
    status, _ = get_json(f"{stack.rasa_url}/status?token=wrong")
    assert status == 401
    status, _ = get_json(f"{stack.rasa_url}/conversations/someone/tracker")
    assert status == 401
    status, body = get_json(f"{stack.rasa_url}/status?token={stack.token}")
    assert status == 200
    assert body["model_file"].endswith("shop.tar.gz")


def test_a_greeting_gets_an_answer(stack: Stack) -> None:
    assert stack.say(new_sender(), "hi").strip()


@pytest.mark.parametrize("message", ["", "   ", "\x00\x01\x02\x7f", "\n\t"])
def test_empty_messages_get_a_friendly_prompt(stack: Stack, message: str) -> None:
    replies = stack.send(new_sender(), message)
    assert [r["text"] for r in replies] == [EMPTY_MESSAGE_REPLY]


def test_a_very_long_message_is_declined_clearly(stack: Stack) -> None:
    sender = new_sender()
    reply = stack.say(sender, "shoes " * 1700)  # 10,200 characters
    assert "too long" in reply
    assert "2,000" in reply
    assert user_texts(stack.tracker(sender)) == []  # never reached the dialogue


def test_binary_characters_are_stripped_before_the_dialogue(stack: Stack) -> None:
    sender = new_sender()
    assert stack.say(sender, "h\x00e\x01llo\x1b").strip()
    assert user_texts(stack.tracker(sender)) == ["hello"]


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b'{"sender": "a", "message": "caf\xe9"}', "UTF-8"),
        (b'{"sender": "a", "message": ', "not valid JSON"),
        (b"", "not valid JSON"),
        (json.dumps({"sender": "a", "message": 42}).encode(), '"message"'),
        (json.dumps({"sender": ["a"], "message": "hi"}).encode(), '"sender"'),
        (json.dumps({"message": "hi"}).encode(), '"sender"'),
        (json.dumps({"sender": "a", "message": "hi", "metadata": "x"}).encode(), '"metadata"'),
        (json.dumps(["hi"]).encode(), "JSON object"),
    ],
)
def test_malformed_requests_get_a_400_with_a_reason(
    stack: Stack, body: bytes, complaint: str
) -> None:
    status, reply = post_json(stack.webhook_url, body)
    assert status == 400
    assert complaint in reply["error"]


def test_metadata_reaches_the_tracker(stack: Stack) -> None:
    sender = new_sender()
    stack.send(sender, "hello", metadata={"customer_token": "abc", "locale": "en-GB"})
    latest = stack.tracker(sender)["latest_message"]
    assert latest["metadata"] == {"customer_token": "abc", "locale": "en-GB"}


def test_malformed_json_to_the_action_server_is_a_client_error(stack: Stack) -> None:
    status, _ = post_json(f"{stack.action_url}/webhook", b'{"next_action": ')
    assert 400 <= status < 500


def test_malformed_json_to_the_knowledge_api_is_a_client_error(stack: Stack) -> None:
    for path in ("/v1/search/products", "/v1/faq"):
        status, _ = post_json(f"{stack.knowledge_url}{path}", b'{"query": ')
        assert 400 <= status < 500, path


def test_conversations_survive_a_rasa_restart(stack: Stack) -> None:
    sender = new_sender()
    stack.say(sender, "hi")
    stack.say(sender, "what can you do?")
    stack.restart_rasa()
    assert user_texts(stack.tracker(sender)) == ["hi", "what can you do?"]
    assert stack.say(sender, "thanks").strip()
    assert user_texts(stack.tracker(sender))[-1] == "thanks"


def test_the_bot_says_when_the_shop_system_is_down_and_recovers(stack: Stack) -> None:
    sender = new_sender()
    stack.say(sender, "hi")
    stack.stop_action_server()
    try:
        down = stack.say(sender, "where is my order 10023?")
        assert down == SHOP_SYSTEM_DOWN_REPLY
    finally:
        stack.start_action_server()
    back = stack.say(sender, "where is my order 10023?")
    assert back.strip()
    assert SHOP_SYSTEM_DOWN_REPLY not in back
