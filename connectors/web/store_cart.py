"""The storefront's view of a cart: the contract's ``cart`` payload, for pages and JSON.

``GET /api/cart`` answers with the same shape as the bot's cart card (issue 7 contract,
``custom.type == "cart"``; built for the chat by ``actions/dialogue/cards.py``), so
``static/store.js`` can treat the widget's ``shopchat:cart`` event and its own fetch alike.
Money reads as in the chat ("49.90 EUR"); pictures go through ``public_image_url``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypedDict

from shop.api import Cart, CartLine, Product, Variant
from shop.demo.images import public_image_url
from shop.variants import option_kind


class CartLineView(TypedDict):
    sku: str
    title: str
    options: str
    quantity: int
    unit_price: str
    line_total: str
    image: str | None


class CartView(TypedDict):
    type: Literal["cart"]
    lines: list[CartLineView]
    item_count: int
    subtotal: str
    subtotal_cents: int
    currency: str


def money(cents: int, currency: str) -> str:
    """As the chat writes prices (``actions/dialogue/formatting.money``)."""
    return f"{cents / 100:.2f} {currency}"


def _variant(product: Product | None, sku: str) -> Variant | None:
    if product is None:
        return None
    return next((v for v in product.variants if v.sku == sku), None)


def options_label(line: CartLine, variant: Variant | None) -> str:
    """'Size M, blue', then the merchant's other options ('Oak'), as the bot's card."""
    parts = [f"Size {line.size}" if line.size else "", line.colour or ""]
    if variant is not None:
        parts.extend(value for name, value in variant.options if option_kind(name) is None)
    return ", ".join(p for p in parts if p)


def _image(product: Product | None, variant: Variant | None, storefront_url: str) -> str | None:
    url = None
    if variant is not None and variant.image is not None:
        url = variant.image.url
    elif product is not None:
        url = product.image_url
    return public_image_url(url, storefront_url) if url else None


def cart_view(cart: Cart, products: Sequence[Product], storefront_url: str) -> CartView:
    """The cart's payload; ``products`` are the records of its lines (images, options)."""
    by_id = {p.id: p for p in products}
    lines: list[CartLineView] = []
    for line in cart.lines:
        product = by_id.get(line.product_id)
        variant = _variant(product, line.sku)
        lines.append(
            {
                "sku": line.sku,
                "title": line.title,
                "options": options_label(line, variant),
                "quantity": line.quantity,
                "unit_price": money(line.unit_price_cents, cart.currency),
                "line_total": money(line.total_cents, cart.currency),
                "image": _image(product, variant, storefront_url),
            }
        )
    return {
        "type": "cart",
        "lines": lines,
        "item_count": cart.item_count,
        "subtotal": money(cart.total_cents, cart.currency),
        "subtotal_cents": cart.total_cents,
        "currency": cart.currency,
    }
