"""``ShopService`` on a SQLAlchemy database (SQLite or PostgreSQL).

Every public method opens its own short session; writes run in one transaction each
(``BEGIN IMMEDIATE`` on SQLite so concurrent checkouts queue instead of failing).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import string
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import ColumnElement, Engine, and_, case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from shop import policy
from shop.api import (
    PAYMENT_METHODS,
    Availability,
    Cart,
    CartLine,
    CatalogVocabulary,
    CategoryNode,
    CheckoutDetails,
    Customer,
    Location,
    LocationStock,
    Order,
    OrderAccess,
    OrderStatus,
    Product,
    Refund,
    ReturnEligibility,
    ReturnRequest,
    ShopPolicy,
)
from shop.db import (
    CartLineRow,
    CartRow,
    CustomerRow,
    ImageRow,
    InventoryRow,
    LocationRow,
    OrderLineRow,
    OrderRow,
    ProductRow,
    RefundRow,
    ReservationRow,
    ReturnRow,
    ShipmentRow,
    VariantRow,
    write_engine,
)
from shop.errors import (
    CartEmpty,
    InvalidCheckoutDetails,
    InvalidQuantity,
    OrderNotCancellable,
    OrderNotFound,
    OutOfStock,
    ProductNotFound,
    ReturnNotAllowed,
    ShopUnavailable,
    VariantNotFound,
)
from shop.locations import match_location
from shop.records import (
    customer_record,
    location_record,
    order_record,
    product_record,
    refund_record,
    return_record,
)
from shop.taxonomy import path_from_key, tree_of
from shop.variants import (
    choose_variant,
    normalise_colour,
    normalise_size,
)
from shop.vocabulary import VocabularyBuilder

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ORDER_NUMBER = re.compile(r"^#?\s*(\d{5,8})$")
_ID_CHUNK = 500
_CHECKOUT_ATTEMPTS = 3
_PRODUCT_LOAD = (selectinload(ProductRow.variants), selectinload(ProductRow.images))
_ORDER_LOAD = (
    selectinload(OrderRow.lines),
    selectinload(OrderRow.shipment).selectinload(ShipmentRow.events),
)

AVAILABLE = case(
    (InventoryRow.on_hand > InventoryRow.reserved, InventoryRow.on_hand - InventoryRow.reserved),
    else_=0,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _ID_CHUNK):
        yield items[start : start + _ID_CHUNK]


def parse_order_number(number: str) -> int | None:
    """'10023', '#10023' -> 10023; anything that is not 5 to 8 digits -> None."""
    match = _ORDER_NUMBER.match(number.strip())
    return int(match.group(1)) if match else None


def _new_rma() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "RMA-" + "".join(secrets.choice(alphabet) for _ in range(6))


class SqlShopService:
    """The shop back end on a SQLAlchemy engine; see ``shop.api.ShopService``."""

    def __init__(
        self,
        engine: Engine,
        *,
        currency: str = policy.CURRENCY,
        clock: Clock = utc_now,
        rules: ShopPolicy = policy.DEFAULT_POLICY,
    ) -> None:
        self.currency = currency
        self.policy = rules
        self._engine = engine
        self._writer = write_engine(engine)
        self._clock = clock

    # sessions -----------------------------------------------------------------------

    # Every query runs inside one of these two, so a database failure (file gone, server
    # down, disk full) leaves the service as ShopUnavailable, a shop error: callers never
    # need the database library's exceptions.

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._unavailable_on_failure(), Session(self._engine, expire_on_commit=False) as s:
            yield s

    @contextmanager
    def _write(self, *, conflicts: bool = False) -> Iterator[Session]:
        """One transaction. ``conflicts``: let IntegrityError through, for a caller that retries."""
        with (
            self._unavailable_on_failure(conflicts=conflicts),
            Session(self._writer, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def _unavailable_on_failure(self, *, conflicts: bool = False) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            if conflicts and isinstance(exc, IntegrityError):
                raise  # a lost race for a unique value, which the caller retries
            database = self._engine.url.render_as_string(hide_password=True)
            cause = getattr(exc, "orig", None) or exc  # the driver's own message, if any
            raise ShopUnavailable(database, f"{type(exc).__name__}: {cause}") from exc

    # catalog ------------------------------------------------------------------------

    def get_product(self, product_id: str) -> Product:
        with self._read() as session:
            row = session.get(ProductRow, product_id, options=list(_PRODUCT_LOAD))
            if row is None:
                raise ProductNotFound(product_id)
            return product_record(row)

    def get_products(self, product_ids: Sequence[str]) -> list[Product]:
        wanted = list(dict.fromkeys(product_ids))
        found: dict[str, Product] = {}
        with self._read() as session:
            for chunk in _chunks(wanted):
                rows = session.scalars(
                    select(ProductRow).where(ProductRow.id.in_(chunk)).options(*_PRODUCT_LOAD)
                )
                found.update((row.id, product_record(row)) for row in rows)
        return [found[pid] for pid in product_ids if pid in found]

    def iter_products(self, batch_size: int = 500) -> Iterator[Product]:
        last_id = ""
        while True:
            with self._read() as session:
                rows = list(
                    session.scalars(
                        select(ProductRow)
                        .where(ProductRow.id > last_id)
                        .order_by(ProductRow.id)
                        .limit(batch_size)
                        .options(*_PRODUCT_LOAD)
                    )
                )
                batch = [product_record(row) for row in rows]
            if not batch:
                return
            yield from batch
            last_id = batch[-1].id

    def count_products(self) -> int:
        with self._read() as session:
            return int(session.scalar(select(func.count()).select_from(ProductRow)) or 0)

    def vocabulary(self) -> CatalogVocabulary:
        """The same words as ``shop.vocabulary.vocabulary_of`` over every product, from
        grouped rows instead of loading the catalog."""
        builder = VocabularyBuilder()
        with self._read() as session:
            for key, product_type, count in session.execute(
                select(ProductRow.category_path, ProductRow.product_type, func.count()).group_by(
                    ProductRow.category_path, ProductRow.product_type
                )
            ):
                builder.add_category(path_from_key(key), product_type or "", int(count))
            for brand in session.scalars(select(ProductRow.brand).distinct()):
                builder.add_brand(brand)
            for material in session.scalars(select(ProductRow.material).distinct()):
                builder.add_material(material)
            for size, colour, options in session.execute(
                select(VariantRow.size, VariantRow.colour, VariantRow.options).distinct()
            ):
                builder.add_variant(size, colour, [(str(n), str(v)) for n, v in options or ()])
        return builder.build()

    def category_tree(self) -> list[CategoryNode]:
        with self._read() as session:
            counts = session.execute(
                select(ProductRow.category_path, func.count()).group_by(ProductRow.category_path)
            ).all()
        return tree_of({path_from_key(key): int(count) for key, count in counts})

    def catalog_fingerprint(self) -> str:
        """A short hash of cheap aggregates; any product, variant or price change moves it."""
        with self._read() as session:
            products = session.execute(select(func.count(), func.max(ProductRow.updated_at))).one()
            images = session.scalar(select(func.count()).select_from(ImageRow))
            variants = session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(VariantRow.price_cents), 0),
                    func.coalesce(func.sum(VariantRow.compare_at_cents), 0),
                    func.coalesce(func.sum(func.length(VariantRow.sku)), 0),
                )
            ).one()
        latest = products[1].isoformat() if products[1] else "-"
        raw = (
            f"{products[0]}|{latest}|{variants[0]}|{variants[1]}|{variants[2]}|{variants[3]}"
            f"|{images}"
        )
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    # stock --------------------------------------------------------------------------

    def locations(self) -> list[Location]:
        with self._read() as session:
            rows = session.scalars(select(LocationRow))
            records = [location_record(row) for row in rows]
        return sorted(records, key=lambda loc: (loc.kind != "warehouse", loc.name))

    def find_location(self, text: str) -> Location | None:
        return match_location(text, self.locations())

    def availability(
        self, product_id: str, *, size: str | None = None, colour: str | None = None
    ) -> Availability:
        with self._read() as session:
            variants = list(
                session.scalars(
                    select(VariantRow)
                    .where(VariantRow.product_id == product_id)
                    .order_by(VariantRow.position)
                )
            )
            if not variants:
                if session.get(ProductRow, product_id) is None:
                    raise ProductNotFound(product_id)
                raise VariantNotFound(product_id, size=size, colour=colour)
            chosen = variants
            if size or colour:
                try:
                    chosen = [choose_variant(product_id, variants, size=size, colour=colour)]
                except VariantNotFound as exc:
                    if not exc.ambiguous:
                        raise
                    chosen = _matching(variants, size=size, colour=colour)
            skus = [v.sku for v in chosen]
            per_code: dict[str, int] = dict(
                session.execute(
                    select(InventoryRow.location_code, func.sum(AVAILABLE))
                    .where(InventoryRow.sku.in_(skus))
                    .group_by(InventoryRow.location_code)
                ).all()
            )
            locations = [location_record(row) for row in session.scalars(select(LocationRow))]
        locations.sort(key=lambda loc: (loc.kind != "warehouse", loc.name))
        per_location = tuple(
            LocationStock(location=loc, available=int(per_code.get(loc.code) or 0))
            for loc in locations
        )
        online = sum(s.available for s in per_location if s.location.kind == "warehouse")
        days = policy.STANDARD_DELIVERY_DAYS if online > 0 else policy.RESTOCK_DELIVERY_DAYS
        return Availability(
            product_id=product_id,
            sku=skus[0] if len(skus) == 1 else None,
            per_location=per_location,
            online_available=online,
            delivery_days_min=days[0],
            delivery_days_max=days[1],
        )

    def in_stock_product_ids(self, product_ids: Sequence[str]) -> set[str]:
        return {pid for pid, available in self.online_available(product_ids).items() if available}

    def online_available(self, product_ids: Sequence[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(product_ids))
        result = dict.fromkeys(wanted, 0)
        with self._read() as session:
            for chunk in _chunks(wanted):
                rows = session.execute(
                    select(VariantRow.product_id, func.sum(AVAILABLE))
                    .join(InventoryRow, InventoryRow.sku == VariantRow.sku)
                    .join(LocationRow, LocationRow.code == InventoryRow.location_code)
                    .where(VariantRow.product_id.in_(chunk), LocationRow.kind == "warehouse")
                    .group_by(VariantRow.product_id)
                )
                result.update((product_id, int(total or 0)) for product_id, total in rows)
        return result

    # carts --------------------------------------------------------------------------

    def get_cart(self, cart_key: str) -> Cart:
        with self._read() as session:
            return self._cart(session, cart_key)

    def add_to_cart(
        self,
        cart_key: str,
        product_id: str,
        *,
        quantity: int = 1,
        size: str | None = None,
        colour: str | None = None,
        options: Sequence[tuple[str, str]] = (),
    ) -> Cart:
        _check_quantity(quantity)
        with self._write() as session:
            variants = list(
                session.scalars(
                    select(VariantRow)
                    .where(VariantRow.product_id == product_id)
                    .order_by(VariantRow.position)
                )
            )
            if not variants and session.get(ProductRow, product_id) is None:
                raise ProductNotFound(product_id)
            variant = choose_variant(
                product_id, variants, size=size, colour=colour, options=options
            )
            cart = self._cart_row(session, cart_key)
            line = next((ln for ln in cart.lines if ln.sku == variant.sku), None)
            total = quantity + (line.quantity if line else 0)
            _check_quantity(total)
            available = _online_available(session, [variant.sku]).get(variant.sku, 0)
            if total > available:
                raise OutOfStock(variant.sku, total, available)
            if line is None:
                cart.lines.append(CartLineRow(sku=variant.sku, quantity=quantity))
            else:
                line.quantity = total
            cart.updated_at = self._clock()
            session.flush()
            return self._cart(session, cart_key)

    def set_quantity(self, cart_key: str, sku: str, quantity: int) -> Cart:
        if quantity != 0:
            _check_quantity(quantity)
        with self._write() as session:
            line = session.scalar(
                select(CartLineRow).where(CartLineRow.cart_key == cart_key, CartLineRow.sku == sku)
            )
            if line is None:
                product_id = session.scalar(
                    select(VariantRow.product_id).where(VariantRow.sku == sku)
                )
                raise VariantNotFound(product_id or "", sku=sku)
            if quantity == 0:
                session.delete(line)
            else:
                available = _online_available(session, [sku]).get(sku, 0)
                if quantity > available:
                    raise OutOfStock(sku, quantity, available)
                line.quantity = quantity
            cart = session.get(CartRow, cart_key)
            if cart is not None:
                cart.updated_at = self._clock()
            session.flush()
            return self._cart(session, cart_key)

    def clear_cart(self, cart_key: str) -> Cart:
        with self._write() as session:
            session.execute(delete(CartLineRow).where(CartLineRow.cart_key == cart_key))
        return Cart(key=cart_key, lines=(), currency=self.currency)

    def _cart_row(self, session: Session, cart_key: str) -> CartRow:
        cart = session.get(CartRow, cart_key, options=[selectinload(CartRow.lines)])
        if cart is None:
            now = self._clock()
            cart = CartRow(key=cart_key, created_at=now, updated_at=now, lines=[])
            session.add(cart)
        return cart

    def _cart(self, session: Session, cart_key: str) -> Cart:
        rows = session.execute(
            select(CartLineRow, VariantRow, ProductRow.title)
            .join(VariantRow, VariantRow.sku == CartLineRow.sku)
            .join(ProductRow, ProductRow.id == VariantRow.product_id)
            .where(CartLineRow.cart_key == cart_key)
            .order_by(CartLineRow.id)
        )
        lines = tuple(
            CartLine(
                sku=variant.sku,
                product_id=variant.product_id,
                title=title,
                size=variant.size,
                colour=variant.colour,
                quantity=line.quantity,
                unit_price_cents=variant.price_cents,
            )
            for line, variant, title in rows
        )
        return Cart(key=cart_key, lines=lines, currency=self.currency)

    # orders -------------------------------------------------------------------------

    def checkout(self, cart_key: str, details: CheckoutDetails) -> Order:
        """Turn the cart into an order in one transaction: stock is re-checked and reserved."""
        _check_details(details)
        for attempt in range(1, _CHECKOUT_ATTEMPTS + 1):
            try:
                with self._write(conflicts=True) as session:
                    number = self._place_order(session, cart_key, details)
            except IntegrityError as exc:
                # Another checkout took the same order number (PostgreSQL); try the next one.
                if attempt == _CHECKOUT_ATTEMPTS:
                    database = self._engine.url.render_as_string(hide_password=True)
                    raise ShopUnavailable(database, f"no free order number: {exc}") from exc
                logger.warning("Order number collision on checkout, retrying (%d)", attempt)
                continue
            with self._read() as session:
                row = session.get(OrderRow, number, options=list(_ORDER_LOAD))
                assert row is not None
                return order_record(row)
        raise AssertionError("unreachable")

    def _place_order(self, session: Session, cart_key: str, details: CheckoutDetails) -> int:
        cart = self._cart(session, cart_key)
        if not cart.lines:
            raise CartEmpty(cart_key)
        now = self._clock()
        allocations: list[tuple[str, str, int]] = []
        for line in cart.lines:
            stock = list(
                session.scalars(
                    select(InventoryRow)
                    .join(LocationRow, LocationRow.code == InventoryRow.location_code)
                    .where(InventoryRow.sku == line.sku, LocationRow.kind == "warehouse")
                    .order_by(InventoryRow.location_code)
                    .with_for_update()
                )
            )
            available = sum(max(row.on_hand - row.reserved, 0) for row in stock)
            if line.quantity > available:
                raise OutOfStock(line.sku, line.quantity, available)
            needed = line.quantity
            for row in sorted(stock, key=lambda r: -(r.on_hand - r.reserved)):
                take = min(needed, max(row.on_hand - row.reserved, 0))
                if take:
                    row.reserved += take
                    allocations.append((line.sku, row.location_code, take))
                    needed -= take
                if not needed:
                    break
        customer_id = self._account_for(session, details, now)
        number = (session.scalar(select(func.max(OrderRow.number))) or 0) + 1
        number = max(number, policy.FIRST_ORDER_NUMBER)
        subtotal = cart.total_cents
        shipping = self.policy.shipping_cents(subtotal)
        status = "paid" if details.payment_method in policy.PAID_ON_ORDER else "pending"
        order = OrderRow(
            number=number,
            customer_id=customer_id,
            email=details.email.strip().lower(),
            status=status,
            created_at=now,
            updated_at=now,
            shipping_name=details.shipping_name.strip(),
            shipping_address=details.shipping_address.strip(),
            payment_method=details.payment_method,
            subtotal_cents=subtotal,
            shipping_cents=shipping,
            total_cents=subtotal + shipping,
            currency=self.currency,
            delivered_at=None,
            lines=[
                OrderLineRow(
                    sku=line.sku,
                    product_id=line.product_id,
                    title=line.title,
                    size=line.size,
                    colour=line.colour,
                    quantity=line.quantity,
                    unit_price_cents=line.unit_price_cents,
                )
                for line in cart.lines
            ],
        )
        session.add(order)
        session.flush()
        session.add_all(
            ReservationRow(order_number=number, sku=sku, location_code=code, quantity=qty)
            for sku, code, qty in allocations
        )
        session.execute(delete(CartLineRow).where(CartLineRow.cart_key == cart_key))
        logger.info("Order %s placed (%s, %d lines)", number, status, len(cart.lines))
        return number

    def _account_for(self, session: Session, details: CheckoutDetails, now: datetime) -> str | None:
        """The account an order belongs to: the logged-in customer's, or None (a guest).

        A guest order is never attached to an account by its e-mail: anyone can type anyone's
        address. It stays a guest order, found with its number and that e-mail, and shows
        in the account of the address's owner only once they log in (``_access_condition``).
        """
        if not details.customer_id:
            return None
        email = details.email.strip().lower()
        row = session.get(CustomerRow, details.customer_id)
        if row is not None:
            return row.id
        # a verified customer the shop has not seen yet: their account starts here, unless
        # the e-mail is another account's (then the order stays a guest order)
        if session.scalar(select(CustomerRow.id).where(CustomerRow.email == email)) is not None:
            return None
        row = CustomerRow(
            id=details.customer_id,
            email=email,
            name=details.shipping_name.strip(),
            phone=None,
            city=None,
            address=details.shipping_address.strip(),
            created_at=now,
        )
        session.add(row)
        session.flush()
        return row.id

    def get_order(self, number: str, access: OrderAccess) -> Order:
        with self._read() as session:
            return order_record(_find_order(session, number, access))

    def list_orders(self, access: OrderAccess, limit: int = 10) -> list[Order]:
        condition = _access_condition(access)
        if condition is None:
            return []
        with self._read() as session:
            rows = session.scalars(
                select(OrderRow)
                .where(condition)
                .order_by(OrderRow.created_at.desc(), OrderRow.number.desc())
                .limit(limit)
                .options(*_ORDER_LOAD)
            )
            return [order_record(row) for row in rows]

    def can_cancel(self, order: Order) -> bool:
        return order.status in self.policy.cancellable_statuses

    def can_return(self, order: Order) -> ReturnEligibility:
        return policy.return_eligibility(
            order.status, order.delivered_at, self._clock(), self.policy
        )

    def cancel_order(self, number: str, access: OrderAccess) -> Order:
        with self._write() as session:
            order = _find_order(session, number, access, lock=True)
            if order.status not in self.policy.cancellable_statuses:
                raise OrderNotCancellable(str(order.number), order.status)
            now = self._clock()
            reservations = list(
                session.scalars(
                    select(ReservationRow).where(ReservationRow.order_number == order.number)
                )
            )
            for reservation in reservations:
                stock = session.get(
                    InventoryRow, (reservation.sku, reservation.location_code), with_for_update=True
                )
                if stock is not None:
                    stock.reserved = max(stock.reserved - reservation.quantity, 0)
                session.delete(reservation)
            if order.status == "paid":
                session.add(
                    RefundRow(
                        order_number=order.number,
                        rma=None,
                        amount_cents=order.total_cents,
                        currency=order.currency,
                        status="pending",
                        created_at=now,
                        processed_at=None,
                    )
                )
            order.status = "cancelled"
            order.updated_at = now
            session.flush()
            logger.info("Order %s cancelled", order.number)
            return order_record(order)

    def start_return(
        self, number: str, access: OrderAccess, *, reason: str, sku: str | None = None
    ) -> ReturnRequest:
        with self._write() as session:
            order = _find_order(session, number, access, lock=True)
            shown = str(order.number)
            existing = session.scalars(
                select(ReturnRow)
                .where(ReturnRow.order_number == order.number, ReturnRow.status == "open")
                .order_by(ReturnRow.created_at)
            ).all()
            for row in existing:
                if row.sku is None or row.sku == sku:
                    return return_record(row)
            now = self._clock()
            status = cast(OrderStatus, order.status)
            verdict = policy.return_eligibility(status, order.delivered_at, now, self.policy)
            if verdict.verdict == "window_closed":
                window = verdict.window_days
                raise ReturnNotAllowed(
                    shown,
                    f"it was delivered on {order.delivered_at:%d %B %Y}, more than "
                    f"{window} days ago (returns are accepted within {window} days of delivery).",
                )
            if not verdict.allowed:
                raise ReturnNotAllowed(shown, _not_returnable_reason(order.status))
            if sku is not None and all(line.sku != sku for line in order.lines):
                raise ReturnNotAllowed(shown, f"the item {sku} is not part of this order.")
            rma = _new_rma()
            while session.get(ReturnRow, rma) is not None:
                rma = _new_rma()
            days_left = verdict.days_left
            row = ReturnRow(
                rma=rma,
                order_number=order.number,
                sku=sku,
                reason=reason.strip() or "-",
                status="open",
                created_at=now,
                received_at=None,
                instructions=policy.return_instructions(rma, days_left=days_left),
            )
            session.add(row)
            session.flush()
            logger.info("Return %s opened for order %s", rma, order.number)
            return return_record(row)

    def receive_return(self, rma: str) -> Refund:
        """The warehouse got a return parcel: the order is returned, a refund is pending.

        Not part of ``ShopService`` (shoppers cannot call it); the agent desk and the
        warehouse tooling do.
        """
        with self._write() as session:
            ret = session.get(ReturnRow, rma, with_for_update=True)
            if ret is None or ret.status != "open":
                raise ReturnNotAllowed(rma, "no open return with this number.")
            order = session.get(OrderRow, ret.order_number, options=[selectinload(OrderRow.lines)])
            assert order is not None
            now = self._clock()
            amount = sum(
                line.quantity * line.unit_price_cents
                for line in order.lines
                if ret.sku is None or line.sku == ret.sku
            )
            ret.status = "received"
            ret.received_at = now
            if ret.sku is None:
                order.status = "returned"
                order.updated_at = now
            refund = RefundRow(
                order_number=order.number,
                rma=rma,
                amount_cents=amount,
                currency=order.currency,
                status="pending",
                created_at=now,
                processed_at=None,
            )
            session.add(refund)
            session.flush()
            return refund_record(refund)

    def refunds(self, number: str, access: OrderAccess) -> list[Refund]:
        with self._read() as session:
            order = _find_order(session, number, access)
            rows = session.scalars(
                select(RefundRow)
                .where(RefundRow.order_number == order.number)
                .order_by(RefundRow.created_at, RefundRow.id)
            )
            return [refund_record(row) for row in rows]

    def returns(self, number: str, access: OrderAccess) -> list[ReturnRequest]:
        with self._read() as session:
            order = _find_order(session, number, access)
            rows = session.scalars(
                select(ReturnRow)
                .where(ReturnRow.order_number == order.number)
                .order_by(ReturnRow.created_at, ReturnRow.rma)
            )
            return [return_record(row) for row in rows]

    # customers ----------------------------------------------------------------------

    def get_customer(self, customer_id: str) -> Customer | None:
        with self._read() as session:
            row = session.get(CustomerRow, customer_id)
            return customer_record(row) if row else None

    def find_customer_by_email(self, email: str) -> Customer | None:
        with self._read() as session:
            row = session.scalar(
                select(CustomerRow).where(CustomerRow.email == email.strip().lower())
            )
            return customer_record(row) if row else None


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= policy.MAX_LINE_QUANTITY:
        raise InvalidQuantity(quantity)


def _check_details(details: CheckoutDetails) -> None:
    if not _EMAIL.match(details.email.strip()):
        raise InvalidCheckoutDetails("email", f"{details.email!r} is not an e-mail address.")
    if not details.shipping_name.strip():
        raise InvalidCheckoutDetails("shipping_name", "the name for the delivery is missing.")
    if not details.shipping_address.strip():
        raise InvalidCheckoutDetails("shipping_address", "the delivery address is missing.")
    if details.payment_method not in PAYMENT_METHODS:
        raise InvalidCheckoutDetails(
            "payment_method",
            f"{details.payment_method!r} is not one of {', '.join(PAYMENT_METHODS)}.",
        )


def _matching(
    variants: list[VariantRow], *, size: str | None, colour: str | None
) -> list[VariantRow]:
    result = variants
    if size:
        result = [v for v in result if v.size and normalise_size(v.size) == normalise_size(size)]
    if colour:
        wanted = normalise_colour(colour)
        result = [v for v in result if v.colour and normalise_colour(v.colour) == wanted]
    return result


def _online_available(session: Session, skus: Sequence[str]) -> dict[str, int]:
    rows = session.execute(
        select(InventoryRow.sku, func.sum(AVAILABLE))
        .join(LocationRow, LocationRow.code == InventoryRow.location_code)
        .where(InventoryRow.sku.in_(skus), LocationRow.kind == "warehouse")
        .group_by(InventoryRow.sku)
    )
    return {sku: int(total or 0) for sku, total in rows}


def _access_condition(access: OrderAccess) -> ColumnElement[bool] | None:
    conditions: list[ColumnElement[bool]] = []
    if access.email and access.email.strip():
        conditions.append(OrderRow.email == access.email.strip().lower())
    if access.customer_id:
        conditions.append(OrderRow.customer_id == access.customer_id)
        # guest orders placed with the account's e-mail: logging in proves the address
        account_email = (
            select(CustomerRow.email).where(CustomerRow.id == access.customer_id).scalar_subquery()
        )
        conditions.append(and_(OrderRow.customer_id.is_(None), OrderRow.email == account_email))
    if not conditions:
        return None
    return or_(*conditions)


def _find_order(
    session: Session, number: str, access: OrderAccess, *, lock: bool = False
) -> OrderRow:
    """The order if ``access`` may see it; otherwise the same OrderNotFound as for no order."""
    parsed = parse_order_number(number)
    condition = _access_condition(access)
    if parsed is None or condition is None:
        raise OrderNotFound(number.strip())
    query = select(OrderRow).where(and_(OrderRow.number == parsed, condition)).options(*_ORDER_LOAD)
    if lock:
        query = query.with_for_update(of=OrderRow)
    row = session.scalar(query)
    if row is None:
        raise OrderNotFound(number.strip())
    return row


def _not_returnable_reason(status: str) -> str:
    return {
        "pending": "it has not been shipped yet; you can cancel it instead.",
        "paid": "it has not been shipped yet; you can cancel it instead.",
        "shipped": "it is still on its way; you can return it once it has been delivered.",
        "cancelled": "it was cancelled, so there is nothing to send back.",
        "returned": "it has already been returned.",
        "refunded": "it has already been returned and refunded.",
    }.get(status, f"its status is {status}.")
