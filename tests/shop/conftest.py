"""Fixtures: a small demo shop seeded once per session, copied into each test's tmp_path."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from shop.db import (
    InventoryRow,
    LocationRow,
    OrderRow,
    ProductRow,
    VariantRow,
    create_engine_from_url,
)
from shop.demo.seed import seed_demo_shop
from shop.sql_service import SqlShopService

ANCHOR = datetime(2025, 3, 10, tzinfo=UTC)
NOW = ANCHOR + timedelta(hours=10)
SMALL_SHOP_PRODUCTS = 200
SMALL_SHOP_SEED = 7
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "shop.db"
    engine = create_engine_from_url(f"sqlite:///{path}")
    seed_demo_shop(engine, seed=SMALL_SHOP_SEED, products=SMALL_SHOP_PRODUCTS, anchor=ANCHOR)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def engine(seeded_template: Path, tmp_path: Path) -> Iterator[Engine]:
    target = tmp_path / "shop.db"
    shutil.copyfile(seeded_template, target)
    engine = create_engine_from_url(f"sqlite:///{target}")
    yield engine
    engine.dispose()


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'empty.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def shop(engine: Engine) -> SqlShopService:
    return SqlShopService(engine, clock=lambda: NOW)


class ShopData:
    """Direct reads of the test database, to find test subjects and check side effects."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def order(
        self,
        status: str,
        *,
        delivered_within_days: int | None = None,
        delivered_before_days: int | None = None,
        payment: str | None = None,
        not_customer: str | None = None,
    ) -> OrderRow:
        with Session(self.engine) as session:
            query = (
                select(OrderRow)
                .where(OrderRow.status == status)
                .order_by(OrderRow.number)
                .options(selectinload(OrderRow.lines))
            )
            if delivered_within_days is not None:
                query = query.where(
                    OrderRow.delivered_at > NOW - timedelta(days=delivered_within_days)
                )
            if delivered_before_days is not None:
                query = query.where(
                    OrderRow.delivered_at < NOW - timedelta(days=delivered_before_days)
                )
            if payment is not None:
                query = query.where(OrderRow.payment_method == payment)
            if not_customer is not None:
                query = query.where(OrderRow.customer_id != not_customer)
            row = session.scalars(query).first()
            assert row is not None, f"the demo shop has no {status} order like that"
            return row

    def stock(self, sku: str) -> dict[str, tuple[int, int]]:
        with Session(self.engine) as session:
            rows = session.scalars(select(InventoryRow).where(InventoryRow.sku == sku))
            return {r.location_code: (r.on_hand, r.reserved) for r in rows}

    def set_stock(self, sku: str, location: str, on_hand: int, reserved: int = 0) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(InventoryRow, (sku, location))
            assert row is not None
            row.on_hand, row.reserved = on_hand, reserved

    def warehouse_codes(self) -> list[str]:
        with Session(self.engine) as session:
            return list(
                session.scalars(select(LocationRow.code).where(LocationRow.kind == "warehouse"))
            )

    def product_with_variants(self, *, many: bool) -> str:
        """A product id with several variants (many=True) or exactly one."""
        with Session(self.engine) as session:
            for product in session.scalars(select(ProductRow).order_by(ProductRow.id)):
                count = len(
                    session.scalars(
                        select(VariantRow.sku).where(VariantRow.product_id == product.id)
                    ).all()
                )
                if (count > 1) == many:
                    return product.id
        raise AssertionError("no such product in the demo shop")


@pytest.fixture
def data(engine: Engine) -> ShopData:
    return ShopData(engine)


@pytest.fixture
def now() -> datetime:
    """The tests' "now": the seeding anchor plus ten hours."""
    return NOW


@pytest.fixture
def anchor() -> datetime:
    return ANCHOR


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES
