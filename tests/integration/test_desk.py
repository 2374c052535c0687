"""The agent desk against the real Rasa server: claim pauses the bot, replies land in the
tracker, hand back resumes it.

The desk app runs in-process (``aiohttp_client``) over the stack's shop database and
talks to the stack's real Rasa over its HTTP API; the shopper talks over the REST channel.
The hand-off request is filed through the queue directly (what the bot files, and when,
is the dialogue's business and tested with the dialogue).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from connectors.web.app import create_app
from connectors.web.context import WebContext, templates
from connectors.web.desk_state import DESK, DeskServices
from connectors.web.rasa_api import RasaApi
from handoff.queue import HandoffQueue
from shop.db import create_engine_from_url
from shop.sql_service import SqlShopService
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

Client = TestClient[web.Request, web.Application]
PASSWORD = "correct-horse-battery-staple"
JSON = {"Accept": "application/json"}


@pytest.fixture
async def desk(
    stack: Stack, aiohttp_client: Callable[[web.Application], Awaitable[Client]]
) -> Client:
    engine = create_engine_from_url(stack.settings.shop_database_url)
    context = WebContext(
        settings=stack.settings,
        engine=engine,
        shop=SqlShopService(engine, currency=stack.settings.currency),
        handoff=HandoffQueue(engine),
        rasa=RasaApi(stack.rasa_url, stack.token),
        templates=templates(),
    )
    app = create_app(context)
    app[DESK] = DeskServices.build(
        context, hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    )
    return await aiohttp_client(app)


async def _login(client: Client, email: str) -> str:
    form = await (await client.get("/desk/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    response = await client.post(
        "/desk/login",
        data={"csrf_token": token.group(1), "email": email, "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status == 303
    page = await (await client.get("/desk/")).text()
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert csrf
    return csrf.group(1)


def _bot_events(tracker: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in tracker["events"] if e.get("event") == "bot"]


async def test_claim_pauses_the_bot_replies_reach_the_tracker_and_hand_back_resumes(
    stack: Stack, desk: Client
) -> None:
    shopper = f"desk-{uuid.uuid4().hex[:12]}"
    assert stack.say(shopper, "hello")  # the bot answers before any agent is involved
    filed = HandoffQueue(create_engine_from_url(stack.settings.shop_database_url)).request(
        shopper, reason="wants a person", channel="rest"
    )
    desk.app[DESK].agents.create(f"ana-{shopper}@shop.example", "Ana Silva", PASSWORD)
    csrf = await _login(desk, f"ana-{shopper}@shop.example")
    headers = {**JSON, "X-CSRF-Token": csrf}

    claimed = await desk.post(f"/desk/c/{filed.id}/claim", headers=headers)
    assert claimed.status == 200, await claimed.text()
    joined = _bot_events(stack.tracker(shopper))[-1]
    assert joined["text"] == "Ana has joined the chat."
    assert joined["data"]["custom"] == {
        "type": "handoff",
        "state": "joined",
        "agent": {"name": "Ana"},
    }

    assert stack.send(shopper, "is anyone there?") == []  # paused: the bot stays silent

    replied = await desk.post(
        f"/desk/c/{filed.id}/reply", data={"text": "Hi, I'm Ana. How can I help?"}, headers=headers
    )
    assert replied.status == 200, await replied.text()
    reply = _bot_events(stack.tracker(shopper))[-1]
    assert reply["text"] == "Hi, I'm Ana. How can I help?"
    assert reply["data"]["custom"] == {"type": "agent_message", "agent": {"name": "Ana"}}
    page = await (await desk.get(f"/desk/c/{filed.id}")).text()
    assert "is anyone there?" in page and "Ana (agent)" in page

    handed = await desk.post(f"/desk/c/{filed.id}/handback", headers=headers)
    assert handed.status == 200, await handed.text()
    ended = _bot_events(stack.tracker(shopper))[-1]
    assert ended["data"]["custom"] == {"type": "handoff", "state": "ended"}
    assert stack.say(shopper, "hello again")  # the bot answers again
    assert desk.app[DESK].claims.holder(filed.id) is not None  # kept as history
    still_open = HandoffQueue(create_engine_from_url(stack.settings.shop_database_url))
    # closed (other tests of the session may have left their own requests open)
    assert filed.id not in [r.id for r in still_open.open_requests()]
