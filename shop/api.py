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
class Image:
    """A picture of a product, or of some of its variants, with its alt text."""

    url: str
    alt: str  # never empty: the importer falls back to the product title (and variant)
    position: int = 0  # merchant's order, 0 first
    variant_skus: tuple[str, ...] = ()  # empty: a picture of the product as a whole


@dataclass(frozen=True)
class Variant:
    sku: str
    product_id: str
    price_cents: int
    size: str | None = None
    colour: str | None = None
    compare_at_cents: int | None = None  # the "was" price when on sale
    # every option as the merchant named it, in their order: (("Size", "M"), ("Wood", "Oak"));
    # size and colour above are the recognised ones among these, for filters and the NLU
    options: tuple[tuple[str, str], ...] = ()
    image: Image | None = None

    def option(self, name: str) -> str | None:
        """The value of an option by its name, case-insensitive ("wood" -> "Oak")."""
        wanted = name.casefold()
        for key, value in self.options:
            if key.casefold() == wanted:
                return value
        return None


CategoryPath = tuple[str, ...]  # ("Home", "Furniture", "Sofas"), root first; () uncategorised
UNCATEGORISED = "uncategorised"


@dataclass(frozen=True)
class Product:
    id: str  # stable id, e.g. "P00042"; for imported catalogs the Shopify handle-derived id
    handle: str  # URL slug
    title: str
    brand: str  # may be "" when the merchant gives no vendor
    # the merchant's own taxonomy, as in the file (Shopify "Product Category", a generic
    # "category" path, or Type); () when the file gives none
    category_path: CategoryPath
    product_type: str  # Shopify "Type" or the generic "type"; "" if none
    description: str
    material: str | None
    # e.g. {"waterproof": "yes", "weight": "280 g", "warranty": "2 years"}
    attributes: dict[str, str]
    tags: tuple[str, ...]
    images: tuple[Image, ...]
    variants: tuple[Variant, ...]
    collections: tuple[str, ...] = ()
    # for an uncategorised product: the classifier's guess and its confidence (0..1);
    # never used as the product's category, only shown to the merchant and used as a hint
    suggested_category: CategoryPath = ()
    suggestion_confidence: float | None = None

    @property
    def category(self) -> str:
        """Top-level category, lower case ("home"), or "uncategorised"."""
        return self.category_path[0].casefold() if self.category_path else UNCATEGORISED

    @property
    def subcategory(self) -> str:
        """The most specific category, lower case ("sofas"); the type when there is no path."""
        if self.category_path:
            return self.category_path[-1].casefold()
        return self.product_type.casefold()

    @property
    def image_url(self) -> str | None:
        return self.images[0].url if self.images else None

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

    @property
    def option_values(self) -> dict[str, tuple[str, ...]]:
        """Every option name with its values in the merchant's order ({"Wood": ("Oak",)})."""
        values: dict[str, dict[str, None]] = {}
        for v in self.variants:
            for key, value in v.options:
                values.setdefault(key, {}).setdefault(value, None)
        return {key: tuple(vals) for key, vals in values.items()}


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
    customer_id: str | None  # None: a guest order
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
    delivered_at: datetime | None = None  # set once the carrier delivered it


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
class CategoryNode:
    """One node of the catalog's category tree, with how many products sit at or under it."""

    path: CategoryPath
    product_count: int

    @property
    def name(self) -> str:
        return self.path[-1]


@dataclass(frozen=True)
class CatalogVocabulary:
    """Words the NLU lookups and the query parser use, all taken from the catalog itself.

    Nothing here is fixed in code: a merchant's catalog brings its own categories, types,
    options and values. Lists are lower case and sorted (sizes in size order).
    """

    categories: tuple[str, ...]  # every node name of the category tree ("sofas", "home")
    subcategories: tuple[str, ...]  # leaf names and product types ("running shoes")
    brands: tuple[str, ...]
    colours: tuple[str, ...]
    sizes: tuple[str, ...]
    materials: tuple[str, ...]
    # option names other than size and colour, with their values: (("wood", ("oak", ...)),)
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # other surface forms of catalog words -> the catalog word: plurals, singulars and
    # synonyms (("sofa", "sofas"), ("couch", "sofas"), ("earring", "earrings"))
    synonyms: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OrderAccess:
    """Who asks for an order: the e-mail given in the chat or a logged-in customer id."""

    email: str | None = None
    customer_id: str | None = None


@dataclass(frozen=True)
class ShopPolicy:
    """The shop's rules as figures: the one source the assistant words them from.

    Money in cents of the shop currency; delivery and refund times in business days.
    The dialogue never writes a figure of its own ("2-4 business days", "30 days"):
    it reads them here, and the FAQ is tested against the same figures.
    """

    free_shipping_from_cents: int  # standard shipping is free from this subtotal
    standard_shipping_cents: int  # below it
    express_shipping_cents: int
    standard_delivery_days: tuple[int, int]  # from a warehouse with stock
    restock_delivery_days: tuple[int, int]  # when the warehouses are out of stock
    express_delivery_days: int
    return_window_days: int  # counted from delivery
    free_returns: bool  # a prepaid return label
    refund_business_days: int  # once the return reaches the warehouse, or on cancellation
    cancellable_statuses: tuple[OrderStatus, ...]  # before it ships
    max_line_quantity: int
    carriers: tuple[str, ...] = ()
    # when no agent can join the chat, a person answers a request for a human by e-mail
    handoff_reply_hours: int = 24

    def shipping_cents(self, subtotal_cents: int) -> int:
        """Standard shipping for a cart of ``subtotal_cents``."""
        if subtotal_cents >= self.free_shipping_from_cents:
            return 0
        return self.standard_shipping_cents


ReturnVerdict = Literal[
    "allowed",  # delivered, inside the return window
    "cancel_instead",  # not shipped yet: cancelling is the way
    "not_delivered_yet",  # on its way: returnable once delivered
    "window_closed",  # delivered more than ``window_days`` ago
    "closed",  # cancelled, returned or refunded: nothing to send back
]


@dataclass(frozen=True)
class ReturnEligibility:
    """The shop's decision on returning an order now, with the figures to explain it."""

    verdict: ReturnVerdict
    window_days: int
    days_left: int = 0  # while allowed: days left to send the parcel, at least 1
    delivered_at: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.verdict == "allowed"


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
    def category_tree(self) -> list[CategoryNode]: ...  # every node, parents before children
    # changes whenever products, variants or prices change
    def catalog_fingerprint(self) -> str: ...

    # stock
    def locations(self) -> list[Location]: ...
    def find_location(self, text: str) -> Location | None: ...  # "Lyon", "lyon store", "ST-LYON"
    def availability(
        self, product_id: str, *, size: str | None = None, colour: str | None = None
    ) -> Availability: ...
    def in_stock_product_ids(self, product_ids: Sequence[str]) -> set[str]: ...  # online stock > 0
    # what the warehouses can ship now, per product id (0 for an id with no stock); one query,
    # each value equal to availability(product_id).online_available
    def online_available(self, product_ids: Sequence[str]) -> dict[str, int]: ...

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
        options: Sequence[tuple[str, str]] = (),  # the merchant's other options: ("Wood", "Oak")
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

    # rules (the figures and decisions the dialogue words; never repeated in the dialogue)
    @property
    def policy(self) -> ShopPolicy: ...
    def can_cancel(self, order: Order) -> bool: ...
    def can_return(self, order: Order) -> ReturnEligibility: ...  # as of now

    # customers
    def get_customer(self, customer_id: str) -> Customer | None: ...
    def find_customer_by_email(self, email: str) -> Customer | None: ...


__all__ = [
    "ORDER_STATUSES",
    "PAYMENT_METHODS",
    "UNCATEGORISED",
    "Availability",
    "Cart",
    "CartLine",
    "CatalogVocabulary",
    "CategoryNode",
    "CategoryPath",
    "CheckoutDetails",
    "Customer",
    "Image",
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
    "ReturnEligibility",
    "ReturnRequest",
    "ReturnVerdict",
    "Shipment",
    "ShopPolicy",
    "ShopService",
    "TrackingEvent",
    "Variant",
]
