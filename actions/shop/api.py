"""The shop back end's interface and the typed records that cross it.

Everything here is plain data (frozen dataclasses) so it can cross thread and process
boundaries and be serialised to JSON with ``dataclasses.asdict``. Money is in integer
cents of the shop currency (``ShopService.currency``), never floats.

Order numbers are strings of digits (``"10023"``). Access to an order always names who
asks: the e-mail on the order, or the id of the customer logged in on the channel. A wrong
e-mail and an unknown number raise the same ``OrderNotFound``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

OrderStatus = Literal[
    "pending", "paid", "shipped", "delivered", "cancelled", "returned", "refunded"
]
ORDER_STATUSES: tuple[OrderStatus, ...] = (
    "pending",
    "paid",
    "shipped",
    "delivered",
    "cancelled",
    "returned",
    "refunded",
)
PaymentMethod = Literal["card", "paypal", "bank_transfer", "cash_on_delivery"]
PAYMENT_METHODS: tuple[PaymentMethod, ...] = ("card", "paypal", "bank_transfer", "cash_on_delivery")
LocationKind = Literal["warehouse", "store"]


@dataclass(frozen=True)
class Variant:
    sku: str
    product_id: str
    price_cents: int
    size: str | None = None
    colour: str | None = None
    compare_at_cents: int | None = None  # the "was" price when on sale


@dataclass(frozen=True)
class Product:
    id: str  # stable id, e.g. "P00042"; for imported catalogs the Shopify handle-derived id
    handle: str  # URL slug
    title: str
    brand: str
    category: str  # top-level, lower case: "shoes", "fashion", "electronics", ...
    subcategory: str  # e.g. "running shoes", "rain jackets"
    description: str
    material: str | None
    # e.g. {"waterproof": "yes", "weight": "280 g", "warranty": "2 years"}
    attributes: dict[str, str]
    tags: tuple[str, ...]
    image_url: str | None
    variants: tuple[Variant, ...]

    @property
    def price_from_cents(self) -> int:
        return min(v.price_cents for v in self.variants)

    @property
    def colours(self) -> tuple[str, ...]:
        return tuple(sorted({v.colour for v in self.variants if v.colour}))

    @property
    def sizes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for v in self.variants:
            if v.size:
                seen.setdefault(v.size, None)
        return tuple(seen)


@dataclass(frozen=True)
class Location:
    code: str  # "WH-PARIS", "ST-LYON"
    name: str  # "Lyon store"
    city: str
    kind: LocationKind
    address: str


@dataclass(frozen=True)
class LocationStock:
    location: Location
    available: int  # on hand minus reserved, never negative


@dataclass(frozen=True)
class Availability:
    product_id: str
    sku: str | None  # None: summed over every variant of the product
    per_location: tuple[LocationStock, ...]
    online_available: int  # what the warehouses can ship
    delivery_days_min: int  # delivery estimate for an online order placed now
    delivery_days_max: int

    @property
    def in_stock_online(self) -> bool:
        return self.online_available > 0


@dataclass(frozen=True)
class Customer:
    id: str
    email: str
    name: str
    phone: str | None
    city: str | None


@dataclass(frozen=True)
class CartLine:
    sku: str
    product_id: str
    title: str
    size: str | None
    colour: str | None
    quantity: int
    unit_price_cents: int

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True)
class Cart:
    key: str  # the conversation (sender id) or customer that owns it
    lines: tuple[CartLine, ...]
    currency: str

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class OrderLine:
    sku: str
    product_id: str
    title: str
    size: str | None
    colour: str | None
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class TrackingEvent:
    at: datetime
    location: str
    description: str


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_number: str
    shipped_at: datetime
    eta: date | None
    events: tuple[TrackingEvent, ...]  # oldest first

    @property
    def last_event(self) -> TrackingEvent | None:
        return self.events[-1] if self.events else None


@dataclass(frozen=True)
class Order:
    number: str
    customer_id: str
    email: str
    status: OrderStatus
    created_at: datetime
    lines: tuple[OrderLine, ...]
    shipping_name: str
    shipping_address: str
    payment_method: PaymentMethod
    subtotal_cents: int
    shipping_cents: int
    total_cents: int
    currency: str
    shipment: Shipment | None = None


@dataclass(frozen=True)
class ReturnRequest:
    rma: str  # "RMA-XXXXXX"
    order_number: str
    sku: str | None  # None: the whole order
    reason: str
    status: Literal["open", "received", "closed"]
    created_at: datetime
    instructions: str


@dataclass(frozen=True)
class Refund:
    order_number: str
    amount_cents: int
    currency: str
    status: Literal["pending", "processed"]
    created_at: datetime
    processed_at: datetime | None = None


@dataclass(frozen=True)
class CheckoutDetails:
    email: str
    shipping_name: str
    shipping_address: str
    payment_method: PaymentMethod
    customer_id: str | None = None  # set when the channel passed a logged-in customer


@dataclass(frozen=True)
class CatalogVocabulary:
    """Words the NLU lookups and the query parser use, taken from the catalog."""

    categories: tuple[str, ...]
    subcategories: tuple[str, ...]
    brands: tuple[str, ...]
    colours: tuple[str, ...]
    sizes: tuple[str, ...]
    materials: tuple[str, ...]


@dataclass(frozen=True)
class OrderAccess:
    """Who asks for an order: the e-mail given in the chat or a logged-in customer id."""

    email: str | None = None
    customer_id: str | None = None


class ShopService(Protocol):
    """What the assistant needs from a shop back end.

    Methods are synchronous; async callers run them in ``asyncio.to_thread``.
    """

    currency: str

    # catalog
    def get_product(self, product_id: str) -> Product: ...  # raises ProductNotFound
    # keeps order, skips unknown
    def get_products(self, product_ids: Sequence[str]) -> list[Product]: ...
    def iter_products(self, batch_size: int = 500) -> Iterator[Product]: ...
    def count_products(self) -> int: ...
    def vocabulary(self) -> CatalogVocabulary: ...
    # changes whenever products, variants or prices change
    def catalog_fingerprint(self) -> str: ...

    # stock
    def locations(self) -> list[Location]: ...
    def find_location(self, text: str) -> Location | None: ...  # "Lyon", "lyon store", "ST-LYON"
    def availability(
        self, product_id: str, *, size: str | None = None, colour: str | None = None
    ) -> Availability: ...
    def in_stock_product_ids(self, product_ids: Sequence[str]) -> set[str]: ...  # online stock > 0

    # carts
    def get_cart(self, cart_key: str) -> Cart: ...
    def add_to_cart(
        self,
        cart_key: str,
        product_id: str,
        *,
        quantity: int = 1,
        size: str | None = None,
        colour: str | None = None,
    ) -> Cart: ...
    def set_quantity(self, cart_key: str, sku: str, quantity: int) -> Cart: ...  # 0 removes
    def clear_cart(self, cart_key: str) -> Cart: ...

    # orders
    def checkout(self, cart_key: str, details: CheckoutDetails) -> Order: ...  # reserves stock
    def get_order(self, number: str, access: OrderAccess) -> Order: ...  # raises OrderNotFound
    def list_orders(self, access: OrderAccess, limit: int = 10) -> list[Order]: ...
    def cancel_order(self, number: str, access: OrderAccess) -> Order: ...
    def start_return(
        self, number: str, access: OrderAccess, *, reason: str, sku: str | None = None
    ) -> ReturnRequest: ...
    def refunds(self, number: str, access: OrderAccess) -> list[Refund]: ...
    def returns(self, number: str, access: OrderAccess) -> list[ReturnRequest]: ...

    # customers
    def get_customer(self, customer_id: str) -> Customer | None: ...
    def find_customer_by_email(self, email: str) -> Customer | None: ...


__all__ = [
    "ORDER_STATUSES",
    "PAYMENT_METHODS",
    "Availability",
    "Cart",
    "CartLine",
    "CatalogVocabulary",
    "CheckoutDetails",
    "Customer",
    "Location",
    "LocationKind",
    "LocationStock",
    "Order",
    "OrderAccess",
    "OrderLine",
    "OrderStatus",
    "PaymentMethod",
    "Product",
    "Refund",
    "ReturnRequest",
    "Shipment",
    "ShopService",
    "TrackingEvent",
    "Variant",
]
