"""The cart page, its JSON (``GET /api/cart``) and the forms that change the cart."""

from __future__ import annotations

from aiohttp import web

from connectors.web.context import WebContext, context_of
from connectors.web.store_catalog import product_page
from connectors.web.store_page import (
    FormRefused,
    Visit,
    blocking,
    checked_form,
    page,
    refused,
    store_of,
    visit,
)
from connectors.web.store_session import (
    keep_session,
    store_session,
)
from shop.api import Cart, Product
from shop.cards import CartPayload, cart_payload
from shop.errors import (
    InvalidQuantity,
    OutOfStock,
    ProductNotFound,
    ShopError,
    ShopUnavailable,
    VariantNotFound,
)


async def _cart_data(ctx: WebContext, session_id: str, base_url: str) -> CartPayload:
    """The cart's payload; pictures under ``base_url`` ('' for this site's own pages)."""

    def load() -> tuple[Cart, list[Product]]:
        cart = ctx.shop.get_cart(session_id)
        return cart, ctx.shop.get_products([line.product_id for line in cart.lines])

    cart, products = await blocking(load)
    return cart_payload(cart, products, storefront_url=base_url)


async def cart_page(
    request: web.Request,
    *,
    visit_: Visit | None = None,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    visit_ = visit_ or await visit(request)
    view = await _cart_data(context_of(request), visit_.session.id, "")
    visit_.cart_count = view["item_count"]
    return page(request, visit_, "store/cart.html", status=status, cart=view, error=error)


async def cart(request: web.Request) -> web.Response:
    return await cart_page(request)


async def api_cart(request: web.Request) -> web.Response:
    session = store_session(request)
    # the same pictures as the bot's cards: under STOREFRONT_URL
    ctx = context_of(request)
    view = await _cart_data(ctx, session.id, ctx.settings.storefront_url)
    response = web.json_response(view, headers={"Cache-Control": "no-store"})
    keep_session(request, response, session)
    return response


# cart changes -----------------------------------------------------------------------


def _quantity(raw: str | None, default: int = 1) -> int | None:
    if raw is None or raw.strip() == "":
        return default
    return int(raw) if raw.strip().isdigit() and len(raw.strip()) <= 3 else None


def shop_message(exc: ShopError) -> tuple[str, int]:
    """What the shopper reads for a refused cart change, and the page's status."""
    if isinstance(exc, OutOfStock):
        if exc.available <= 0:
            return "Sorry, this item is out of stock.", 409
        return (
            f"Sorry, only {exc.available} of this item can be ordered "
            f"(you asked for {exc.requested} in all).",
            409,
        )
    if isinstance(exc, InvalidQuantity):
        if exc.quantity < 1:
            return "Please choose a quantity of at least 1.", 400
        return (
            f"You can have 1 to 99 of one item in the cart (this would make {exc.quantity}).",
            400,
        )
    if isinstance(exc, VariantNotFound):
        if exc.ambiguous:
            return "Please choose the options of the item you want.", 400
        return "That item is not available in this combination any more.", 404
    if isinstance(exc, ProductNotFound):
        return "That product is not in the shop any more.", 404
    if isinstance(exc, ShopUnavailable):
        return "The shop cannot be reached right now; please try again in a minute.", 503
    return str(exc), 400


async def cart_add(request: web.Request) -> web.StreamResponse:
    visit_ = await visit(request)
    try:
        form = await checked_form(request, visit_)
    except FormRefused:
        return refused(request)
    ctx = context_of(request)
    listing = store_of(request).listing
    handle = form.get("handle") or None
    chosen = {k.removeprefix("option:"): v for k, v in form.items() if k.startswith("option:")}

    async def again(message: str, status: int) -> web.Response:
        if handle:
            return await product_page(
                request, handle=handle, visit_=visit_, error=message, status=status, chosen=chosen
            )
        return await cart_page(request, visit_=visit_, error=message, status=status)

    quantity = _quantity(form.get("quantity"))
    if quantity is None:
        return await again("Please enter the quantity as a whole number.", 400)
    sku = (form.get("sku") or "").strip()
    product_id = (form.get("product") or "").strip()
    options: tuple[tuple[str, str], ...] = tuple(chosen.items())
    if sku:
        found = await blocking(listing.variant_product, sku)
        if found is None:
            return await again("That item is not in the shop any more.", 404)
        product_id, options = found
    elif not product_id:
        return await again("Please choose an item to add.", 400)
    try:
        await blocking(
            ctx.shop.add_to_cart,
            visit_.session.id,
            product_id,
            quantity=quantity,
            options=options,
        )
    except ShopError as exc:
        message, status = shop_message(exc)
        return await again(message, status)
    raise web.HTTPSeeOther("/cart")


async def _change_quantity(request: web.Request, *, remove: bool) -> web.StreamResponse:
    visit_ = await visit(request)
    try:
        form = await checked_form(request, visit_)
    except FormRefused:
        return refused(request)
    sku = (form.get("sku") or "").strip()
    quantity = 0 if remove else _quantity(form.get("quantity"), default=-1)
    if not sku or quantity is None or quantity < 0:
        return await cart_page(
            request, visit_=visit_, error="Please enter the quantity as a whole number.", status=400
        )
    try:
        await blocking(context_of(request).shop.set_quantity, visit_.session.id, sku, quantity)
    except ShopError as exc:
        message, status = shop_message(exc)
        return await cart_page(request, visit_=visit_, error=message, status=status)
    raise web.HTTPSeeOther("/cart")


async def cart_update(request: web.Request) -> web.StreamResponse:
    return await _change_quantity(request, remove=False)


async def cart_remove(request: web.Request) -> web.StreamResponse:
    return await _change_quantity(request, remove=True)
