"""``GET /api/chat/history?session_id=...``: a conversation's messages for the widget.

Browsers never see Rasa's token: this service reads the tracker server side
(``RasaApi.tracker``) and answers with the contract's message list (``history.py``). Who
knows a session id can read its conversation, as on Rasa's own socket.io channel; so only
ids of the shape the widget and the storefront make (32 random hex digits) are served: a
REST sender such as "me" or a Chatwoot "chatwoot-<account>-<conversation>" id, which
someone could guess, is refused with 400.
"""

from __future__ import annotations

import logging
import re

from aiohttp import web

from connectors.web.context import context_of
from connectors.web.history import history_messages
from connectors.web.rasa_api import RasaUnavailable

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


def _error(status: int, message: str) -> web.Response:
    return web.json_response(
        {"error": message}, status=status, headers={"Cache-Control": "no-store"}
    )


async def chat_history(request: web.Request) -> web.Response:
    session_id = request.query.get("session_id", "")
    if not SESSION_ID.match(session_id):
        return _error(
            400,
            "session_id must be the 32 hex digits the widget or the storefront gave the "
            "conversation.",
        )
    try:
        tracker = await context_of(request).rasa.tracker(session_id)
    except RasaUnavailable as exc:
        logger.warning("Chat history of %s unavailable: %s", session_id, exc)
        return _error(
            503, "The chat server cannot be reached right now; the history is unavailable."
        )
    events = tracker.get("events")
    messages = history_messages(events if isinstance(events, list) else [])
    return web.json_response(
        {"session_id": session_id, "messages": messages}, headers={"Cache-Control": "no-store"}
    )


def add_routes(app: web.Application) -> None:
    """Registers this module's routes on the web service."""
    app.router.add_get("/api/chat/history", chat_history)
