"""Chatwoot as an external agent desk: the Rasa bot as a Chatwoot Agent Bot.

Loaded by the Rasa server from ``bot/credentials.yml``::

    connectors.chatwoot.ChatwootInput:
      action_health_url: ${ACTION_HEALTH_URL}

and switched on by the environment (or the same keys in credentials.yml): CHATWOOT_URL
(Chatwoot's base URL), CHATWOOT_API_TOKEN (the Agent Bot's access token) and, optionally,
CHATWOOT_WEBHOOK_SECRET. Without CHATWOOT_URL the channel is loaded but answers 404, so
credentials.yml needs no variable that may be unset (Rasa refuses to start on one).
docs/chatwoot.md says how to connect an inbox.

Chatwoot POSTs each message of the inbox to ``/webhooks/chatwoot/webhook``. The channel
answers at once (Chatwoot waits 5 s for a webhook and does not need the reply in the
response) and handles the message in the background: an incoming message of a *pending*
conversation becomes a Rasa ``UserMessage`` (sender ``chatwoot-<account>-<conversation>``,
input channel "chatwoot", metadata ``{"chatwoot": {ids, "contact_email"?}}``), and the
bot's replies go to Chatwoot's messages API, buttons as an options message. A bot message
whose custom payload is a hand-off request (docs/widget.md, ``handoff`` with state "queued"
or "offline") opens the conversation (``toggle_status`` "open") after its text is posted:
from then on Chatwoot's agents have it and the channel ignores it, since it answers pending
conversations only. Which events count is decided in ``connectors/chatwoot_payloads.py``.

The webhook secret: Chatwoot's Agent Bot settings hold only a URL, so the secret travels
in it, ``.../webhooks/chatwoot/webhook?secret=...`` (or in the header
``X-Chatwoot-Bot-Secret`` when a proxy adds it), compared in constant time; a call without
it gets 401 and nothing reaches the bot. Without a configured secret anyone who can reach
Rasa could write as any Chatwoot conversation: the channel logs a warning at start.

Chatwoot down or answering an error: logged with the conversation, never raised into Rasa;
the webhook answers 200 regardless, since Chatwoot's retries would not help.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.chatwoot_payloads import (
    CHANNEL_NAME,
    HANDOFF_STATUS_BODY,
    SECRET_HEADER,
    SECRET_QUERY_PARAMETER,
    ChatwootSettings,
    ChatwootTurn,
    Ignored,
    RecentKeys,
    bot_message,
    is_handoff_request,
    messages_url,
    parse_event,
    secret_matches,
    text_message,
    toggle_status_url,
)
from connectors.inbound import (
    EMPTY_MESSAGE_REPLY,
    NO_ANSWER_REPLY,
    SHOP_SYSTEM_DOWN_REPLY,
    too_long_reply,
)
from connectors.rest_channel import action_server_is_up
from connectors.whole_messages import SendsWholeMessages

logger = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 10.0
MAX_ERROR_BODY_CHARS = 300


class ChatwootApiError(Exception):
    """A call to Chatwoot's API failed; carries the conversation and what was attempted."""

    def __init__(
        self, what: str, account_id: int, conversation_id: int, detail: str, status: int | None
    ) -> None:
        self.what = what
        self.account_id = account_id
        self.conversation_id = conversation_id
        self.detail = detail
        self.status = status
        answer = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(
            f"Chatwoot {what} for conversation {conversation_id} (account {account_id}) "
            f"failed: {answer}: {detail}"
        )


class ChatwootClient:
    """The two calls the bot makes to Chatwoot's application API, with the bot's token.

    One ``aiohttp.ClientSession`` for the server's life, opened on first use inside
    Rasa's event loop and closed when the server stops.
    """

    def __init__(self, settings: ChatwootSettings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None

    def _client_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_SECONDS),
                headers={"api_access_token": self._settings.api_token},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post_message(
        self, account_id: int, conversation_id: int, body: dict[str, Any]
    ) -> None:
        url = messages_url(self._settings.url, account_id, conversation_id)
        await self._post("posting a message", url, body, account_id, conversation_id)

    async def open_conversation(self, account_id: int, conversation_id: int) -> None:
        """Hand the conversation to people: status pending -> open."""
        url = toggle_status_url(self._settings.url, account_id, conversation_id)
        await self._post("hand-off", url, HANDOFF_STATUS_BODY, account_id, conversation_id)

    async def _post(
        self, what: str, url: str, body: dict[str, Any], account_id: int, conversation_id: int
    ) -> None:
        try:
            async with self._client_session().post(url, json=body) as answer:
                if answer.status >= 300:
                    detail = (await answer.text())[:MAX_ERROR_BODY_CHARS]
                    raise ChatwootApiError(what, account_id, conversation_id, detail, answer.status)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            detail = f"{type(exc).__name__}: {exc}"
            raise ChatwootApiError(what, account_id, conversation_id, detail, None) from exc


class ChatwootOutput(SendsWholeMessages, OutputChannel):  # rasa: no type information
    """The bot's messages of one turn, posted to its Chatwoot conversation."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    def __init__(self, client: ChatwootClient, turn: ChatwootTurn) -> None:
        self.client = client
        self.turn = turn
        self.attempted = 0  # messages the bot tried to post in this turn
        self.handed_off = False

    async def post(self, body: dict[str, Any]) -> None:
        self.attempted += 1
        try:
            await self.client.post_message(self.turn.account_id, self.turn.conversation_id, body)
        except ChatwootApiError as exc:
            logger.error("%s", exc)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        buttons = message.get("quick_replies") or message.get("buttons")
        body = bot_message(message.get("text"), buttons)
        if body is not None:
            await self.post(body)
        for key in ("image", "attachment"):  # Chatwoot takes files as uploads: send links
            link = message.get(key)
            if isinstance(link, str) and link:
                await self.post(text_message(link))
        if is_handoff_request(message.get("custom")):
            await self.hand_off()

    async def hand_off(self) -> None:
        if self.handed_off:
            return
        self.handed_off = True
        try:
            await self.client.open_conversation(self.turn.account_id, self.turn.conversation_id)
        except ChatwootApiError as exc:
            logger.error("%s; the conversation stays with the bot", exc)
        else:
            logger.info(
                "Handed Chatwoot conversation %s (account %s) to the agents.",
                self.turn.conversation_id,
                self.turn.account_id,
            )


class ChatwootInput(InputChannel):  # rasa ships no type information: it is Any
    """The Agent Bot webhook (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ChatwootInput:
        credentials = credentials or {}
        # the channel's entry point: the environment is read here, once
        settings = ChatwootSettings.from_sources(credentials, os.environ)
        return cls(settings, action_health_url=credentials.get("action_health_url") or None)

    def __init__(
        self, settings: ChatwootSettings | None, action_health_url: str | None = None
    ) -> None:
        self.settings = settings
        self.action_health_url = action_health_url
        self.client = ChatwootClient(settings) if settings is not None else None
        self.recent = RecentKeys()
        self._tasks: set[asyncio.Task[None]] = set()
        if settings is None:
            logger.info("Chatwoot channel off: CHATWOOT_URL is not set.")
        else:
            logger.info("Chatwoot channel on: replies go to %s.", settings.url)
            if settings.webhook_secret is None:
                logger.warning(
                    "CHATWOOT_WEBHOOK_SECRET is not set: anyone who can reach this server "
                    "can post messages as Chatwoot. Set it and add ?%s=... to the Agent "
                    "Bot's webhook URL (docs/chatwoot.md).",
                    SECRET_QUERY_PARAMETER,
                )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": self.settings is not None})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        @webhook.listener("after_server_stop")
        async def close_client(*_: Any) -> None:
            if self.client is not None:
                await self.client.close()

        return webhook

    async def _receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        if self.settings is None or self.client is None:
            return response.json(
                {"error": "The Chatwoot channel is not configured (CHATWOOT_URL)."}, status=404
            )
        given = request.args.get(SECRET_QUERY_PARAMETER) or request.headers.get(SECRET_HEADER)
        if not secret_matches(self.settings.webhook_secret, given):
            logger.warning(
                "Refused a Chatwoot webhook call from %s: %s secret.",
                request.ip,
                "wrong" if given else "no",
            )
            return response.json({"error": "Unknown caller."}, status=401)
        try:
            payload = json.loads(request.body or b"")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return response.json({"error": "The body is not JSON."}, status=400)
        if not isinstance(payload, dict):
            return response.json({"error": "The body is not a JSON object."}, status=400)

        turn = parse_event(payload)
        if isinstance(turn, Ignored):
            logger.debug("Chatwoot event ignored: %s.", turn.reason)
            return response.json({"status": "ignored", "reason": turn.reason})
        if self.recent.seen_before(turn.dedup_key):
            return response.json({"status": "duplicate"})
        task = asyncio.create_task(self._answer(turn, self.client, on_new_message))
        self._tasks.add(task)  # keep a reference until it is done
        task.add_done_callback(self._tasks.discard)
        return response.json({"status": "accepted"})

    async def _answer(
        self,
        turn: ChatwootTurn,
        client: ChatwootClient,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Run one turn through Rasa; the replies reach Chatwoot through ChatwootOutput."""
        assert self.settings is not None
        output = ChatwootOutput(client, turn)
        if not turn.text:
            await output.post(text_message(EMPTY_MESSAGE_REPLY))
            return
        if len(turn.text) > self.settings.max_message_chars:
            reply = too_long_reply(len(turn.text), self.settings.max_message_chars)
            await output.post(text_message(reply))
            return
        message = UserMessage(
            turn.text,
            output,
            turn.sender_id,
            input_channel=CHANNEL_NAME,
            metadata=turn.metadata(),
        )
        try:
            await on_new_message(message)
        except Exception:  # the channel is the boundary: log it, tell the shopper below
            logger.exception("Handling Chatwoot conversation %s failed.", turn.conversation_id)
        if output.attempted or output.handed_off:
            return
        if self.action_health_url and not await asyncio.to_thread(
            action_server_is_up, self.action_health_url
        ):
            await output.post(text_message(SHOP_SYSTEM_DOWN_REPLY))
        else:
            await output.post(text_message(NO_ANSWER_REPLY))
