"""Chatwoot as the agent desk: the real Rasa and action servers as a Chatwoot Agent Bot.

Chatwoot itself cannot run here (Rails, PostgreSQL, Redis), so ``FakeChatwoot``
(tests/integration/fake_chatwoot.py) stands in for the two endpoints of its application API
an Agent Bot calls: posting a message and ``toggle_status``. It checks the bot's
``api_access_token`` and records what it receives; its answers have Chatwoot's shape. The
session's stack (tests/integration/conftest.py) runs with the Chatwoot channel on, pointed
at that fake. The webhook events the tests send have the shape of Chatwoot's
``Message#webhook_data`` (see connectors/chatwoot_payloads.py).

The expected bot replies are what the REST channel answers to the same words, never
hard-coded text: these tests are about the adapter, not the dialogue.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from connectors.chatwoot_payloads import bot_message
from scripts.stackctl import post_json
from tests.integration.fake_chatwoot import (
    FAILING_CONVERSATION,
    WAIT_SECONDS,
    FakeChatwoot,
    Received,
)

if TYPE_CHECKING:
    from tests.integration.conftest import Stack

# the first test may include the session stack's start: more than the default 300 s on a
# busy machine
pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]

ACCOUNT = 7


class ChatwootBot:
    """The session's stack (the Chatwoot channel on) and the fake Chatwoot it talks to."""

    def __init__(self, stack: Stack, fake: FakeChatwoot) -> None:
        self.stack = stack
        self.fake = fake
        self.webhook_url = f"{stack.rasa_url}/webhooks/chatwoot/webhook"
        self._message_ids = 5000

    def event(
        self,
        conversation_id: int,
        content: str,
        *,
        status: str = "pending",
        message_type: str = "incoming",
    ) -> dict[str, Any]:
        """A message_created event as Chatwoot sends it to an Agent Bot."""
        self._message_ids += 1
        contact = {"id": 40, "name": "Jane", "email": "jane@example.com", "type": "contact"}
        return {
            "event": "message_created",
            "id": self._message_ids,
            "content": content,
            "message_type": message_type,
            "content_type": "text",
            "private": False,
            "content_attributes": {},
            "sender": contact if message_type == "incoming" else {"id": 1, "type": "user"},
            "inbox": {"id": 2, "name": "Shop"},
            "conversation": {
                "id": conversation_id,
                "inbox_id": 2,
                "status": status,
                "meta": {"sender": contact},
            },
            "account": {"id": ACCOUNT, "name": "Shop"},
        }

    def post(self, payload: dict[str, Any], *, secret: str | None = "") -> tuple[int, Any]:
        """POSTs ``payload`` with the webhook secret Chatwoot has ("" = the right one)."""
        if secret == "":
            secret = self.fake.webhook_secret
        url = self.webhook_url if secret is None else f"{self.webhook_url}?secret={secret}"
        return post_json(url, payload)

    def rest_reply(self, text: str) -> list[dict[str, Any]]:
        """What the REST channel answers to ``text`` in a fresh conversation."""
        return self.stack.send(f"reference-{uuid.uuid4().hex[:8]}", text)

    def user_events(self, conversation_id: int) -> list[dict[str, Any]]:
        tracker = self.stack.tracker(f"chatwoot-{ACCOUNT}-{conversation_id}")
        return [e for e in tracker.get("events") or [] if e.get("event") == "user"]

    def said(self, conversation_id: int, count: int) -> list[str]:
        """The shopper's texts in the tracker, once it holds ``count`` (saved after a turn)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while len(events := self.user_events(conversation_id)) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"waited {WAIT_SECONDS:.0f} s for {count} user message(s)")
            time.sleep(0.2)
        return [e["text"] for e in events]

    def wait_for_messages(self, conversation_id: int, count: int) -> list[Received]:
        self.fake.wait_for(
            lambda: len(self.fake.received(conversation_id, "message")) >= count,
            f"{count} bot message(s) in Chatwoot conversation {conversation_id}",
        )
        return self.fake.received(conversation_id, "message")


@pytest.fixture(scope="module")
def chatwoot(stack: Stack, fake_chatwoot: FakeChatwoot) -> Iterator[ChatwootBot]:
    yield ChatwootBot(stack, fake_chatwoot)


def test_a_shoppers_message_gets_the_bots_reply_posted_to_chatwoot(chatwoot: ChatwootBot) -> None:
    text = "are you a bot?"
    expected = [bot_message(m.get("text"), m.get("buttons")) for m in chatwoot.rest_reply(text)]
    status, answer = chatwoot.post(chatwoot.event(101, text))
    assert (status, answer) == (200, {"status": "accepted"})

    posted = chatwoot.wait_for_messages(101, len(expected))
    assert [r.body for r in posted] == expected
    # the bot's buttons arrive as a Chatwoot options message
    assert posted[0].body["content_type"] == "input_select"
    assert chatwoot.said(101, 1) == [text]
    (said,) = chatwoot.user_events(101)
    assert said["text"] == text
    assert said["input_channel"] == "chatwoot"
    assert said["metadata"]["chatwoot"] == {
        "account_id": ACCOUNT,
        "conversation_id": 101,
        "message_id": said["metadata"]["chatwoot"]["message_id"],
        "inbox_id": 2,
        "contact_id": 40,
        "contact_email": "jane@example.com",
    }


def test_an_option_picked_in_the_chatwoot_widget_reaches_the_bot(chatwoot: ChatwootBot) -> None:
    status, _ = chatwoot.post(chatwoot.event(107, "are you a bot?"))
    assert status == 200
    (options,) = chatwoot.wait_for_messages(107, 1)
    (item,) = options.body["content_attributes"]["items"]
    # the widget updates the bot's message with the choice; Chatwoot sends message_updated
    choice = chatwoot.event(107, options.body["content"], message_type="outgoing")
    choice.update(
        event="message_updated",
        content_type="input_select",
        content_attributes={
            "items": options.body["content_attributes"]["items"],
            "submitted_values": [item],
        },
        sender={"id": 3, "type": "agent_bot"},
    )
    assert chatwoot.post(choice) == (200, {"status": "accepted"})
    assert chatwoot.said(107, 2) == ["are you a bot?", item["value"]]


def test_an_agents_message_gets_no_reply(chatwoot: ChatwootBot) -> None:
    agent = chatwoot.event(102, "Hi, Ana from the shop here.", message_type="outgoing")
    assert chatwoot.post(agent)[0] == 200
    # then the shopper writes: only that gets an answer
    assert chatwoot.post(chatwoot.event(102, "hello"))[0] == 200
    replies = len(chatwoot.rest_reply("hello"))
    chatwoot.wait_for_messages(102, replies)
    assert chatwoot.said(102, 1) == ["hello"]
    assert len(chatwoot.fake.received(102, "message")) == replies


def test_a_conversation_people_hold_gets_no_reply(chatwoot: ChatwootBot) -> None:
    status, answer = chatwoot.post(chatwoot.event(104, "hello", status="open"))
    assert (status, answer["status"]) == (200, "ignored")
    # the same conversation back with the bot (pending): its message is answered, once
    assert chatwoot.post(chatwoot.event(104, "thanks"))[0] == 200
    replies = len(chatwoot.rest_reply("thanks"))
    chatwoot.wait_for_messages(104, replies)
    assert chatwoot.said(104, 1) == ["thanks"]
    assert len(chatwoot.fake.received(104, "message")) == replies


def test_a_caller_without_the_webhook_secret_is_refused(chatwoot: ChatwootBot) -> None:
    assert chatwoot.post(chatwoot.event(103, "hello"), secret="guessed")[0] == 401
    assert chatwoot.post(chatwoot.event(103, "hello"), secret=None)[0] == 401
    assert chatwoot.post(chatwoot.event(103, "thanks"))[0] == 200
    replies = len(chatwoot.rest_reply("thanks"))
    chatwoot.wait_for_messages(103, replies)
    assert chatwoot.said(103, 1) == ["thanks"]
    assert len(chatwoot.fake.received(103, "message")) == replies


def test_the_same_event_delivered_twice_is_answered_once(chatwoot: ChatwootBot) -> None:
    event = chatwoot.event(108, "hello")
    assert chatwoot.post(event) == (200, {"status": "accepted"})
    assert chatwoot.post(event) == (200, {"status": "duplicate"})
    replies = len(chatwoot.rest_reply("hello"))
    chatwoot.wait_for_messages(108, replies)
    assert chatwoot.said(108, 1) == ["hello"]


def test_asking_for_a_person_hands_the_conversation_to_chatwoots_agents(
    chatwoot: ChatwootBot,
) -> None:
    # no REST reference here: it would file a hand-off request of its own
    assert chatwoot.post(chatwoot.event(105, "I want to talk to a human"))[0] == 200
    chatwoot.fake.wait_for(
        lambda: bool(chatwoot.fake.received(105, "toggle_status")), "the hand-off"
    )
    (toggle,) = chatwoot.fake.received(105, "toggle_status")
    assert toggle.body == {"status": "open"}
    # the bot's words were posted before the conversation went to the agents
    posted = chatwoot.fake.received(105)
    assert [r.kind for r in posted].index("toggle_status") > 0
    words = [r.body["content"] for r in posted if r.kind == "message"]
    assert words and all(isinstance(w, str) and w.strip() for w in words)


def test_chatwoot_answering_an_error_does_not_stop_the_bot(chatwoot: ChatwootBot) -> None:
    assert chatwoot.post(chatwoot.event(FAILING_CONVERSATION, "hello"))[0] == 200
    chatwoot.wait_for_messages(FAILING_CONVERSATION, 1)
    assert {r.status for r in chatwoot.fake.received(FAILING_CONVERSATION)} == {500}
    # another conversation is still answered by the same Rasa process
    assert chatwoot.post(chatwoot.event(106, "hello"))[0] == 200
    chatwoot.wait_for_messages(106, len(chatwoot.rest_reply("hello")))
    assert chatwoot.stack.running("rasa")
