"""Who is calling the desk: the session cookie, the CSRF check, and the route guards.

Every desk route but the login page goes through one of the guards: pages redirect to
the login page (303), the JSON API and the live streams answer 401, and every POST also
needs the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``),
else 403. The cookie is HttpOnly, SameSite=Strict, limited to ``/desk`` and Secure when
the service is reached over https (the request's scheme, or an https ``STOREFRONT_URL``
when a proxy terminates TLS).
"""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from connectors.web.context import context_of
from connectors.web.desk_state import desk_of
from handoff.sessions import SESSION_LIFETIME, DeskSession

SESSION_COOKIE = "desk_session"
LOGIN_CSRF_COOKIE = "desk_login_csrf"  # double-submit token of the login form
COOKIE_PATH = "/desk"
SESSION = web.RequestKey("desk_session", DeskSession)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def secure_cookies(request: web.Request) -> bool:
    return request.secure or context_of(request).settings.storefront_url.startswith("https://")


def set_cookie(
    response: web.StreamResponse, request: web.Request, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=secure_cookies(request),
    )


def set_session_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    set_cookie(response, request, SESSION_COOKIE, token, int(SESSION_LIFETIME.total_seconds()))


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


async def current_session(request: web.Request) -> DeskSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return await asyncio.to_thread(desk_of(request).sessions.lookup, token)


def session_of(request: web.Request) -> DeskSession:
    return request[SESSION]


def page(handler: Handler) -> Handler:
    """An HTML page: without a session, 303 to the login page."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        found = await current_session(request)
        if found is None:
            raise web.HTTPSeeOther("/desk/login")
        request[SESSION] = found
        return await handler(request)

    return guarded


def api(handler: Handler) -> Handler:
    """JSON or a live stream: without a session, 401."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        found = await current_session(request)
        if found is None:
            return web.json_response({"error": "Log in to the desk first."}, status=401)
        request[SESSION] = found
        return await handler(request)

    return guarded


async def _csrf_given(request: web.Request) -> str | None:
    header = request.headers.get("X-CSRF-Token")
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.post()).get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def action(handler: Handler) -> Handler:
    """A POST: 401 without a session, 403 without the session's CSRF token."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        found = await current_session(request)
        if found is None:
            return web.json_response({"error": "Log in to the desk first."}, status=401)
        if not found.csrf_ok(await _csrf_given(request)):
            return web.json_response(
                {"error": "The form expired (CSRF token missing or wrong); reload the page."},
                status=403,
            )
        request[SESSION] = found
        return await handler(request)

    return guarded
