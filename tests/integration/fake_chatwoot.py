"""A stand-in for Chatwoot (Rails, PostgreSQL and Redis cannot run here): the two endpoints
of its application API an Agent Bot calls, posting a message and ``toggle_status``, on a local
port in a thread of its own. It checks the bot's ``api_access_token``, records what it
receives and answers in Chatwoot's shape.

One fake serves the whole run: the session's stack (tests/integration/conftest.py) starts
Rasa with ``CHATWOOT_URL`` pointing here and the fake's two secrets, so the Chatwoot tests
(tests/integration/test_chatwoot.py) drive the same Rasa server as the other integration
tests instead of loading the model in a stack of their own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web

from scripts.stackctl import HOST, free_port

FAILING_CONVERSATION = 666  # the fake answers 500 for this conversation
WAIT_SECONDS = 60.0


@dataclasses.dataclass(frozen=True)
class Received:
    """One call the bot made to the fake Chatwoot."""

    kind: str  # "message" or "toggle_status"
    account_id: int
    conversation_id: int
    body: dict[str, Any]
    status: int  # what the fake answered


class FakeChatwoot:
    """Chatwoot's messages and toggle_status endpoints on a local port, in its own thread."""

    def __init__(self) -> None:
        self.token = secrets.token_urlsafe(24)  # the Agent Bot's api_access_token
        self.webhook_secret = secrets.token_urlsafe(24)  # what Chatwoot puts in the bot's URL
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self._received: list[Received] = []
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._next_id = 1000

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _serve(self) -> None:
        app = web.Application()
        base = "/api/v1/accounts/{account}/conversations/{conversation}"
        app.router.add_post(f"{base}/messages", self._create_message)
        app.router.add_post(f"{base}/toggle_status", self._toggle_status)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, HOST, self.port).start()

    def _record(self, kind: str, request: web.Request, body: dict[str, Any], status: int) -> None:
        received = Received(
            kind,
            int(request.match_info["account"]),
            int(request.match_info["conversation"]),
            body,
            status,
        )
        with self._changed:
            self._received.append(received)
            self._changed.notify_all()

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("api_access_token") == self.token

    async def _create_message(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": "Invalid Access Token"}, status=401)
        body = await request.json()
        if int(request.match_info["conversation"]) == FAILING_CONVERSATION:
            self._record("message", request, body, 500)
            return web.json_response({"error": "Internal Server Error"}, status=500)
        self._record("message", request, body, 200)
        self._next_id += 1
        return web.json_response(
            {
                "id": self._next_id,
                "content": body.get("content"),
                "message_type": 1,
                "content_type": body.get("content_type", "text"),
                "content_attributes": body.get("content_attributes", {}),
                "conversation_id": int(request.match_info["conversation"]),
                "private": False,
                "sender": {"type": "agent_bot"},
            }
        )

    async def _toggle_status(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": "Invalid Access Token"}, status=401)
        body = await request.json()
        self._record("toggle_status", request, body, 200)
        return web.json_response(
            {
                "meta": {},
                "payload": {
                    "success": True,
                    "current_status": body.get("status"),
                    "conversation_id": int(request.match_info["conversation"]),
                },
            }
        )

    def received(self, conversation_id: int, kind: str | None = None) -> list[Received]:
        with self._changed:
            return [
                r
                for r in self._received
                if r.conversation_id == conversation_id and (kind is None or r.kind == kind)
            ]

    def wait_for(self, what: Callable[[], bool], description: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        with self._changed:
            while not what():
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"waited {WAIT_SECONDS:.0f} s for {description}")
                self._changed.wait(left)
