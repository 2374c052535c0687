"""The demo storefront's pages and cart, through the real app over a scratch shop."""

from __future__ import annotations

import re

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from connectors.web.context import WebContext
from connectors.web.store_session import SESSION_COOKIE
from shop.db import InventoryRow, LocationRow, ProductRow, VariantRow
from shop.sql_service import SqlShopService
from tests.web.conftest import Client, page, post_form, session_of


def _product_with_colours(engine: Engine, colours: int = 2) -> ProductRow:
    """A product whose variants come in at least ``colours`` colours."""
    with Session(engine) as session:
        product_id = session.scalar(
            select(VariantRow.product_id)
            .group_by(VariantRow.product_id)
            .having(func.count(func.distinct(VariantRow.colour)) >= colours)
            .order_by(VariantRow.product_id)
            .limit(1)
        )
        row = session.get(ProductRow, product_id)
        assert row is not None
        session.expunge(row)
        return row


def _in_stock_sku(shop: SqlShopService, engine: Engine) -> str:
    """A SKU the warehouses can ship at least 3 of."""
    with Session(engine) as session:
        skus = list(session.scalars(select(VariantRow.sku).order_by(VariantRow.sku).limit(400)))
    from shop.listing import CatalogListing

    stock = CatalogListing(engine).online_stock(skus)
    return next(sku for sku in skus if stock[sku] >= 3)


def _leave_one_in_stock(engine: Engine, sku: str) -> None:
    """The warehouses can ship exactly one of ``sku`` (the one already in the cart)."""
    with Session(engine) as session, session.begin():
        rows = session.scalars(
            select(InventoryRow)
            .join(LocationRow, LocationRow.code == InventoryRow.location_code)
            .where(InventoryRow.sku == sku, LocationRow.kind == "warehouse")
            .order_by(InventoryRow.location_code)
        ).all()
        for index, row in enumerate(rows):
            row.on_hand, row.reserved = (1 if index == 0 else 0), 0


async def test_home_lists_the_top_level_categories_of_the_catalog(
    client: Client, context: WebContext
) -> None:
    html = await page(client, "/")
    top = [n.name for n in context.shop.category_tree() if len(n.path) == 1]
    headings = re.findall(r'<h2 id="cat-\d+"><a href="[^"]+">([^<]+)</a>', html)
    assert headings == top


async def test_a_price_filter_lists_exactly_the_products_with_a_variant_in_range(
    client: Client, context: WebContext
) -> None:
    category = next(n for n in context.shop.category_tree() if len(n.path) == 2)
    expected = sorted(
        p.title
        for p in context.shop.iter_products()
        if p.category_path[:2] == category.path and any(v.price_cents <= 3000 for v in p.variants)
    )
    slugs = "/".join(re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-") for s in category.path)
    html = await page(client, f"/c/{slugs}?price_max=30&sort=price_asc")
    shown = re.findall(r'<span class="card-title">([^<]+)</span>', html)
    assert sorted(t.replace("&amp;", "&") for t in shown) == expected


async def test_the_product_page_offers_every_colour_of_the_product(
    client: Client, engine: Engine, context: WebContext
) -> None:
    row = _product_with_colours(engine)
    product = context.shop.get_product(row.id)
    html = await page(client, f"/products/{row.handle}")
    select_html = html.split('<select name="option:Colour"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]+)"', select_html) == list(
        product.option_values["Colour"]
    )


async def test_adding_to_the_cart_without_the_csrf_token_is_refused(
    client: Client, engine: Engine, context: WebContext
) -> None:
    sku = _in_stock_sku(context.shop, engine)
    await page(client, "/")  # the visitor has a session cookie
    response = await client.post("/cart/add", data={"sku": sku, "quantity": "1"})
    assert response.status == 403
    assert context.shop.get_cart(session_of(client)).lines == ()


async def test_adding_to_the_cart_with_the_csrf_token_shows_in_the_cart_json(
    client: Client, engine: Engine, context: WebContext
) -> None:
    sku = _in_stock_sku(context.shop, engine)
    status, _ = await post_form(client, "/cart/add", {"sku": sku, "quantity": "2"})
    assert status == 303
    body = await (await client.get("/api/cart")).json()
    assert [(line["sku"], line["quantity"]) for line in body["lines"]] == [(sku, 2)]


async def test_more_than_the_stock_is_refused_with_a_message_and_the_cart_kept(
    client: Client, engine: Engine, context: WebContext
) -> None:
    sku = _in_stock_sku(context.shop, engine)
    await post_form(client, "/cart/add", {"sku": sku, "quantity": "1"})
    _leave_one_in_stock(engine, sku)
    status, html = await post_form(client, "/cart/add", {"sku": sku, "quantity": "1"})
    assert (status, "only 1 of this item can be ordered" in html) == (409, True)
    assert [line.quantity for line in context.shop.get_cart(session_of(client)).lines] == [1]


async def test_the_cart_page_updates_and_removes_lines(
    client: Client, engine: Engine, context: WebContext
) -> None:
    sku = _in_stock_sku(context.shop, engine)
    await post_form(client, "/cart/add", {"sku": sku, "quantity": "1"})
    await post_form(client, "/cart/update", {"sku": sku, "quantity": "3"}, csrf_from="/cart")
    after_update = [(ln.sku, ln.quantity) for ln in context.shop.get_cart(session_of(client)).lines]
    await post_form(client, "/cart/remove", {"sku": sku}, csrf_from="/cart")
    after_remove = context.shop.get_cart(session_of(client)).lines
    assert (after_update, after_remove) == ([(sku, 3)], ())


async def test_a_product_title_with_a_script_tag_is_shown_as_text(
    client: Client, engine: Engine
) -> None:
    row = _product_with_colours(engine)
    with Session(engine) as session, session.begin():
        session.execute(
            update(ProductRow)
            .where(ProductRow.id == row.id)
            .values(title='<script>alert("x")</script> Wallet')
        )
    html = await page(client, f"/products/{row.handle}")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Wallet" in html


async def test_an_unknown_product_is_a_404_page(client: Client) -> None:
    html = await page(client, "/products/no-such-thing-anywhere", status=404)
    assert "There is no such product in the shop." in html


async def test_an_unknown_category_is_a_404_page(client: Client) -> None:
    html = await page(client, "/c/no-such-category", status=404)
    assert "There is no such category in the shop." in html


async def test_a_first_visit_gets_an_httponly_lax_session_cookie(client: Client) -> None:
    response = await client.get("/")
    cookie = response.cookies[SESSION_COOKIE]
    assert (
        bool(re.fullmatch(r"[0-9a-f]{32}", cookie.value)),
        cookie["httponly"],
        cookie["samesite"],
    ) == (True, True, "Lax")


async def test_a_malformed_session_cookie_is_replaced(client: Client) -> None:
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: "../other-cart"})
    response = await client.get("/")
    assert re.fullmatch(r"[0-9a-f]{32}", response.cookies[SESSION_COOKIE].value)


async def test_the_widget_carries_the_session_id_and_the_product_on_a_product_page(
    client: Client, engine: Engine
) -> None:
    row = _product_with_colours(engine)
    html = await page(client, f"/products/{row.handle}")
    tag = html.split('<script src="/widget/widget.js"', 1)[1].split("</script>", 1)[0]
    assert re.findall(r'data-(session-id|page-product)="([^"]+)"', tag) == [
        ("session-id", session_of(client)),
        ("page-product", row.id),
    ]


async def test_a_demo_picture_is_an_svg_of_its_colour(client: Client, engine: Engine) -> None:
    row = _product_with_colours(engine)
    html = await page(client, f"/products/{row.handle}")
    colour_picture = re.findall(r'<img src="(/media/demo/[a-z0-9-]+\.svg)"', html)[1]
    response = await client.get(colour_picture)
    assert (response.status, response.content_type) == (200, "image/svg+xml")


async def test_the_home_page_loads_no_inline_script(client: Client) -> None:
    html = await page(client, "/")
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []


async def test_the_cart_page_is_not_cached_by_the_browser(client: Client) -> None:
    response = await client.get("/cart")
    assert response.headers["Cache-Control"] == "no-store"


async def test_the_cart_json_has_the_line_added_on_the_page(
    client: Client, engine: Engine, context: WebContext
) -> None:
    sku = _in_stock_sku(context.shop, engine)
    await post_form(client, "/cart/add", {"sku": sku, "quantity": "2"})
    body = await (await client.get("/api/cart")).json()
    [line] = body["lines"]
    assert (body["type"], line["sku"], line["quantity"], body["item_count"]) == ("cart", sku, 2, 2)
