"""The shop's socket.io channel: Rasa's SocketIOInput with checked input and one event per
bot message.

Loaded by the Rasa server from ``bot/credentials.yml`` (same settings as ``socketio``, plus
``max_message_chars``)::

    connectors.socket_channel.ShopSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      max_message_chars: 2000

The events, paths and the session handshake are Rasa's own (``name()`` is "socketio"), so
public Rasa web-chat clients work against it. The differences:

- replies: ``ShopSocketIOOutput`` sends ONE ``bot_uttered`` event per bot message, with the
  text, the buttons as ``quick_replies`` and the custom payload (``"custom": {...}``, the
  cards of ``shop/cards.py``) on the same event: see
  ``connectors.socket_events.bot_event``. Rasa's stock output splits a text on blank lines
  into several events and sends custom JSON as emit() keyword arguments (a separate,
  oddly shaped event). The text is NOT split: the widget and rasa-webchat render markdown,
  where a blank line is a paragraph, so one event per message loses nothing and keeps the
  custom payload with its text. Images, attachments and generic-template elements keep
  Rasa's shapes and go in events of their own, as Rasa sends them (rasa-webchat shows an
  event with an attachment as the attachment only). The HTTP API's
  ``?output_channel=socketio`` (agent messages from the desk) uses this output too;
- every message's metadata gets ``client_address``, the address of the connection as the
  server saw it when the client connected, and a value the client sent under that key is
  replaced, as on the REST channel. The action server limits failed order checks per
  address with it (``shop/verification.py``);
- a message whose ``metadata.message_id`` was already handled for the same session is
  dropped without a reply (a resend after a network drop). The ids live in memory
  (``socket_events.RecentMessageIds``, the last 5000): with several Rasa replicas a resend
  reaching another replica is not recognised; that needs a shared store (e.g. the Redis of
  the Redis lock store), which this single-replica project does not have;
- a message longer than ``max_message_chars`` gets the REST channel's "too long" answer
  and never reaches the dialogue;
- ``session_request`` awaits ``enter_room``: Rasa 3.6 calls it without ``await``, which
  python-socketio 5.x (a coroutine there) never runs, so with ``session_persistence`` no
  reply ever reached the client.
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from connectors.inbound import too_long_reply
from connectors.rest_channel import (
    DEFAULT_MAX_MESSAGE_CHARS,
    client_address,
    with_client_address,
)
from connectors.socket_events import (
    RecentMessageIds,
    bot_event,
    element_events,
    image_event,
    message_id,
)
from connectors.whole_messages import SendsWholeMessages

logger = logging.getLogger(__name__)


class ChannelSetupError(RuntimeError):
    """Rasa's socket.io channel is not built as this wrapper expects (another Rasa?)."""


class ShopSocketIOOutput(SendsWholeMessages, SocketIOOutput):  # rasa: no type information
    """Sends each bot message as one ``bot_uttered`` event (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def __init__(self, sio: Any, bot_message_evt: str, namespace: str | None = None) -> None:
        super().__init__(sio, bot_message_evt)
        self.namespace = namespace

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await self.sio.emit(
            self.bot_message_evt, response, room=socket_id, namespace=self.namespace
        )

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        event = bot_event(message)
        if event is not None:
            await self._send_message(recipient_id, event)
        image = message.get("image")
        if isinstance(image, str) and image:
            await self._send_message(recipient_id, image_event(image))
        attachment = message.get("attachment")
        if attachment:
            await self._send_message(recipient_id, {"attachment": attachment})
        for element in element_events(message.get("elements")):
            await self._send_message(recipient_id, element)


def _metadata(raw: Any) -> dict[str, Any]:
    """The client's metadata as a dict (Rasa accepts a JSON string too); {} when unusable."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return {}
    return dict(raw) if isinstance(raw, dict) else {}


class ShopSocketIOInput(SocketIOInput):  # rasa ships no type information: it is Any
    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ShopSocketIOInput:
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            session_persistence=credentials.get("session_persistence", False),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            jwt_key=credentials.get("jwt_key"),
            jwt_method=credentials.get("jwt_method", "HS256"),
            metadata_key=credentials.get("metadata_key", "metadata"),
            max_message_chars=int(
                credentials.get("max_message_chars") or DEFAULT_MAX_MESSAGE_CHARS
            ),
        )

    def __init__(
        self, *args: Any, max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_message_chars = max_message_chars
        self.recent_message_ids = RecentMessageIds()

    def get_output_channel(self) -> ShopSocketIOOutput | None:
        """The output Rasa's HTTP API uses for ``?output_channel=socketio``."""
        if self.sio is None:
            return super().get_output_channel()  # warns and gives None, as Rasa does
        return ShopSocketIOOutput(self.sio, self.bot_message_evt, self.namespace)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        namespace = self.namespace or "/"
        try:
            handlers: dict[str, Any] = self.sio.handlers[namespace]
            on_connect = handlers["connect"]
            on_disconnect = handlers["disconnect"]
        except (AttributeError, KeyError) as exc:
            # Refuse to start rather than pass client metadata on unchecked: the action
            # server trusts client_address on this channel.
            raise ChannelSetupError(
                f"Rasa's socket.io channel has no {exc} handler to wrap; this Rasa version "
                "does not fit connectors/socket_channel.py. Use the plain `socketio` "
                "channel in bot/credentials.yml and drop it from TRUSTED_ADDRESS_CHANNELS "
                "in actions/dialogue/order_checks.py."
            ) from exc
        addresses: dict[str, str] = {}

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> Any:
            request = environ.get("sanic.request")
            addresses[sid] = client_address(request) if request is not None else ""
            return await on_connect(sid, environ, auth)

        async def disconnect(sid: str) -> Any:
            addresses.pop(sid, None)
            return await on_disconnect(sid)

        async def handle_message(sid: str, data: Any) -> None:
            await self._handle_message(sid, data, addresses.get(sid, ""), on_new_message)

        async def session_request(sid: str, data: Any) -> None:
            request = dict(data) if isinstance(data, dict) else {}
            session_id = request.get("session_id") or uuid.uuid4().hex
            if self.session_persistence:
                joined = self.sio.enter_room(sid, session_id, namespace=namespace)
                if inspect.isawaitable(joined):
                    await joined
            await self.sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        handlers["connect"] = connect
        handlers["session_request"] = session_request
        handlers["disconnect"] = disconnect
        handlers[self.user_message_evt] = handle_message
        return blueprint

    async def _handle_message(
        self,
        sid: str,
        data: Any,
        address: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Rasa's ``user_uttered`` handler, with the checks of the module docstring."""
        request = dict(data) if isinstance(data, dict) else {}
        if self.session_persistence:
            session_id = request.get("session_id")
            if not isinstance(session_id, str) or not session_id:
                logger.warning(
                    "A socket.io message without a session_id was ignored: the client must "
                    "send session_request first and put the confirmed id on each message."
                )
                return
            sender_id = session_id
        else:
            sender_id = sid
        metadata = with_client_address(_metadata(request.get(self.metadata_key)), address)
        output = ShopSocketIOOutput(self.sio, self.bot_message_evt, self.namespace)
        resend = message_id(metadata)
        if resend is not None and not self.recent_message_ids.first_time(sender_id, resend):
            logger.info("Dropped a resent message %s of session %s.", resend, sender_id)
            return
        text = request.get("message")
        text = text if isinstance(text, str) else ""
        if len(text) > self.max_message_chars:
            await output.send_text_message(
                sender_id, too_long_reply(len(text), self.max_message_chars)
            )
            return
        await on_new_message(
            UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata)
        )
