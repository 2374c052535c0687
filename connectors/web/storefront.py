"""The demo storefront: pages built from whatever catalog the shop holds, and its cart.

Routes: ``/`` (top categories with a few products each), ``/c/<category slugs>`` (listing
with filters, ``shop.listing``), ``/products/<handle>``, ``/cart`` with ``/cart/add``,
``/cart/update``, ``/cart/remove``, ``GET /api/cart`` (JSON for ``static/store.js``),
``/login`` and ``/logout``, and ``/media/demo/<name>.svg`` (the demo catalog's pictures,
``shop.demo.images``). Every page carries the chat widget with the visitor's
``shop_session`` as its conversation id, so the chat and the pages share one cart
(``store_session``). Forms work without JavaScript; every POST needs the CSRF token.

Handlers are thin: the shop API (``SqlShopService``), the listing queries and the shopper
accounts are plain Python, called in a thread because they block on the database.
"""

from __future__ import annotations

from aiohttp import web

from connectors.web.context import CONTEXT
from connectors.web.store_cart_pages import api_cart, cart, cart_add, cart_remove, cart_update
from connectors.web.store_catalog import category, demo_picture, home, product
from connectors.web.store_login import login, login_form, logout
from connectors.web.store_page import STORE, Store, shop_errors
from connectors.web.store_session import CsrfSigner
from shop.accounts import ShopperAccounts
from shop.listing import CatalogListing


def add_routes(app: web.Application) -> None:
    """Registers this module's routes on the web service."""
    ctx = app[CONTEXT]
    app[STORE] = Store(
        listing=CatalogListing(ctx.engine),
        accounts=ShopperAccounts(ctx.engine),
        csrf=CsrfSigner(ctx.settings.customer_token_secret),
    )
    app.router.add_get("/", shop_errors(home))
    app.router.add_get(r"/c/{path:[a-z0-9/-]+}", shop_errors(category))
    app.router.add_get("/products/{handle}", shop_errors(product))
    app.router.add_get("/cart", shop_errors(cart))
    app.router.add_post("/cart/add", shop_errors(cart_add))
    app.router.add_post("/cart/update", shop_errors(cart_update))
    app.router.add_post("/cart/remove", shop_errors(cart_remove))
    app.router.add_get("/api/cart", shop_errors(api_cart))
    app.router.add_get("/login", shop_errors(login_form))
    app.router.add_post("/login", shop_errors(login))
    app.router.add_post("/logout", shop_errors(logout))
    app.router.add_get(r"/media/demo/{name:[a-z0-9-]+}.svg", shop_errors(demo_picture))
