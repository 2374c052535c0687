"""The demo shop generator: deterministic, big enough, every order state, useful for demos."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from shop.api import ORDER_STATUSES, OrderAccess
from shop.db import (
    Base,
    OrderRow,
    RefundRow,
    ReturnRow,
    ShipmentRow,
    create_engine_from_url,
)
from shop.demo.catalog import demo_in_stock, demo_products
from shop.demo.seed import seed_demo_shop
from shop.sql_service import SqlShopService


def _dump_hash(engine: Engine) -> str:
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(table.select().order_by(*table.primary_key.columns)).all()
            digest.update(f"{table.name}:{len(rows)}:{rows!r}".encode())
    return digest.hexdigest()


def _seed(path: Path, seed: int, anchor: datetime) -> Engine:
    engine = create_engine_from_url(f"sqlite:///{path}")
    seed_demo_shop(engine, seed=seed, products=120, anchor=anchor)
    return engine


def test_same_seed_and_anchor_give_an_identical_shop(tmp_path: Path, anchor: datetime) -> None:
    first = _seed(tmp_path / "a.db", 3, anchor)
    second = _seed(tmp_path / "b.db", 3, anchor)
    other = _seed(tmp_path / "c.db", 4, anchor)
    assert _dump_hash(first) == _dump_hash(second)
    assert _dump_hash(first) != _dump_hash(other)


def test_default_shop_is_big_and_seeds_fast(tmp_path: Path, anchor: datetime) -> None:
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'shop.db'}")
    started = time.perf_counter()
    summary = seed_demo_shop(engine, seed=42, products=1600, anchor=anchor)
    assert time.perf_counter() - started < 20
    assert summary.products == 1600
    assert summary.customers >= 300
    assert summary.orders >= 2000
    assert set(summary.orders_by_status) == set(ORDER_STATUSES)
    shop = SqlShopService(engine)
    assert shop.count_products() == 1600
    tree = shop.category_tree()
    assert len([node for node in tree if len(node.path) == 1]) == 9
    assert ("Shoes", "Running shoes") in {node.path for node in tree}


def test_every_order_state_has_its_details(engine: Engine, now: datetime) -> None:
    with Session(engine) as session:
        statuses = dict(
            session.execute(select(OrderRow.status, func.count()).group_by(OrderRow.status)).all()
        )
        assert set(statuses) == set(ORDER_STATUSES)
        shipped = session.scalars(select(OrderRow).where(OrderRow.status == "shipped")).all()
        for order in shipped:
            assert order.shipment is not None
            assert order.shipment.carrier in ("Colissimo", "DHL", "UPS", "Chronopost")
            assert order.shipment.tracking_number and order.shipment.eta is not None
            assert order.shipment.events and order.shipment.events[0].at <= now
            assert all("Delivered" not in e.description for e in order.shipment.events)
        delivered = session.scalars(select(OrderRow).where(OrderRow.status == "delivered")).all()
        recent = [o for o in delivered if o.delivered_at and now - o.delivered_at < timedelta(30)]
        older = [o for o in delivered if o.delivered_at and now - o.delivered_at > timedelta(30)]
        assert recent and older
        assert all(
            o.shipment and o.shipment.events[-1].description.startswith("Delivered")
            for o in delivered
        )
        returned = session.scalars(select(OrderRow).where(OrderRow.status == "returned")).all()
        for order in returned:
            rma = session.scalars(select(ReturnRow).where(ReturnRow.order_number == order.number))
            assert [r.rma[:4] for r in rma] == ["RMA-"]
        refunded = session.scalars(select(OrderRow).where(OrderRow.status == "refunded")).all()
        for order in refunded:
            refunds = session.scalars(
                select(RefundRow).where(RefundRow.order_number == order.number)
            ).all()
            assert [r.status for r in refunds] == ["processed"]
            assert refunds[0].amount_cents == order.subtotal_cents
        assert session.scalar(select(func.count()).select_from(ShipmentRow)) == (
            statuses["shipped"]
            + statuses["delivered"]
            + statuses["returned"]
            + statuses["refunded"]
        )


def test_running_shoe_demo_conversation_has_answers(shop: SqlShopService) -> None:
    """ "running shoes under 80 in size 42" -> "in blue" -> "cheaper" all find products."""
    shoes = [p for p in shop.iter_products() if p.subcategory == "running shoes"]
    under_80_in_42 = [p for p in shoes if "42" in p.sizes and p.price_from_cents < 8000]
    blue = [p for p in under_80_in_42 if "blue" in p.colours]
    assert len(under_80_in_42) >= 4
    assert len(blue) >= 2
    dearest_blue = max(blue, key=lambda p: p.price_from_cents)
    assert any(p.price_from_cents < dearest_blue.price_from_cents for p in blue)  # "cheaper"
    assert all(set(p.sizes) >= {str(s) for s in range(38, 47)} for p in shoes)
    prices = sorted(p.price_from_cents for p in shoes)
    assert prices[0] < 6000 and prices[-1] > 13000
    in_stock = shop.in_stock_product_ids([p.id for p in blue])
    assert in_stock


def test_demo_customers_see_their_own_orders(shop: SqlShopService, engine: Engine) -> None:
    with Session(engine) as session:
        order = session.scalars(select(OrderRow).order_by(OrderRow.number)).first()
        assert order is not None
        email = order.email
    assert email.endswith(("@example.com", "@example.org"))
    orders = shop.list_orders(OrderAccess(email=email.upper()), limit=50)
    assert orders and all(o.email == email for o in orders)
    assert [o.created_at for o in orders] == sorted((o.created_at for o in orders), reverse=True)


def test_the_demo_shop_holds_exactly_the_generators_products(shop: SqlShopService) -> None:
    # the session template is seeded with 200 products and seed 7 (conftest)
    generated = demo_products(200, 7)
    assert list(shop.iter_products()) == list(generated)
    ids = [p.id for p in generated]
    # the stock rule that tests and benchmarks use without a database is the shop's
    assert shop.in_stock_product_ids(ids) == demo_in_stock(ids)
    assert len(demo_in_stock(ids)) < len(ids)


def test_the_generator_is_deterministic_and_uses_category_paths() -> None:
    first = demo_products(60, 3)
    assert first == demo_products(60, 3)
    assert first != demo_products(60, 4)
    running = [p for p in first if p.category_path == ("Shoes", "Running shoes")]
    assert running and all(p.product_type == "Running Shoes" for p in running)
    assert all(len(p.category_path) == 2 and p.images[0].alt == p.title for p in first)
