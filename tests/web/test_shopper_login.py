"""Shoppers log in on the storefront: cart and conversation go on, the chat knows them."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from connectors.web.context import WebContext
from connectors.web.store_session import AUTH_COOKIE
from shop.accounts import ShopperAccounts
from shop.api import Customer
from shop.db import CustomerRow
from shop.identity import verify_customer_token
from shop.listing import CatalogListing
from shop.records import customer_record
from tests.web.conftest import SECRET, Client, csrf_of, page, post_form, session_of

PASSWORD = "correct horse battery"


@pytest.fixture
def shopper(engine: Engine) -> Customer:
    with Session(engine) as session:
        row = session.scalar(select(CustomerRow).order_by(CustomerRow.id.desc()).limit(1))
        assert row is not None
        customer = customer_record(row)
    ShopperAccounts(engine).set_password(customer.email, PASSWORD)
    return customer


async def _login(client: Client, email: str, password: str) -> tuple[int, str]:
    return await post_form(client, "/login", {"email": email, "password": password})


def _auth_cookie(client: Client) -> str | None:
    return next((c.value for c in client.session.cookie_jar if c.key == AUTH_COOKIE), None)


def _widget_token(html: str) -> str | None:
    tag = html.split('<script src="/widget/widget.js"', 1)[1].split("</script>", 1)[0]
    found = re.search(r'data-customer-token="([^"]+)"', tag)
    return found.group(1) if found else None


async def test_a_wrong_password_is_refused_and_nobody_is_logged_in(
    client: Client, shopper: Customer
) -> None:
    status, html = await _login(client, shopper.email, "not the password")
    assert (status, "The e-mail address or the password is wrong." in html) == (401, True)
    assert (_auth_cookie(client), _widget_token(await page(client, "/"))) == (None, None)


async def test_after_five_failures_even_the_right_password_is_refused(
    client: Client, shopper: Customer
) -> None:
    for _ in range(5):
        await _login(client, shopper.email, "guess")
    status, html = await _login(client, shopper.email, PASSWORD)
    assert (status, "Too many failed attempts" in html, _auth_cookie(client)) == (429, True, None)


async def test_logging_in_keeps_the_session_and_gives_the_widget_a_valid_customer_token(
    client: Client, shopper: Customer
) -> None:
    await page(client, "/login")
    before = session_of(client)
    status, _ = await _login(client, shopper.email, PASSWORD)
    token = _widget_token(await page(client, "/"))
    assert (status, session_of(client)) == (303, before)
    assert verify_customer_token(token, SECRET, now=time.time()) == shopper.id


async def test_the_cart_filled_before_logging_in_is_there_after(
    client: Client, shopper: Customer, engine: Engine, context: WebContext
) -> None:
    product = next(p for p in context.shop.iter_products() if len(p.variants) == 1)
    sku = product.variants[0].sku
    assert CatalogListing(engine).online_stock([sku])[sku] > 0
    await post_form(client, "/cart/add", {"sku": sku})
    await _login(client, shopper.email, PASSWORD)
    body = await (await client.get("/api/cart")).json()
    assert [line["sku"] for line in body["lines"]] == [sku]


async def test_logging_out_forgets_the_customer_but_keeps_the_session(
    client: Client, shopper: Customer
) -> None:
    await _login(client, shopper.email, PASSWORD)
    before = session_of(client)
    token = csrf_of(await page(client, "/"))
    await client.post("/logout", data={"csrf_token": token})
    html = await page(client, "/")
    assert (session_of(client), _widget_token(html), "Log in</a>" in html) == (before, None, True)


async def test_the_login_cookie_is_httponly_and_lax(client: Client, shopper: Customer) -> None:
    token = csrf_of(await page(client, "/login"))
    response = await client.post(
        "/login",
        data={"csrf_token": token, "email": shopper.email, "password": PASSWORD},
        allow_redirects=False,
    )
    cookie = response.cookies[AUTH_COOKIE]
    assert (cookie["httponly"], cookie["samesite"]) == (True, "Lax")


async def test_a_login_form_without_the_csrf_token_is_refused(
    client: Client, shopper: Customer
) -> None:
    await page(client, "/login")
    response = await client.post(
        "/login", data={"email": shopper.email, "password": PASSWORD}, allow_redirects=False
    )
    assert (response.status, _auth_cookie(client)) == (403, None)


@pytest.mark.parametrize(
    "target", ["//evil.example/steal", "/\t/evil.example", "https://evil.example"]
)
async def test_the_page_after_login_is_never_another_site(
    client: Client, shopper: Customer, target: str
) -> None:
    token = csrf_of(await page(client, "/login"))
    response = await client.post(
        "/login",
        data={"csrf_token": token, "email": shopper.email, "password": PASSWORD, "next": target},
        allow_redirects=False,
    )
    assert (response.status, response.headers["Location"]) == (303, "/")
