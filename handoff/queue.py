"""``HandoffQueue``: file a hand-off to a human, at most one open per conversation.

Each request records what triggered it (``HandoffTrigger``) and a short summary for the
agent; they live in ``handoff_request_details`` (see ``handoff.tables`` for why a new table
rather than new columns).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, cast, get_args

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from handoff.tables import HandoffDetailRow, create_desk_tables
from shop.db import HandoffRequestRow, write_engine
from shop.errors import ShopUnavailable

logger = logging.getLogger(__name__)

HandoffStatus = Literal["open", "closed"]
# why the bot hands over: the shopper asked, repeated fallbacks, anger or distress, or an
# order problem the bot cannot solve (damaged, missing, wrong item)
HandoffTrigger = Literal["asked", "fallbacks", "sentiment", "order_problem"]
HANDOFF_TRIGGERS: tuple[str, ...] = get_args(HandoffTrigger)
SUMMARY_MAX = 1000


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
    trigger: str = "asked"  # a HandoffTrigger
    summary: str = ""  # a few lines for the agent


def _record(row: HandoffRequestRow, detail: HandoffDetailRow | None = None) -> HandoffRequest:
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
        trigger=detail.trigger if detail is not None else "asked",
        summary=detail.summary if detail is not None else "",
    )


class HandoffQueue:
    """Hand-off requests in the shop database (the table is created if missing)."""

    def __init__(
        self, engine: Engine, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._engine = engine
        self._writer = write_engine(engine)
        self._clock = clock
        create_desk_tables(engine)

    @property
    def engine(self) -> Engine:
        """The shop database the queue lives in (the desk's stores share it)."""
        return self._engine

    def request(
        self,
        conversation_id: str,
        *,
        reason: str,
        customer_id: str | None = None,
        channel: str | None = None,
        contact_email: str | None = None,
        trigger: HandoffTrigger = "asked",
        summary: str = "",
    ) -> HandoffRequest:
        """File a request; while one is open for the conversation, return that one (with
        ``contact_email`` recorded on it if given: the shopper may give it later, and the
        summary filled in if it had none)."""
        if not conversation_id.strip():
            raise ValueError("conversation_id must not be empty")
        if trigger not in HANDOFF_TRIGGERS:
            raise ValueError(
                f"trigger must be one of {', '.join(HANDOFF_TRIGGERS)}, not {trigger!r}"
            )
        summary = summary.strip()[:SUMMARY_MAX]
        for _ in range(2):
            try:
                with Session(self._writer, expire_on_commit=False) as session, session.begin():
                    open_row = self._open_row(session, conversation_id)
                    if open_row is not None:
                        if contact_email and open_row.contact_email != contact_email:
                            open_row.contact_email = contact_email
                        detail = session.get(HandoffDetailRow, open_row.id)
                        if detail is None:
                            detail = HandoffDetailRow(
                                request_id=open_row.id, trigger=trigger, summary=summary
                            )
                            session.add(detail)
                        elif summary and not detail.summary:
                            detail.summary = summary
                        session.flush()
                        return _record(open_row, detail)
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
                    detail = HandoffDetailRow(request_id=row.id, trigger=trigger, summary=summary)
                    session.add(detail)
                    session.flush()
                    logger.info(
                        "Hand-off %d requested for %s (%s)", row.id, conversation_id, trigger
                    )
                    return _record(row, detail)
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
            rows = session.execute(
                select(HandoffRequestRow, HandoffDetailRow)
                .outerjoin(HandoffDetailRow, HandoffDetailRow.request_id == HandoffRequestRow.id)
                .where(HandoffRequestRow.status == "open")
                .order_by(HandoffRequestRow.created_at, HandoffRequestRow.id)
            )
            return [_record(row, detail) for row, detail in rows]

    def get(self, request_id: int) -> HandoffRequest | None:
        """One request, open or closed; None if it does not exist."""
        with Session(self._engine) as session:
            row = session.get(HandoffRequestRow, request_id)
            if row is None:
                return None
            return _record(row, session.get(HandoffDetailRow, request_id))

    def close(self, request_id: int) -> HandoffRequest | None:
        """Mark a request handled (the agent desk calls this); None if it does not exist."""
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            row = session.get(HandoffRequestRow, request_id)
            if row is None:
                return None
            if row.status == "open":
                row.status = "closed"
                row.closed_at = self._clock()
            return _record(row, session.get(HandoffDetailRow, request_id))

    @staticmethod
    def _open_row(session: Session, conversation_id: str) -> HandoffRequestRow | None:
        return session.scalar(
            select(HandoffRequestRow).where(
                HandoffRequestRow.conversation_id == conversation_id,
                HandoffRequestRow.status == "open",
            )
        )
