"""Fetch what a card needs from the shop and build it (``shop/cards.py``): the actions' adapter.

Stock and product records are read off the event loop (``base.call``), once per card.
"""

from __future__ import annotations

from collections.abc import Sequence

from actions.dialogue import services
from actions.dialogue.base import call
from shop.api import Cart, Product
from shop.cards import CartPayload, ProductsPayload, cart_payload, products_payload


async def products_card(products: Sequence[Product]) -> ProductsPayload:
    world = services.current()
    # one query for all the cards (it was three per product: 10-15 ms of a search turn)
    available = await call(world.shop.online_available, [p.id for p in products])
    return products_payload(
        products,
        available,
        currency=world.shop.currency,
        storefront_url=world.settings.storefront_url,
    )


async def products_card_by_id(product_ids: Sequence[str]) -> ProductsPayload:
    """Cards of the products with these ids, in this order (unknown ids left out)."""
    records = await call(services.current().shop.get_products, list(product_ids))
    by_id = {p.id: p for p in records}
    return await products_card([by_id[i] for i in product_ids if i in by_id])


async def cart_card(cart: Cart) -> CartPayload:
    ids = list(dict.fromkeys(line.product_id for line in cart.lines))
    products = await call(services.current().shop.get_products, ids) if ids else []
    return cart_payload(cart, products, storefront_url=services.current().settings.storefront_url)
