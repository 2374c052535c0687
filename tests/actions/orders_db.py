"""Finding demo orders to talk about (test-side reads of the seeded database)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop.db import OrderLineRow, OrderRow


def an_order(shop: Any, *statuses: str, lines: int | None = None) -> OrderRow:
    """A seeded order in one of ``statuses`` (with exactly ``lines`` lines if given)."""
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
        row = session.scalars(query.limit(1)).first()
        assert row is not None, f"the demo data has no order in {statuses}"
        session.expunge(row)
        return row
