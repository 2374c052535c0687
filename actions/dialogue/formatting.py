"""How prices, products and orders read in chat messages."""

from __future__ import annotations

from knowledge.api import ProductHit, SearchFilters
from shop.api import Cart, Order, Product
from shop.display import day, money

__all__ = ["day", "money"]  # re-exported: the actions read them from here

STATUS_WORDS = {
    "pending": "pending (waiting for payment)",
    "paid": "paid and being prepared",
    "shipped": "shipped",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "returned": "returned",
    "refunded": "refunded",
}


def listing(values: tuple[str, ...] | list[str], limit: int = 6) -> str:
    shown = list(values[:limit])
    more = len(values) - len(shown)
    return ", ".join(shown) + (f" (+{more} more)" if more > 0 else "")


def filters_phrase(filters: SearchFilters, currency: str) -> str:
    parts: list[str] = []
    for value in (filters.colour, filters.brand, filters.material, filters.category):
        if value:
            parts.append(value)
    if filters.size:
        parts.append(f"size {filters.size}")
    if filters.price_min_cents is not None:
        parts.append(f"from {money(filters.price_min_cents, currency)}")
    if filters.price_max_cents is not None:
        parts.append(f"up to {money(filters.price_max_cents, currency)}")
    return ", ".join(parts)


def hit_line(position: int, hit: ProductHit) -> str:
    cost = money(hit.price_from_cents, hit.currency)
    line = f"{position}. {hit.title} ({hit.brand}) - from {cost}"
    if hit.colours:
        line += f" - {listing(hit.colours, 4)}"
    if not hit.in_stock:
        line += " - out of stock online"
    return line


def product_details(product: Product, currency: str) -> str:
    price = money(product.price_from_cents, currency)
    lines = [f"{product.title} by {product.brand} ({product.subcategory})"]
    on_sale = [v for v in product.variants if v.compare_at_cents]
    if on_sale:
        was = max(v.compare_at_cents or 0 for v in on_sale)
        lines.append(f"From {price} (was {money(was, currency)})")
    else:
        lines.append(f"From {price}")
    if product.colours:
        lines.append(f"Colours: {listing(product.colours, 8)}")
    if product.sizes:
        lines.append(f"Sizes: {listing(product.sizes, 12)}")
    if product.material:
        lines.append(f"Material: {product.material}")
    description = product.description.strip()
    if description:
        lines.append(description if len(description) <= 240 else description[:237] + "...")
    return "\n".join(lines)


def variant_phrase(size: str | None, colour: str | None) -> str:
    parts = [f"size {size}" if size else "", colour or ""]
    joined = ", ".join(p for p in parts if p)
    return f" ({joined})" if joined else ""


def cart_summary(cart: Cart) -> str:
    lines = [
        f"- {line.quantity} x {line.title}{variant_phrase(line.size, line.colour)}: "
        f"{money(line.total_cents, cart.currency)}"
        for line in cart.lines
    ]
    lines.append(
        f"Total: {money(cart.total_cents, cart.currency)} "
        f"({cart.item_count} item{'s' if cart.item_count != 1 else ''})"
    )
    return "\n".join(lines)


def order_status_phrase(order: Order) -> str:
    return STATUS_WORDS.get(order.status, order.status)
