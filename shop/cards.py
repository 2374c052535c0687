"""The custom payloads the widget draws as cards, built from shop records: plain Python.

The actions send them beside their usual text (``dispatcher.utter_message(text=...,
json_message=card)``), so a channel that cannot draw a card still has the whole answer in
the text; the socket.io channel puts both on one ``bot_uttered`` event (``custom``). The
shapes are the ones docs/widget.md documents (``custom.type`` = ``products``, ``cart``,
``order``); money reads as in the chat texts (``shop.display.money``). The
storefront's cart JSON and stock labels are the same functions, so page and chat agree.

A card's buttons send ordinary button payloads that name the product by its id:
``/add_to_cart{"product": "<id>"}`` and ``/select_product{"product": "<id>"}``. The actions
read a button's ``product`` entity as an id first (``focus.product_named_by_button``), so a
card keeps meaning its own product after later searches changed the results shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Literal, TypedDict

from shop.api import Cart, CartLine, Order, Product, Variant
from shop.demo.images import public_image_url
from shop.display import day, money
from shop.variants import option_kind

# "Only 2 left" at or below this many online
LOW_STOCK = 3


class ProductCard(TypedDict):
    id: str
    title: str
    brand: str
    price: str
    price_cents: int
    image: str | None
    image_alt: str
    url: str
    in_stock: bool
    stock_label: str
    add_payload: str
    details_payload: str


class ProductsPayload(TypedDict):
    type: Literal["products"]
    products: list[ProductCard]


class CartLineCard(TypedDict):
    sku: str
    title: str
    options: str
    quantity: int
    unit_price: str
    line_total: str
    image: str | None


class CartPayload(TypedDict):
    type: Literal["cart"]
    lines: list[CartLineCard]
    item_count: int
    subtotal: str
    subtotal_cents: int
    currency: str


class OrderItem(TypedDict):
    title: str
    quantity: int


class TrackingCard(TypedDict):
    carrier: str
    code: str
    url: str | None
    last_event: str | None


class OrderPayload(TypedDict):
    type: Literal["order"]
    number: str
    status: str
    status_label: str
    placed_on: str
    items: list[OrderItem]
    total: str
    tracking: TrackingCard | None


def add_payload(product_id: str) -> str:
    """The message of a card's "Add to cart" button."""
    return "/add_to_cart" + json.dumps({"product": product_id})


def details_payload(product_id: str) -> str:
    """The message of a card's "Details" button."""
    return "/select_product" + json.dumps({"product": product_id})


def product_url(storefront_url: str, product: Product) -> str:
    return f"{storefront_url.rstrip('/')}/products/{product.handle}"


def stock_label(available: int) -> str:
    if available <= 0:
        return "Out of stock"
    if available <= LOW_STOCK:
        return f"Only {available} left"
    return "In stock"


def product_card(
    product: Product, *, available: int, currency: str, storefront_url: str
) -> ProductCard:
    """One product's card; ``available`` is what the warehouses can ship now."""
    image = product.images[0] if product.images else None
    return {
        "id": product.id,
        "title": product.title,
        "brand": product.brand,
        "price": money(product.price_from_cents, currency),
        "price_cents": product.price_from_cents,
        "image": public_image_url(image.url, storefront_url) if image else None,
        "image_alt": image.alt if image else product.title,
        "url": product_url(storefront_url, product),
        "in_stock": available > 0,
        "stock_label": stock_label(available),
        "add_payload": add_payload(product.id),
        "details_payload": details_payload(product.id),
    }


def products_payload(
    products: Sequence[Product],
    available: Mapping[str, int],
    *,
    currency: str,
    storefront_url: str,
) -> ProductsPayload:
    """Cards of ``products`` in the order given; ``available`` maps product id to stock."""
    return {
        "type": "products",
        "products": [
            product_card(
                p,
                available=available.get(p.id, 0),
                currency=currency,
                storefront_url=storefront_url,
            )
            for p in products
        ],
    }


def _variant(products: Mapping[str, Product], line: CartLine) -> Variant | None:
    product = products.get(line.product_id)
    if product is None:
        return None
    return next((v for v in product.variants if v.sku == line.sku), None)


def options_label(line: CartLine, variant: Variant | None) -> str:
    """ "Size M, Blue", then the merchant's other options ("Oak")."""
    parts = [f"Size {line.size}" if line.size else "", line.colour or ""]
    if variant is not None:
        parts.extend(value for name, value in variant.options if option_kind(name) is None)
    return ", ".join(p for p in parts if p)


def _line_image(
    products: Mapping[str, Product], line: CartLine, storefront_url: str | None
) -> str | None:
    variant = _variant(products, line)
    product = products.get(line.product_id)
    if variant is not None and variant.image is not None:
        url: str | None = variant.image.url
    else:
        url = product.image_url if product else None
    if url is None or storefront_url is None:
        return url
    return public_image_url(url, storefront_url)


def cart_payload(
    cart: Cart, products: Sequence[Product], *, storefront_url: str | None = None
) -> CartPayload:
    """The cart's card; ``products`` are the records of its lines (for images, options).
    With ``storefront_url`` the demo catalog's pictures point at the storefront's copies."""
    by_id = {p.id: p for p in products}
    return {
        "type": "cart",
        "lines": [
            {
                "sku": line.sku,
                "title": line.title,
                "options": options_label(line, _variant(by_id, line)),
                "quantity": line.quantity,
                "unit_price": money(line.unit_price_cents, cart.currency),
                "line_total": money(line.total_cents, cart.currency),
                "image": _line_image(by_id, line, storefront_url),
            }
            for line in cart.lines
        ],
        "item_count": cart.item_count,
        "subtotal": money(cart.total_cents, cart.currency),
        "subtotal_cents": cart.total_cents,
        "currency": cart.currency,
    }


def order_payload(order: Order) -> OrderPayload:
    """An order's status card. The shop records no carrier tracking URL: ``url`` is None."""
    shipment = order.shipment
    tracking: TrackingCard | None = None
    if shipment is not None and order.status in ("shipped", "delivered"):
        last = shipment.last_event
        tracking = {
            "carrier": shipment.carrier,
            "code": shipment.tracking_number,
            "url": None,
            "last_event": (
                f"{day(last.at)}: {last.description}, {last.location}" if last else None
            ),
        }
    return {
        "type": "order",
        "number": order.number,
        "status": order.status,
        "status_label": order.status.capitalize(),
        "placed_on": day(order.created_at),
        "items": [{"title": line.title, "quantity": line.quantity} for line in order.lines],
        "total": money(order.total_cents, order.currency),
        "tracking": tracking,
    }
