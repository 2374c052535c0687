"""The queue records why the bot handed over and a summary, also in existing databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from handoff.queue import HandoffQueue
from shop.db import Base, HandoffRequestRow


def test_trigger_and_summary_are_stored_and_listed(engine: Engine) -> None:
    queue = HandoffQueue(engine)
    filed = queue.request(
        "conv-1",
        reason="my parcel arrived broken",
        trigger="order_problem",
        summary="Order 10023: the lamp arrived broken; wants a replacement.",
    )
    listed = HandoffQueue(engine).open_requests()
    assert [(r.id, r.trigger, r.summary) for r in listed] == [
        (filed.id, "order_problem", "Order 10023: the lamp arrived broken; wants a replacement.")
    ]


def test_asking_again_keeps_the_first_trigger_and_fills_a_missing_summary(
    engine: Engine,
) -> None:
    queue = HandoffQueue(engine)
    first = queue.request("conv-1", reason="help", trigger="fallbacks")
    again = queue.request("conv-1", reason="help", trigger="asked", summary="Wants a person.")
    assert (again.id, again.trigger, again.summary) == (first.id, "fallbacks", "Wants a person.")


def test_an_unknown_trigger_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="trigger must be one of"):
        HandoffQueue(engine).request("conv-1", reason="help", trigger="bored")  # type: ignore[arg-type]


def test_requests_filed_before_the_desk_existed_read_as_asked(engine: Engine) -> None:
    # a deployed database: only the old handoff_requests table, with a row in it
    Base.metadata.create_all(engine, tables=[HandoffRequestRow.__table__])  # type: ignore[list-item]
    with Session(engine) as session, session.begin():
        session.add(
            HandoffRequestRow(
                conversation_id="old-conv",
                reason="wants a person",
                customer_id=None,
                channel="rest",
                status="open",
                created_at=datetime(2026, 11, 1, tzinfo=UTC),
                closed_at=None,
            )
        )
    [old] = HandoffQueue(engine).open_requests()
    assert (old.conversation_id, old.trigger, old.summary) == ("old-conv", "asked", "")
