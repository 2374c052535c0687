"""Server-Sent Events for the desk: one open response, a ``poll`` every second or so.

Each stream polls the database (or Rasa's tracker) server side and pushes an event only
when what it shows changed, with a comment line as a heartbeat so proxies keep the
connection. While it runs it refreshes the agent's presence (``last_seen_at``) and
re-checks the session, so logging out or being disabled ends the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from connectors.web.desk_auth import SESSION_COOKIE, session_of
from connectors.web.desk_state import desk_of

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
PRESENCE_SECONDS = 15.0

# returns {event name: payload}; a payload is sent when it differs from the last one sent
Poll = Callable[[], Awaitable[dict[str, Any]]]


async def serve_events(
    request: web.Request, poll: Poll, *, interval: float = 1.0
) -> web.StreamResponse:
    desk = desk_of(request)
    desk_session = session_of(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    sent: dict[str, str] = {}
    last_beat = last_presence = 0.0
    try:
        while not desk.stopping.is_set():
            now = time.monotonic()
            if now - last_presence >= PRESENCE_SECONDS:
                if await asyncio.to_thread(desk.sessions.lookup, token) is None:
                    await response.write(b"event: logout\ndata: {}\n\n")
                    break
                await asyncio.to_thread(desk.agents.touch, desk_session.agent.id)
                last_presence = now
            for name, payload in (await poll()).items():
                body = json.dumps(payload, separators=(",", ":"))
                if sent.get(name) != body:
                    await response.write(f"event: {name}\ndata: {body}\n\n".encode())
                    sent[name] = body
            if now - last_beat >= HEARTBEAT_SECONDS:
                await response.write(b": heartbeat\n\n")
                last_beat = now
            with contextlib.suppress(TimeoutError):  # the pause between polls
                await asyncio.wait_for(desk.stopping.wait(), timeout=interval)
    except ConnectionResetError:
        # the browser went away: nothing to clean up, presence simply stops refreshing
        logger.debug("Desk stream of agent %d closed by the browser", desk_session.agent.id)
    return response
