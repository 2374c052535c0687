"""The agent desk's HTTP side: login, logout, the live queue, and the route table.

Handlers are thin: the domain is ``handoff/`` (agents, sessions, throttle, claims,
availability), run in threads because it is blocking SQL; the conversation page and
its actions are in ``desk_conversation``. Every route but the login page is guarded
(``desk_auth``).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from aiohttp import web

from connectors.web import desk_conversation
from connectors.web.context import CONTEXT, context_of, render
from connectors.web.desk_auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    action,
    api,
    clear_session_cookie,
    new_login_csrf,
    page,
    session_of,
    set_cookie,
    set_session_cookie,
)
from connectors.web.desk_queue import snapshot
from connectors.web.desk_state import DESK, DeskServices, desk_of
from connectors.web.desk_stream import serve_events
from handoff.throttle import LoginThrottled

logger = logging.getLogger(__name__)

WRONG_LOGIN = "Wrong e-mail or password."
MAX_FIELD = 300


def _login_page(
    request: web.Request, *, error: str | None = None, status: int = 200
) -> web.Response:
    token = new_login_csrf()
    response = render(request, "desk/login.html", status=status, error=error, csrf_token=token)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, 3600)
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    return _login_page(request)


async def login(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    form = await request.post()
    given = form.get("csrf_token")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (isinstance(given, str) and expected and hmac.compare_digest(given, expected)):
        return _login_page(request, error="The login form expired; please try again.", status=403)
    email = form.get("email")
    password = form.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        return _login_page(request, error=WRONG_LOGIN, status=401)
    email, password = email[:MAX_FIELD], password[:MAX_FIELD]
    address = request.remote or "unknown"
    try:
        await asyncio.to_thread(desk.throttle.check, email, address)
    except LoginThrottled as exc:
        return _login_page(request, error=str(exc), status=429)
    agent = await asyncio.to_thread(desk.agents.authenticate, email, password)
    if agent is None:
        await asyncio.to_thread(desk.throttle.failed, email, address)
        logger.info("Desk login refused from %s", address)
        return _login_page(request, error=WRONG_LOGIN, status=401)
    await asyncio.to_thread(desk.throttle.succeeded, email)
    token, _session = await asyncio.to_thread(desk.sessions.start, agent)
    logger.info("Desk login of agent %d", agent.id)
    response = web.HTTPSeeOther("/desk/")
    set_session_cookie(response, request, token)
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/desk")
    raise response


@action
async def logout(request: web.Request) -> web.StreamResponse:
    await asyncio.to_thread(desk_of(request).sessions.end, request.cookies.get(SESSION_COOKIE))
    response = web.HTTPSeeOther("/desk/login")
    clear_session_cookie(response)
    raise response


async def _snapshot(request: web.Request) -> Any:
    return await asyncio.to_thread(
        snapshot, context_of(request), desk_of(request), session_of(request).agent.id
    )


@page
async def queue_page(request: web.Request) -> web.StreamResponse:
    desk_session = session_of(request)
    await asyncio.to_thread(desk_of(request).agents.touch, desk_session.agent.id)
    return render(
        request,
        "desk/queue.html",
        me=desk_session.agent,
        csrf_token=desk_session.csrf_token,
        queue=await _snapshot(request),
    )


@api
async def queue_json(request: web.Request) -> web.StreamResponse:
    return web.json_response(await _snapshot(request))


@api
async def queue_stream(request: web.Request) -> web.StreamResponse:
    async def poll() -> dict[str, Any]:
        return {"queue": await _snapshot(request)}

    return await serve_events(request, poll)


def add_routes(app: web.Application) -> None:
    """Registers the desk on the web service (its objects are built from the context)."""
    app[DESK] = DeskServices.build(app[CONTEXT])

    async def stop_streams(app: web.Application) -> None:
        app[DESK].stopping.set()

    app.on_shutdown.append(stop_streams)
    app.router.add_get("/desk", desk_root)
    app.router.add_get("/desk/login", login_form)
    app.router.add_post("/desk/login", login)
    app.router.add_post("/desk/logout", logout)
    app.router.add_get("/desk/", queue_page)
    app.router.add_get("/desk/api/queue", queue_json)
    app.router.add_get("/desk/stream", queue_stream)
    desk_conversation.add_routes(app)


async def desk_root(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/desk/")
