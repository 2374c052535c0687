"""``HandoffQueue``: file a hand-off to a human, at most one open per conversation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, cast

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from shop.db import Base, HandoffRequestRow, write_engine
from shop.errors import ShopUnavailable

logger = logging.getLogger(__name__)

HandoffStatus = Literal["open", "closed"]


@dataclass(frozen=True)
class HandoffRequest:
    id: int
    conversation_id: str
    reason: str
    customer_id: str | None
    channel: str | None
    status: HandoffStatus
    created_at: datetime
    closed_at: datetime | None = None
    contact_email: str | None = None  # where the team replies (by e-mail)


def _record(row: HandoffRequestRow) -> HandoffRequest:
    return HandoffRequest(
        id=row.id,
        conversation_id=row.conversation_id,
        reason=row.reason,
        customer_id=row.customer_id,
        channel=row.channel,
        status=cast(HandoffStatus, row.status),
        created_at=row.created_at,
        closed_at=row.closed_at,
        contact_email=row.contact_email,
    )


class HandoffQueue:
    """Hand-off requests in the shop database (the table is created if missing)."""

    def __init__(
        self, engine: Engine, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._engine = engine
        self._writer = write_engine(engine)
        self._clock = clock
        Base.metadata.create_all(engine, tables=[HandoffRequestRow.__table__])  # type: ignore[list-item]

    def request(
        self,
        conversation_id: str,
        *,
        reason: str,
        customer_id: str | None = None,
        channel: str | None = None,
        contact_email: str | None = None,
    ) -> HandoffRequest:
        """File a request; while one is open for the conversation, return that one (with
        ``contact_email`` recorded on it if given: the shopper may give it later)."""
        if not conversation_id.strip():
            raise ValueError("conversation_id must not be empty")
        for _ in range(2):
            try:
                with Session(self._writer, expire_on_commit=False) as session, session.begin():
                    open_row = self._open_row(session, conversation_id)
                    if open_row is not None:
                        if contact_email and open_row.contact_email != contact_email:
                            open_row.contact_email = contact_email
                            session.flush()
                        return _record(open_row)
                    row = HandoffRequestRow(
                        conversation_id=conversation_id,
                        reason=reason.strip()[:500],
                        customer_id=customer_id,
                        channel=channel,
                        contact_email=contact_email,
                        status="open",
                        created_at=self._clock(),
                        closed_at=None,
                    )
                    session.add(row)
                    session.flush()
                    logger.info("Hand-off %d requested for %s", row.id, conversation_id)
                    return _record(row)
            except IntegrityError:
                # A concurrent request for the same conversation won the unique index;
                # the next pass returns it.
                continue
            except SQLAlchemyError as exc:
                # the queue lives in the shop database: the dialogue says the shop is down
                database = self._engine.url.render_as_string(hide_password=True)
                raise ShopUnavailable(database, f"{type(exc).__name__}: {exc}") from exc
        raise RuntimeError(f"Could not file a hand-off for {conversation_id!r}.")

    def open_requests(self) -> list[HandoffRequest]:
        """Open requests, oldest first."""
        with Session(self._engine) as session:
            rows = session.scalars(
                select(HandoffRequestRow)
                .where(HandoffRequestRow.status == "open")
                .order_by(HandoffRequestRow.created_at, HandoffRequestRow.id)
            )
            return [_record(row) for row in rows]

    def close(self, request_id: int) -> HandoffRequest | None:
        """Mark a request handled (the agent desk calls this); None if it does not exist."""
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            row = session.get(HandoffRequestRow, request_id)
            if row is None:
                return None
            if row.status == "open":
                row.status = "closed"
                row.closed_at = self._clock()
            return _record(row)

    @staticmethod
    def _open_row(session: Session, conversation_id: str) -> HandoffRequestRow | None:
        return session.scalar(
            select(HandoffRequestRow).where(
                HandoffRequestRow.conversation_id == conversation_id,
                HandoffRequestRow.status == "open",
            )
        )
