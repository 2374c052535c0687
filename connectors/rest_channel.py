"""The shop's REST channel: Rasa's RestInput with input checks and a voice for outages.

Loaded by the Rasa server from ``bot/credentials.yml``::

    connectors.rest_channel.ShopRestInput:
      action_health_url: ${ACTION_HEALTH_URL}
      max_message_chars: 2000

``name()`` is "rest", so the URL stays ``POST /webhooks/rest/webhook`` with the body
``{"sender": "...", "message": "...", "metadata": {...}}`` and the reply keeps Rasa's format
(a list of ``{"recipient_id", "text", "buttons"?, "custom"?, ...}``). Differences from
RestInput: malformed bodies get a 400 with a JSON error, empty and over-long messages get a
friendly answer without reaching the dialogue, control characters are stripped, metadata
is checked and passed on with the client's address added under ``client_address`` (set by
the channel, never taken from the body: the action server limits failed order checks per
address), and when the bot produced no reply at all the shopper is told why (the action
server's /health decides which message).

The address is the peer of the TCP connection (``request.remote_addr`` when Sanic is
configured to trust a proxy's forwarding headers, else ``request.ip``).
"""

from __future__ import annotations

import asyncio
import logging
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.inbound import (
    EMPTY_MESSAGE_REPLY,
    NO_ANSWER_REPLY,
    SHOP_SYSTEM_DOWN_REPLY,
    BadRequest,
    Inbound,
    parse_body,
    too_long_reply,
)

logger = logging.getLogger(__name__)


async def conversation_paused(request: Request, sender: str) -> bool:
    """True while an agent holds the conversation (the agent desk paused it in Rasa)."""
    agent = getattr(request.app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return False
    tracker = await store.retrieve(sender)
    return tracker is not None and tracker.is_paused()


DEFAULT_MAX_MESSAGE_CHARS = 2000
# Metadata key the channel owns: a value sent by the client under this key is replaced.
CLIENT_ADDRESS_KEY = "client_address"
HEALTH_TIMEOUT_SECONDS = 2.0


def action_server_is_up(url: str, timeout: float = HEALTH_TIMEOUT_SECONDS) -> bool:
    """True when ``url`` (the action server's /health) answers 2xx within ``timeout``."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return 200 <= int(resp.status) < 300
    except (urllib.error.URLError, OSError, ValueError) as exc:
        logger.warning("Action server health check %s failed: %s", url, exc)
        return False


def client_address(request: Request) -> str:
    """The client's address as the server sees it; never a value from the request body."""
    return str(request.remote_addr or request.ip or "")


def with_client_address(metadata: dict[str, Any] | None, address: str) -> dict[str, Any]:
    """The client's metadata with ``client_address`` set by the channel."""
    checked = {k: v for k, v in (metadata or {}).items() if k != CLIENT_ADDRESS_KEY}
    checked[CLIENT_ADDRESS_KEY] = address
    return checked


class ShopRestInput(RestInput):  # rasa ships no type information: RestInput is Any
    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ShopRestInput:
        credentials = credentials or {}
        return cls(
            action_health_url=credentials.get("action_health_url") or None,
            max_message_chars=int(
                credentials.get("max_message_chars") or DEFAULT_MAX_MESSAGE_CHARS
            ),
        )

    def __init__(
        self,
        action_health_url: str | None = None,
        max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
    ) -> None:
        self.action_health_url = action_health_url
        self.max_message_chars = max_message_chars

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                inbound = parse_body(request.body or b"")
            except BadRequest as exc:
                return response.json({"error": str(exc)}, status=400)
            replies = await self._answer(
                inbound,
                on_new_message,
                client_address(request),
                paused=lambda: conversation_paused(request, inbound.sender),
            )
            return response.json(replies)

        return webhook

    async def _answer(
        self,
        inbound: Inbound,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        address: str,
        paused: Callable[[], Awaitable[bool]] | None = None,
    ) -> list[dict[str, Any]]:
        def say(text: str) -> list[dict[str, Any]]:
            return [{"recipient_id": inbound.sender, "text": text}]

        if not inbound.text:
            return say(EMPTY_MESSAGE_REPLY)
        if len(inbound.text) > self.max_message_chars:
            return say(too_long_reply(len(inbound.text), self.max_message_chars))

        collector = CollectingOutputChannel()
        message = UserMessage(
            inbound.text,
            collector,
            inbound.sender,
            input_channel=self.name(),
            metadata=with_client_address(inbound.metadata, address),
        )
        try:
            await on_new_message(message)
        except asyncio.CancelledError:
            logger.error("Handling a message from %s timed out.", inbound.sender)
        except Exception:  # the channel is the boundary: log it, and answer the shopper below
            logger.exception("Handling a message from %s failed.", inbound.sender)

        if collector.messages:
            return list(collector.messages)
        if paused is not None and await paused():
            return []  # an agent holds the conversation (the desk paused the bot): no reply
        if self.action_health_url and not await asyncio.to_thread(
            action_server_is_up, self.action_health_url
        ):
            return say(SHOP_SYSTEM_DOWN_REPLY)
        return say(NO_ANSWER_REPLY)
