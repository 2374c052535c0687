"""Errors raised by the shop back end.

Each carries the context needed to explain it; they turn into bot messages or HTTP
statuses only at the boundary (custom actions, HTTP handlers).
"""

from __future__ import annotations


class ShopError(Exception):
    """Base class for every error the shop raises on purpose."""


class ProductNotFound(ShopError):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"No product with id {product_id!r}.")
        self.product_id = product_id


class VariantNotFound(ShopError):
    """No variant matches the choice, or several do and the shopper must choose.

    ``ambiguous`` is True when several variants match (the bot should ask);
    ``available_sizes`` / ``available_colours`` list what the shopper can pick from.
    """

    def __init__(
        self,
        product_id: str,
        *,
        size: str | None = None,
        colour: str | None = None,
        sku: str | None = None,
        options: tuple[tuple[str, str], ...] = (),
        ambiguous: bool = False,
        available_sizes: tuple[str, ...] = (),
        available_colours: tuple[str, ...] = (),
        # other options the remaining variants differ on: (("Wood", ("Oak", "Walnut")),)
        available_options: tuple[tuple[str, tuple[str, ...]], ...] = (),
    ) -> None:
        asked = (("sku", sku), ("size", size), ("colour", colour), *options)
        wanted = ", ".join(f"{k}={v}" for k, v in asked if v)
        labelled = (
            ("sizes", available_sizes),
            ("colours", available_colours),
            *((name.casefold(), values) for name, values in available_options),
        )
        choices = "; ".join(f"{label}: {', '.join(values)}" for label, values in labelled if values)
        if ambiguous:
            message = f"Product {product_id!r} comes in several variants; choose one ({choices})."
        else:
            message = f"Product {product_id!r} has no variant with {wanted or 'that choice'}."
            if choices:
                message += f" It comes in {choices}."
        super().__init__(message)
        self.product_id = product_id
        self.size = size
        self.colour = colour
        self.sku = sku
        self.ambiguous = ambiguous
        self.available_sizes = available_sizes
        self.available_colours = available_colours
        self.options = options
        self.available_options = available_options


class InvalidQuantity(ShopError):
    def __init__(self, quantity: int) -> None:
        super().__init__(f"Quantity must be between 1 and 99, got {quantity}.")
        self.quantity = quantity


class OutOfStock(ShopError):
    def __init__(self, sku: str, requested: int, available: int) -> None:
        super().__init__(f"Only {available} of {sku} available, {requested} requested.")
        self.sku = sku
        self.requested = requested
        self.available = available


class CartEmpty(ShopError):
    def __init__(self, cart_key: str) -> None:
        super().__init__("The cart is empty.")
        self.cart_key = cart_key


class OrderNotFound(ShopError):
    """Unknown order number, or an order that the caller may not see.

    The two cases are deliberately indistinguishable so nothing leaks.
    """

    def __init__(self, number: str) -> None:
        super().__init__(f"No order {number} for these details.")
        self.number = number


class OrderNotCancellable(ShopError):
    def __init__(self, number: str, status: str) -> None:
        super().__init__(f"Order {number} is {status} and can no longer be cancelled.")
        self.number = number
        self.status = status


class ReturnNotAllowed(ShopError):
    def __init__(self, number: str, reason: str) -> None:
        super().__init__(f"Order {number} cannot be returned: {reason}")
        self.number = number
        self.reason = reason


class InvalidCheckoutDetails(ShopError):
    """A checkout detail (e-mail, name, address) is missing or malformed."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"Checkout {field}: {problem}")
        self.field = field
        self.problem = problem


class ShopUnavailable(ShopError):
    """The shop's database cannot be reached or fails (not something the shopper did).

    Raised at the service boundary for every database failure, so callers (the dialogue
    adapters, HTTP handlers) handle shop errors only and never import the database library.
    ``database`` names the store without its password; the original error is the cause.
    """

    def __init__(self, database: str, problem: str) -> None:
        super().__init__(f"The shop database {database} is unavailable: {problem}")
        self.database = database
        self.problem = problem
