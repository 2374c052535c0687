"""The socket.io channel as a public Rasa web-chat client sees it, against the real servers.

The client is python-socketio's asyncio client speaking Rasa's own events (what
rasa-webchat and the shop's widget do): ``session_request`` -> ``session_confirm``, then
``user_uttered`` with the confirmed ``session_id`` and ``bot_uttered`` back.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import socketio

from connectors.inbound import too_long_reply
from scripts.stackctl import post_json

if TYPE_CHECKING:
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

REPLY_TIMEOUT = 30.0  # first reply of a turn (the action server answers in about a second)
QUIET_SECONDS = 2.5  # no further event for this long: the turn's replies are all in


class WebChatClient:
    """A Rasa web-chat client: one socket, one session, the bot's events in a queue."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.session_id = f"socket-{uuid.uuid4().hex[:12]}"
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.sio.on("bot_uttered", self._bot_uttered)
        self.sio.on("session_confirm", self._session_confirm)

    async def _bot_uttered(self, data: dict[str, Any]) -> None:
        await self.events.put(data)

    async def _session_confirm(self, session_id: str) -> None:
        if not self.confirmed.done():
            self.confirmed.set_result(session_id)

    async def __aenter__(self) -> WebChatClient:
        await self.sio.connect(self.server, socketio_path="/socket.io", transports=["websocket"])
        await self.sio.emit("session_request", {"session_id": self.session_id})
        assert await asyncio.wait_for(self.confirmed, 10) == self.session_id
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.sio.disconnect()

    async def send(self, text: str, **metadata: Any) -> None:
        await self.sio.emit(
            "user_uttered",
            {"message": text, "session_id": self.session_id, "metadata": metadata},
        )

    async def turn(self) -> list[dict[str, Any]]:
        """The events of one turn: the first within REPLY_TIMEOUT, then until quiet."""
        events = [await asyncio.wait_for(self.events.get(), REPLY_TIMEOUT)]
        while True:
            try:
                events.append(await asyncio.wait_for(self.events.get(), QUIET_SECONDS))
            except TimeoutError:
                return events

    async def silence(self, seconds: float) -> list[dict[str, Any]]:
        """The events that arrive within ``seconds`` (expected: none)."""
        events = []
        try:
            while True:
                events.append(await asyncio.wait_for(self.events.get(), seconds))
        except TimeoutError:
            return events


def user_texts(stack: Stack, sender: str) -> list[str]:
    return [e["text"] for e in stack.tracker(sender)["events"] if e.get("event") == "user"]


def in_stock_single_variant_product(stack: Stack) -> Any:
    """A product the add button puts in the cart without asking a size or colour."""
    for product in stack.shop.iter_products():
        if len(product.variants) == 1 and stack.shop.availability(product.id).online_available:
            return product
    raise AssertionError("the catalog has no in-stock product with a single variant")


async def test_search_results_come_as_one_event_with_quick_replies_and_cards(
    stack: Stack,
) -> None:
    product = in_stock_single_variant_product(stack)
    async with WebChatClient(stack.rasa_url) as client:
        await client.send(f"show me {product.title}", message_id=uuid.uuid4().hex)
        events = await client.turn()
    results = [e for e in events if e.get("custom", {}).get("type") == "products"]
    assert len(results) == 1, events
    event = results[0]
    assert set(event) == {"text", "quick_replies", "custom"}
    assert "Cheaper ones" in [r["title"] for r in event["quick_replies"]]
    assert {r["content_type"] for r in event["quick_replies"]} == {"text"}
    assert product.id in [card["id"] for card in event["custom"]["products"]]
    # the text is the whole answer for clients that cannot draw cards: one line per card
    for card in event["custom"]["products"]:
        assert card["title"] in event["text"]


async def test_a_cards_add_button_puts_that_product_in_the_cart(stack: Stack) -> None:
    product = in_stock_single_variant_product(stack)
    async with WebChatClient(stack.rasa_url) as client:
        await client.send(f"show me {product.title}", message_id=uuid.uuid4().hex)
        cards = next(e["custom"]["products"] for e in await client.turn() if e.get("custom"))
        card = next(c for c in cards if c["id"] == product.id)
        # later results must not change what the card's button means
        await client.send("show me something cheaper", message_id=uuid.uuid4().hex)
        await client.turn()
        await client.send(card["add_payload"], message_id=uuid.uuid4().hex)
        events = await client.turn()
    cart = stack.shop.get_cart(client.session_id)
    assert [(line.product_id, line.quantity) for line in cart.lines] == [(product.id, 1)]
    carts = [e["custom"] for e in events if e.get("custom", {}).get("type") == "cart"]
    assert [[line["sku"] for line in c["lines"]] for c in carts] == [[cart.lines[0].sku]]


async def test_a_resent_message_id_gets_no_second_reply(stack: Stack) -> None:
    message_id = uuid.uuid4().hex
    async with WebChatClient(stack.rasa_url) as client:
        await client.send("hello", message_id=message_id)
        assert await client.turn()
        await client.send("hello", message_id=message_id)  # a resend after a drop
        assert await client.silence(QUIET_SECONDS * 2) == []
        await client.send("what is my cart", message_id=uuid.uuid4().hex)
        assert await client.turn()
    assert user_texts(stack, client.session_id) == ["hello", "what is my cart"]


async def test_an_over_long_message_is_declined_and_never_reaches_the_dialogue(
    stack: Stack,
) -> None:
    text = "shoes " * 400  # 2,400 characters
    async with WebChatClient(stack.rasa_url) as client:
        await client.send(text, message_id=uuid.uuid4().hex)
        events = await client.turn()
    assert events == [{"text": too_long_reply(len(text), 2000)}]
    assert user_texts(stack, client.session_id) == []


async def test_an_agent_message_through_the_http_api_reaches_the_socket_as_one_event(
    stack: Stack,
) -> None:
    custom = {"type": "agent_message", "agent": {"name": "Ana"}}
    async with WebChatClient(stack.rasa_url) as client:
        await client.send("hello", message_id=uuid.uuid4().hex)
        await client.turn()
        query = urllib.parse.urlencode(
            {"token": stack.token, "output_channel": "socketio", "execute_side_effects": "true"}
        )
        status, body = await asyncio.to_thread(
            post_json,
            f"{stack.rasa_url}/conversations/{client.session_id}/tracker/events?{query}",
            {
                "event": "bot",
                "text": "Hi, I'm Ana.\n\nHow can I help?",
                "data": {"custom": custom},
                "metadata": {"agent_id": "agent-1"},
            },
        )
        assert status == 200, json.dumps(body)[:500]
        events = await client.turn()
    assert events == [{"text": "Hi, I'm Ana.\n\nHow can I help?", "custom": custom}]


async def test_is_this_one_waterproof_on_a_product_page_answers_for_that_product(
    stack: Stack,
) -> None:
    product = next(p for p in stack.shop.iter_products() if p.attributes.get("waterproof") == "yes")
    page = {"url": f"http://127.0.0.1/products/{product.handle}", "product_id": product.id}
    async with WebChatClient(stack.rasa_url) as client:
        await client.send("is this one waterproof?", message_id=uuid.uuid4().hex, page=page)
        events = await client.turn()
    assert [e.get("text") for e in events] == [f"Yes, the {product.title} is waterproof."]
