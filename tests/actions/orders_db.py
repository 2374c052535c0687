"""Finding demo orders to talk about (test-side reads of the seeded database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop.db import OrderLineRow, OrderRow


def an_order(
    shop: Any,
    *statuses: str,
    lines: int | None = None,
    delivered_within_days: int | None = None,
    delivered_before_days: int | None = None,
    not_customer: str | None = None,
) -> OrderRow:
    """A seeded order in one of ``statuses``, chosen by what the test needs.

    ``lines``: exactly that many lines; ``delivered_within_days`` / ``delivered_before_days``:
    delivered less / more than that many days before now (the demo seeds orders delivered
    1-25 and 35-400 days before its seeding day, and is re-seeded when a day old);
    ``not_customer``: placed by another customer.
    """
    now = datetime.now(UTC)
    with Session(shop._engine) as session:
        query = (
            select(OrderRow)
            .where(OrderRow.status.in_(statuses))
            .order_by(OrderRow.delivered_at.desc().nulls_last(), OrderRow.number)
        )
        if lines is not None:
            counted = (
                select(OrderLineRow.order_number)
                .group_by(OrderLineRow.order_number)
                .having(func.count() == lines)
            )
            query = query.where(OrderRow.number.in_(counted))
        if delivered_within_days is not None:
            query = query.where(OrderRow.delivered_at > now - timedelta(days=delivered_within_days))
        if delivered_before_days is not None:
            query = query.where(OrderRow.delivered_at < now - timedelta(days=delivered_before_days))
        if not_customer is not None:
            query = query.where(OrderRow.customer_id != not_customer)
        row = session.scalars(query.limit(1)).first()
        assert row is not None, (
            f"the demo data has no order in {statuses} like that; is the demo shop stale? "
            "(scripts/setup.sh re-seeds it when it is older than a day)"
        )
        session.expunge(row)
        return row


def account_of(order: OrderRow) -> str:
    """The customer id of a demo order (every seeded order has one; guest orders do not)."""
    assert order.customer_id is not None, f"order {order.number} is a guest order"
    return order.customer_id
