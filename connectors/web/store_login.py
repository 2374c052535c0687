"""Shopper login and logout on the storefront (``shop.accounts``); ``shop_session`` is kept."""

from __future__ import annotations

import logging

from aiohttp import web

from connectors.web.store_page import (
    FormRefused,
    blocking,
    checked_form,
    page,
    refused,
    store_of,
    visit,
)
from connectors.web.store_session import (
    clear_auth,
    set_auth,
)
from shop.accounts import LoginThrottled

logger = logging.getLogger(__name__)


# login ------------------------------------------------------------------------------


def _safe_next(raw: str | None) -> str:
    """Only a path of this site (never '//host' or 'https://...')."""
    if (
        raw
        and raw.startswith("/")
        and not raw.startswith("//")
        and "\\" not in raw
        and all(ch.isprintable() and not ch.isspace() for ch in raw)  # browsers drop tabs
    ):
        return raw
    return "/"


async def login_form(request: web.Request) -> web.Response:
    visit_ = await visit(request)
    return page(
        request,
        visit_,
        "store/login.html",
        email="",
        next=_safe_next(request.query.get("next")),
        error=None,
    )


async def login(request: web.Request) -> web.StreamResponse:
    visit_ = await visit(request)
    try:
        form = await checked_form(request, visit_)
    except FormRefused:
        return refused(request)
    email = (form.get("email") or "").strip()
    password = form.get("password") or ""
    target = _safe_next(form.get("next"))
    accounts = store_of(request).accounts

    def again(message: str, status: int) -> web.Response:
        return page(
            request,
            visit_,
            "store/login.html",
            status=status,
            email=email,
            next=target,
            error=message,
        )

    if not email or not password:
        return again("Please enter your e-mail address and password.", 400)
    try:
        done = await blocking(accounts.login, email, password)
    except LoginThrottled as exc:
        return again(
            f"Too many failed attempts. Please try again in about {exc.minutes} minutes.", 429
        )
    if done is None:
        return again("The e-mail address or the password is wrong.", 401)
    response = web.HTTPSeeOther(target)
    set_auth(request, response, done.token, int(accounts.session_ttl.total_seconds()))
    logger.info("Customer %s logged in on the storefront", done.customer.id)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    visit_ = await visit(request)
    try:
        await checked_form(request, visit_)
    except FormRefused:
        return refused(request)
    await blocking(store_of(request).accounts.logout, visit_.session.auth_token)
    response = web.HTTPSeeOther("/")
    clear_auth(response)
    raise response
