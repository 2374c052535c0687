"""SQLAlchemy 2 ORM models of the shop database, and how to open it.

The schema is portable: it runs on SQLite (the default, ``var/shop.db``) and PostgreSQL.
Times are stored as naive UTC and read back as aware UTC (``UtcDateTime``); money is in
integer cents; order numbers are integers shown as digit strings.

SQLite engines made by ``create_engine_from_url`` use WAL, enforce foreign keys and wait
for locks. Write transactions can ask for ``BEGIN IMMEDIATE`` with the execution option
``sqlite_begin="IMMEDIATE"`` so two concurrent checkouts queue instead of failing.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Dialect,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_TIMEOUT_MS = 30_000


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out; stored naive UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"Naive datetime {value!r}: the shop stores aware UTC times only.")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        date: Date(),
        dict[str, Any]: JSON(),
    }


class JsonList(TypeDecorator[list[Any]]):
    """A JSON list stored as text, so rows can be grouped and compared on every backend
    (PostgreSQL's JSON type has no equality, so DISTINCT and GROUP BY fail on it)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> str:
        return json.dumps(list(value or ()), ensure_ascii=False, separators=(",", ":"))

    def process_result_value(self, value: str | None, dialect: Dialect) -> list[Any]:
        return list(json.loads(value)) if value else []


class ProductRow(Base):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    handle: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    brand: Mapped[str] = mapped_column(String(120), index=True)
    # the merchant's path joined with " > " (shop.taxonomy.path_key); "" uncategorised
    category_path: Mapped[str] = mapped_column(String(600), index=True, default="")
    product_type: Mapped[str] = mapped_column(String(200), index=True, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    material: Mapped[str | None] = mapped_column(String(120))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    collections: Mapped[list[str]] = mapped_column(JsonList, default=list)
    # the classifier's guess for an uncategorised product (same form as category_path)
    suggested_category: Mapped[str] = mapped_column(String(600), default="")
    suggestion_confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)

    variants: Mapped[list[VariantRow]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        order_by="VariantRow.position",
        passive_deletes=True,
    )
    images: Mapped[list[ImageRow]] = relationship(
        cascade="all, delete-orphan",
        order_by=lambda: [ImageRow.position, ImageRow.id],
        passive_deletes=True,
    )


class VariantRow(Base):
    __tablename__ = "variants"

    sku: Mapped[str] = mapped_column(String(120), primary_key=True)
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[str | None] = mapped_column(String(40))
    colour: Mapped[str | None] = mapped_column(String(60))
    # every option as the merchant named it: [["Size", "M"], ["Wood", "Oak"]]
    options: Mapped[list[Any]] = mapped_column(JsonList, default=list)
    price_cents: Mapped[int]
    compare_at_cents: Mapped[int | None]

    product: Mapped[ProductRow] = relationship(back_populates="variants")


class ImageRow(Base):
    """A picture of a product; ``variant_skus`` lists the variants it shows (empty: all)."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str] = mapped_column(String(1000))
    alt: Mapped[str] = mapped_column(String(500))
    variant_skus: Mapped[list[Any]] = mapped_column(JsonList, default=list)


class LocationRow(Base):
    __tablename__ = "locations"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # "warehouse" | "store"
    address: Mapped[str] = mapped_column(String(300))


class InventoryRow(Base):
    """Stock of one SKU at one location. ``available`` = on_hand - reserved (never < 0)."""

    __tablename__ = "inventory"

    sku: Mapped[str] = mapped_column(
        ForeignKey("variants.sku", ondelete="CASCADE"), primary_key=True
    )
    location_code: Mapped[str] = mapped_column(ForeignKey("locations.code"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)


class CustomerRow(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower case
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]


class CartRow(Base):
    __tablename__ = "carts"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    lines: Mapped[list[CartLineRow]] = relationship(
        cascade="all, delete-orphan", order_by="CartLineRow.id", passive_deletes=True
    )


class CartLineRow(Base):
    __tablename__ = "cart_lines"
    __table_args__ = (UniqueConstraint("cart_key", "sku"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cart_key: Mapped[str] = mapped_column(ForeignKey("carts.key", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(ForeignKey("variants.sku", ondelete="CASCADE"))
    quantity: Mapped[int]


class OrderRow(Base):
    __tablename__ = "orders"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # None for a guest order (never attached to an account by its e-mail alone)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # stored lower case
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    shipping_name: Mapped[str] = mapped_column(String(200))
    shipping_address: Mapped[str] = mapped_column(String(400))
    payment_method: Mapped[str] = mapped_column(String(30))
    subtotal_cents: Mapped[int]
    shipping_cents: Mapped[int]
    total_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    delivered_at: Mapped[datetime | None]

    lines: Mapped[list[OrderLineRow]] = relationship(
        cascade="all, delete-orphan", order_by="OrderLineRow.id", passive_deletes=True
    )
    shipment: Mapped[ShipmentRow | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class OrderLineRow(Base):
    """A snapshot of what was bought: no foreign key to variants, the catalog may change."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[int] = mapped_column(
        ForeignKey("orders.number", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(120))
    product_id: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    size: Mapped[str | None] = mapped_column(String(40))
    colour: Mapped[str | None] = mapped_column(String(60))
    quantity: Mapped[int]
    unit_price_cents: Mapped[int]


class ReservationRow(Base):
    """Stock held for an open order at one warehouse; released on cancel."""

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[int] = mapped_column(
        ForeignKey("orders.number", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(120))
    location_code: Mapped[str] = mapped_column(ForeignKey("locations.code"))
    quantity: Mapped[int]


class ShipmentRow(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[int] = mapped_column(
        ForeignKey("orders.number", ondelete="CASCADE"), unique=True
    )
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(60), index=True)
    shipped_at: Mapped[datetime]
    eta: Mapped[date | None]

    events: Mapped[list[TrackingEventRow]] = relationship(
        cascade="all, delete-orphan", order_by="TrackingEventRow.at", passive_deletes=True
    )


class TrackingEventRow(Base):
    __tablename__ = "tracking_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(300))


class ReturnRow(Base):
    __tablename__ = "returns"

    rma: Mapped[str] = mapped_column(String(20), primary_key=True)
    order_number: Mapped[int] = mapped_column(
        ForeignKey("orders.number", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))  # "open" | "received" | "closed"
    created_at: Mapped[datetime]
    received_at: Mapped[datetime | None]
    instructions: Mapped[str] = mapped_column(Text)


class RefundRow(Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[int] = mapped_column(
        ForeignKey("orders.number", ondelete="CASCADE"), index=True
    )
    rma: Mapped[str | None] = mapped_column(ForeignKey("returns.rma", ondelete="SET NULL"))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))  # "pending" | "processed"
    created_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]


class HandoffRequestRow(Base):
    """A shopper waiting for a human; at most one open request per conversation."""

    __tablename__ = "handoff_requests"
    __table_args__ = (
        Index(
            "uq_handoff_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    customer_id: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # "open" | "closed"
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # where the team replies when no agent could join the chat: a person answers by e-mail
    contact_email: Mapped[str | None] = mapped_column(String(254), default=None)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook below emit BEGIN itself (pysqlite's own transaction
    # handling would defer it and break BEGIN IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}" if mode in ("IMMEDIATE", "EXCLUSIVE") else "BEGIN")


def create_engine_from_url(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; for SQLite: WAL, foreign keys, busy timeout, parent folder made."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True)
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def write_engine(engine: Engine) -> Engine:
    """The same engine, asking SQLite for ``BEGIN IMMEDIATE`` (other backends ignore it)."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def create_schema(engine: Engine) -> None:
    """Create every shop table that does not exist yet."""
    Base.metadata.create_all(engine)


def drop_schema(engine: Engine) -> None:
    Base.metadata.drop_all(engine)


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table(ProductRow.__tablename__)


def outdated_tables(engine: Engine) -> list[str]:
    """Existing shop tables that lack a column of the current models ("products: images").

    The shop has no migrations: a database made by an older version is re-seeded (demo)
    or rebuilt by re-importing the catalog; this says when that is needed.
    """
    inspector = inspect(engine)
    problems: list[str] = []
    for table in Base.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing = [column.name for column in table.columns if column.name not in present]
        if missing:
            problems.append(f"{table.name}: {', '.join(missing)}")
    return problems


def count_rows(engine: Engine, model: type[Base]) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)
