"""What every storefront page shares: the visitor, the page frame with the widget,
CSRF-checked forms and the answer to a database outage."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from multidict import MultiDict

from connectors.web.context import WebContext, context_of, render
from connectors.web.store_session import (
    CSRF_FIELD,
    CsrfSigner,
    StoreSession,
    keep_session,
    store_session,
)
from shop.accounts import ShopperAccounts
from shop.api import CategoryNode, CategoryPath, Customer
from shop.display import money
from shop.errors import (
    ShopUnavailable,
)
from shop.identity import sign_customer
from shop.listing import (
    CatalogListing,
    category_slugs,
)

logger = logging.getLogger(__name__)


SHOP_NAME = "Demo Shop"
WIDGET_TITLE = "Shop assistant"
CUSTOMER_TOKEN_TTL_SECONDS = 3600

T = TypeVar("T")


@dataclass(frozen=True)
class Store:
    """The storefront's own services, built once per application."""

    listing: CatalogListing
    accounts: ShopperAccounts
    csrf: CsrfSigner


STORE = web.AppKey("store", Store)


@dataclass
class Visit:
    """One request's visitor: session, login, cart size and what every page shows."""

    session: StoreSession
    customer: Customer | None
    cart_count: int
    nav: list[CategoryNode]
    csrf_token: str


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def shop_errors(handler: Handler) -> Handler:
    """A database outage answers 503 with a message instead of a stack trace page."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ShopUnavailable as exc:
            logger.error("Storefront %s failed: %s", request.path, exc)
            return web.Response(
                status=503,
                text="The shop is unavailable right now. Please try again in a minute.",
                content_type="text/plain",
            )

    return wrapped


def store_of(request: web.Request) -> Store:
    return request.app[STORE]


async def blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(fn, *args, **kwargs)


def category_url(path: CategoryPath) -> str:
    return "/c/" + "/".join(category_slugs(path))


def _customer_token(ctx: WebContext, customer: Customer | None) -> str | None:
    if customer is None:
        return None
    if not ctx.settings.customer_token_secret:
        logger.warning("CUSTOMER_TOKEN_SECRET is not set: the chat cannot recognise shoppers.")
        return None
    return sign_customer(
        customer.id,
        ctx.settings.customer_token_secret,
        ttl_seconds=CUSTOMER_TOKEN_TTL_SECONDS,
        now=time.time(),
    )


async def visit(request: web.Request) -> Visit:
    ctx = context_of(request)
    store = store_of(request)
    session = store_session(request)

    def load() -> tuple[Customer | None, int, list[CategoryNode]]:
        customer = store.accounts.customer_for(session.auth_token)
        count = 0 if session.new else ctx.shop.get_cart(session.id).item_count
        top = [node for node in ctx.shop.category_tree() if len(node.path) == 1]
        return customer, count, top

    customer, count, nav = await blocking(load)
    return Visit(
        session=session,
        customer=customer,
        cart_count=count,
        nav=nav,
        csrf_token=store.csrf.token(session.id),
    )


def page(
    request: web.Request,
    visit_: Visit,
    template: str,
    *,
    status: int = 200,
    product_id: str | None = None,
    **values: Any,
) -> web.Response:
    """A store page with the header, the nav and the widget; sets ``shop_session`` if new."""
    ctx = context_of(request)
    widget = {
        "server": ctx.settings.rasa_public_url,
        "session_id": visit_.session.id,
        "history_url": "/api/chat/history",
        "customer_token": _customer_token(ctx, visit_.customer),
        "page_product": product_id,
        "title": WIDGET_TITLE,
    }
    response = render(
        request,
        template,
        status=status,
        shop_name=SHOP_NAME,
        visit=visit_,
        widget=widget,
        category_url=category_url,
        money=money,
        currency=ctx.shop.currency,
        csrf_field=CSRF_FIELD,
        **values,
    )
    keep_session(request, response, visit_.session)
    response.headers["Cache-Control"] = "no-store"
    return response


def not_found(request: web.Request, visit_: Visit, what: str) -> web.Response:
    return page(request, visit_, "store/not_found.html", status=404, what=what)


class FormRefused(Exception):
    """A POST without a valid CSRF token: answered 403, nothing changed."""


async def checked_form(request: web.Request, visit_: Visit) -> MultiDict[str]:
    """The posted text fields, once the CSRF token matches the visitor's session."""
    form = await request.post()
    token = form.get(CSRF_FIELD)
    if visit_.session.new or not store_of(request).csrf.valid(visit_.session.id, token):
        raise FormRefused()
    return MultiDict((k, v) for k, v in form.items() if isinstance(v, str))


def refused(request: web.Request) -> web.Response:
    return web.Response(
        status=403,
        text="This form has expired or did not come from this shop. Reload the page and try again.",
        content_type="text/plain",
    )
