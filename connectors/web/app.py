"""The web service's aiohttp application: security headers, error pages, routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from connectors.web import chat_api, desk, storefront
from connectors.web.context import CONTEXT, STATIC_DIR, WIDGET_DIR, WebContext

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # forms and JSON; nothing here uploads files

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _csp(ctx: WebContext) -> str:
    # The pages run only their own scripts; the widget talks to Rasa's socket.io server.
    rasa = ctx.settings.rasa_public_url
    ws = rasa.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    return (
        "default-src 'self'; img-src 'self' data: https:; style-src 'self'; "
        f"script-src 'self'; connect-src 'self' {rasa} {ws}; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    )


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.content_type == "text/html":
        response.headers.setdefault("Content-Security-Policy", _csp(request.app[CONTEXT]))
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(ctx: WebContext) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=MAX_BODY_BYTES)
    app[CONTEXT] = ctx

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        yield
        await ctx.rasa.close()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_get("/health", health)
    app.router.add_static("/widget/", WIDGET_DIR, append_version=False)
    app.router.add_static("/static/", STATIC_DIR, append_version=False)
    chat_api.add_routes(app)
    desk.add_routes(app)
    storefront.add_routes(app)
    return app
