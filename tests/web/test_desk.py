"""The agent desk over the real app: login, guards, CSRF, throttling, escaping, claims.

Rasa is not running here (``RASA_URL`` points at a free port, see conftest): everything
that is decided before Rasa is called is pinned here, including a claim refused because
the bot cannot be paused. The Rasa side (pause, agent replies in the tracker, resume) is
tested in tests/integration/test_desk.py.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from connectors.web.app import create_app
from connectors.web.context import WebContext
from connectors.web.desk_state import DESK, DeskServices
from handoff.agents import Agent
from shop.api import OrderAccess
from shop.db import OrderRow
from tests.web.conftest import Client

PASSWORD = "correct-horse-battery-staple"
_FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
JSON = {"Accept": "application/json"}


# argon2id with small costs: the same algorithm and code path, a quicker test run
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


@pytest.fixture
async def client(
    context: WebContext, aiohttp_client: Callable[[web.Application], Awaitable[Client]]
) -> Client:
    """The real app, its desk using quicker argon2 parameters."""
    app = create_app(context)
    app[DESK] = DeskServices.build(context, hasher=FAST_HASHER)
    return await aiohttp_client(app)


def desk_of(client: Client) -> DeskServices:
    return client.app[DESK]


@pytest.fixture
def ana(client: Client) -> Agent:
    return desk_of(client).agents.create("ana@shop.example", "Ana Silva", PASSWORD)


@pytest.fixture
def bob(client: Client) -> Agent:
    return desk_of(client).agents.create("bob@shop.example", "Bob Martin", PASSWORD)


async def try_login(client: Client, email: str, password: str) -> tuple[int, str, Any]:
    form = await (await client.get("/desk/login")).text()
    match = _FORM_CSRF.search(form)
    assert match, "the login page has no CSRF field"
    response = await client.post(
        "/desk/login",
        data={"csrf_token": match.group(1), "email": email, "password": password},
        allow_redirects=False,
    )
    return response.status, await response.text(), response


async def login(client: Client, agent: Agent) -> str:
    """Log in and return the session's CSRF token (from the queue page)."""
    status, _, _ = await try_login(client, agent.email, PASSWORD)
    assert status == 303
    html = await (await client.get("/desk/")).text()
    match = _META_CSRF.search(html)
    assert match, "the queue page has no CSRF token"
    return match.group(1)


def _delivered_order_of_a_customer(engine: Engine) -> tuple[str, str]:
    with Session(engine) as session:
        row = session.scalars(
            select(OrderRow)
            .where(OrderRow.status == "delivered", OrderRow.customer_id.is_not(None))
            .order_by(OrderRow.number)
        ).first()
        assert row is not None and row.customer_id is not None
        return str(row.number), row.customer_id


# login


async def test_a_wrong_password_is_refused_with_a_generic_message(
    client: Client, ana: Agent
) -> None:
    status, html, response = await try_login(client, ana.email, "not-the-password-at-all")
    assert status == 401
    assert "Wrong e-mail or password." in html
    assert "desk_session" not in response.cookies


async def test_an_unknown_email_gets_the_same_message(client: Client, ana: Agent) -> None:
    status, html, _ = await try_login(client, "eve@shop.example", PASSWORD)
    assert (status, "Wrong e-mail or password." in html) == (401, True)


async def test_login_sets_a_strict_httponly_cookie_limited_to_the_desk(
    client: Client, ana: Agent
) -> None:
    status, _, response = await try_login(client, ana.email, PASSWORD)
    assert (status, response.headers["Location"]) == (303, "/desk/")
    cookie = response.cookies["desk_session"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/desk"


async def test_a_login_post_without_the_forms_token_is_refused(client: Client, ana: Agent) -> None:
    response = await client.post(
        "/desk/login", data={"email": ana.email, "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 403


async def test_after_five_failures_even_the_right_password_is_refused(
    client: Client, ana: Agent
) -> None:
    for _ in range(5):
        assert (await try_login(client, ana.email, "wrong-password-guess"))[0] == 401
    status, html, _ = await try_login(client, ana.email, PASSWORD)
    assert status == 429
    assert "Too many failed logins. Try again in 15 minutes." in html


async def test_logout_ends_the_session(client: Client, ana: Agent) -> None:
    csrf = await login(client, ana)
    response = await client.post("/desk/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/desk/login")
    assert (await client.get("/desk/api/queue")).status == 401


# guards

PAGES = ["/desk/", "/desk/c/1"]
READS = ["/desk/api/queue", "/desk/stream", "/desk/c/1/stream"]
POSTS = [
    "/desk/logout",
    "/desk/c/1/claim",
    "/desk/c/1/reply",
    "/desk/c/1/handback",
    "/desk/c/1/orders/10023/tracking",
    "/desk/c/1/orders/10023/cancel",
    "/desk/c/1/orders/10023/return",
]


@pytest.mark.parametrize("path", PAGES)
async def test_pages_without_a_session_redirect_to_the_login(client: Client, path: str) -> None:
    response = await client.get(path, allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/desk/login")


@pytest.mark.parametrize("path", READS)
async def test_reads_and_streams_without_a_session_answer_401(client: Client, path: str) -> None:
    assert (await client.get(path)).status == 401


@pytest.mark.parametrize("path", POSTS)
async def test_posts_without_a_session_answer_401(client: Client, path: str) -> None:
    response = await client.post(path, data={"text": "hi"}, allow_redirects=False)
    assert response.status == 401


@pytest.mark.parametrize("path", POSTS)
async def test_posts_without_the_csrf_token_answer_403(
    client: Client, ana: Agent, path: str
) -> None:
    await login(client, ana)
    response = await client.post(path, data={"text": "hi"}, headers=JSON, allow_redirects=False)
    assert response.status == 403


async def test_a_forged_csrf_token_is_refused(client: Client, ana: Agent) -> None:
    await login(client, ana)
    response = await client.post(
        "/desk/logout", data={"csrf_token": "forged"}, allow_redirects=False
    )
    assert response.status == 403


# the queue


async def test_shopper_text_in_the_queue_is_escaped(
    client: Client, ana: Agent, context: WebContext
) -> None:
    context.handoff.request(
        "conv-xss",
        reason="<script>alert('reason')</script>",
        summary='<img src=x onerror="alert(1)">',
        channel="socketio",
    )
    await login(client, ana)
    html = await (await client.get("/desk/")).text()
    assert "&lt;script&gt;alert(&#39;reason&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html


async def test_the_queue_shows_reason_trigger_customer_and_claim(
    client: Client, ana: Agent, context: WebContext, engine: Engine
) -> None:
    _number, customer_id = _delivered_order_of_a_customer(engine)
    customer = context.shop.get_customer(customer_id)
    assert customer is not None
    filed = context.handoff.request(
        "conv-q",
        reason="my parcel arrived broken",
        customer_id=customer_id,
        channel="socketio",
        trigger="order_problem",
        summary="Damaged lamp",
    )
    desk_of(client).claims.claim(filed.id, ana.id)
    await login(client, ana)
    queue = await (await client.get("/desk/api/queue")).json()
    [item] = queue["items"]
    assert (item["reason"], item["trigger_label"], item["summary"]) == (
        "my parcel arrived broken",
        "Order problem",
        "Damaged lamp",
    )
    assert item["customer"] == f"{customer.name} <{customer.email}>"
    assert (item["channel"], item["claimed_by"], item["mine"]) == ("socketio", "Ana Silva", True)


async def test_the_live_stream_pushes_the_queue_and_counts_the_agent_online(
    client: Client, ana: Agent, context: WebContext
) -> None:
    context.handoff.request("conv-live", reason="where is my order", channel="socketio")
    await login(client, ana)
    response = await client.get("/desk/stream")
    assert response.headers["Content-Type"] == "text/event-stream"
    first = (await response.content.readuntil(b"\n\n")).decode()
    response.close()
    assert first.startswith("event: queue\ndata: ")
    assert '"reason":"where is my order"' in first
    assert desk_of(client).availability.now().agents_online == 1


# the conversation


async def test_a_second_claim_is_refused_with_the_holders_name(
    client: Client, ana: Agent, bob: Agent, context: WebContext
) -> None:
    filed = context.handoff.request("conv-2", reason="help")
    desk_of(client).claims.claim(filed.id, ana.id)
    csrf = await login(client, bob)
    response = await client.post(
        f"/desk/c/{filed.id}/claim", headers={**JSON, "X-CSRF-Token": csrf}
    )
    assert response.status == 409
    assert await response.json() == {"error": "Already taken by Ana Silva."}


async def test_a_claim_is_undone_when_the_bot_cannot_be_paused(
    client: Client, ana: Agent, context: WebContext
) -> None:
    filed = context.handoff.request("conv-3", reason="help")
    csrf = await login(client, ana)
    response = await client.post(
        f"/desk/c/{filed.id}/claim", headers={**JSON, "X-CSRF-Token": csrf}
    )
    assert response.status == 502
    assert (await response.json())["error"].startswith("Not claimed: the bot could not be paused")
    assert desk_of(client).claims.holder(filed.id) is None


async def test_only_the_claiming_agent_may_reply(
    client: Client, ana: Agent, bob: Agent, context: WebContext
) -> None:
    filed = context.handoff.request("conv-4", reason="help")
    desk_of(client).claims.claim(filed.id, ana.id)
    csrf = await login(client, bob)
    response = await client.post(
        f"/desk/c/{filed.id}/reply",
        data={"text": "Hello"},
        headers={**JSON, "X-CSRF-Token": csrf},
    )
    assert response.status == 409
    assert "held by Ana Silva" in (await response.json())["error"]


@pytest.mark.parametrize(
    ("text", "error"),
    [("   ", "Write a message first."), ("x" * 2001, "too long (2001 characters")],
)
async def test_empty_and_overlong_replies_are_refused(
    client: Client, ana: Agent, context: WebContext, text: str, error: str
) -> None:
    filed = context.handoff.request("conv-5", reason="help")
    desk_of(client).claims.claim(filed.id, ana.id)
    csrf = await login(client, ana)
    response = await client.post(
        f"/desk/c/{filed.id}/reply", data={"text": text}, headers={**JSON, "X-CSRF-Token": csrf}
    )
    assert response.status == 400
    assert error in (await response.json())["error"]


async def test_the_conversation_page_shows_profile_orders_and_cart(
    client: Client, ana: Agent, context: WebContext, engine: Engine
) -> None:
    _, customer_id = _delivered_order_of_a_customer(engine)
    customer = context.shop.get_customer(customer_id)
    assert customer is not None
    latest = context.shop.list_orders(OrderAccess(customer_id=customer_id), limit=1)[0]
    number, status = latest.number, latest.status
    product = next(p for p in context.shop.iter_products() if len(p.variants) == 1)
    context.shop.add_to_cart("conv-6", product.id)
    filed = context.handoff.request(
        "conv-6", reason="<b>help</b>", customer_id=customer_id, channel="socketio"
    )
    desk_of(client).claims.claim(filed.id, ana.id)
    await login(client, ana)
    html = await (await client.get(f"/desk/c/{filed.id}")).text()
    assert f"<dd>{customer.email}</dd>" in html
    assert f"<strong>{number}</strong> · {status}" in html
    assert f"1 × {product.title}" in html
    assert "&lt;b&gt;help&lt;/b&gt;" in html
    assert "You hold this conversation" in html
    assert f'action="/desk/c/{filed.id}/orders/{number}/cancel"' in html
    assert "Transcript unavailable: Rasa could not read the conversation" in html


async def test_an_order_action_the_shop_refuses_shows_the_shops_reason(
    client: Client, ana: Agent, context: WebContext, engine: Engine
) -> None:
    number, customer_id = _delivered_order_of_a_customer(engine)
    filed = context.handoff.request("conv-7", reason="cancel please", customer_id=customer_id)
    desk_of(client).claims.claim(filed.id, ana.id)
    csrf = await login(client, ana)
    response = await client.post(
        f"/desk/c/{filed.id}/orders/{number}/cancel", headers={**JSON, "X-CSRF-Token": csrf}
    )
    assert response.status == 409
    assert (await response.json())["error"] == (
        f"Order {number} is delivered and can no longer be cancelled."
    )


async def test_order_actions_refuse_an_order_of_another_customer(
    client: Client, ana: Agent, context: WebContext, engine: Engine
) -> None:
    number, customer_id = _delivered_order_of_a_customer(engine)
    with Session(engine) as session:
        other = session.scalar(
            select(OrderRow.customer_id).where(
                OrderRow.customer_id.is_not(None), OrderRow.customer_id != customer_id
            )
        )
    filed = context.handoff.request("conv-8", reason="help", customer_id=other)
    desk_of(client).claims.claim(filed.id, ana.id)
    csrf = await login(client, ana)
    response = await client.post(
        f"/desk/c/{filed.id}/orders/{number}/tracking", headers={**JSON, "X-CSRF-Token": csrf}
    )
    assert response.status == 404


async def test_the_session_cookie_is_secure_when_the_shop_is_served_over_https(
    context: WebContext, aiohttp_client: Callable[[web.Application], Awaitable[Client]]
) -> None:
    https = dataclasses.replace(
        context,
        settings=dataclasses.replace(context.settings, storefront_url="https://shop.example"),
    )
    app = create_app(https)
    app[DESK] = DeskServices.build(https, hasher=FAST_HASHER)
    client = await aiohttp_client(app)
    agent = client.app[DESK].agents.create("ana@shop.example", "Ana Silva", PASSWORD)
    form = await client.get("/desk/login")
    assert form.cookies["desk_login_csrf"]["secure"] is True
    token = form.cookies["desk_login_csrf"].value
    # a browser sends Secure cookies over https only; this test client talks plain http
    response = await client.post(
        "/desk/login",
        data={"csrf_token": token, "email": agent.email, "password": PASSWORD},
        headers={"Cookie": f"desk_login_csrf={token}"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.cookies["desk_session"]["secure"] is True
