"""The shop's socket.io channel: Rasa's SocketIOInput with the client's address added.

Loaded by the Rasa server from ``bot/credentials.yml`` (same settings as ``socketio``)::

    connectors.socket_channel.ShopSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true

The events, paths and replies are Rasa's own (``name()`` is "socketio"). The differences:

- every message's metadata gets ``client_address``, the address of the connection as the
  server saw it when the client connected, and a value the client sent under that key is
  replaced, as on the REST channel. The action server limits failed order checks per
  address with it (``shop/verification.py``);
- ``session_request`` awaits ``enter_room``: Rasa 3.6 calls it without ``await``, which
  python-socketio 5.x (a coroutine there) never runs, so with ``session_persistence`` no
  reply ever reached the client.
"""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from connectors.rest_channel import client_address, with_client_address


class ChannelSetupError(RuntimeError):
    """Rasa's socket.io channel is not built as this wrapper expects (another Rasa?)."""


class ShopSocketIOInput(SocketIOInput):  # rasa ships no type information: it is Any
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        namespace = self.namespace or "/"
        try:
            handlers: dict[str, Any] = self.sio.handlers[namespace]
            on_connect = handlers["connect"]
            on_disconnect = handlers["disconnect"]
            on_message = handlers[self.user_message_evt]
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
        metadata_key = self.metadata_key

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> Any:
            request = environ.get("sanic.request")
            addresses[sid] = client_address(request) if request is not None else ""
            return await on_connect(sid, environ, auth)

        async def disconnect(sid: str) -> Any:
            addresses.pop(sid, None)
            return await on_disconnect(sid)

        async def handle_message(sid: str, data: Any) -> Any:
            checked = dict(data) if isinstance(data, dict) else {}
            metadata = checked.get(metadata_key) or {}
            if isinstance(metadata, str):  # Rasa accepts metadata as a JSON string too
                try:
                    metadata = json.loads(metadata)
                except json.JSONDecodeError:
                    metadata = {}
            if not isinstance(metadata, dict):
                metadata = {}
            checked[metadata_key] = with_client_address(metadata, addresses.get(sid, ""))
            return await on_message(sid, checked)

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
