"""``DeskAvailability``: what the bot can truthfully promise a shopper who asks for a person.

Open or closed comes from ``OpeningHours``; agents online from the desk's presence (an
agent counts while their desk page's live stream is open: it refreshes ``last_seen_at``).
The wait is an estimate: every request ahead of this one, plus this one, takes the
average handling time, shared among the agents online::

    wait = ceil((queue_ahead + 1) * average_minutes / agents_online)

``average_minutes`` is the mean time from claim to close of the last ``RECENT`` handled
requests of the past ``RECENT_DAYS`` days, or ``DEFAULT_HANDLING_MINUTES`` while there are
none. It is None when the desk is closed or nobody is online: no number is promised then.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from handoff.agents import ONLINE_WINDOW
from handoff.hours import OpeningHours
from handoff.tables import AgentRow, ClaimRow, create_desk_tables
from shop.db import HandoffRequestRow
from shop.errors import ShopUnavailable

DEFAULT_HANDLING_MINUTES = 5.0
RECENT = 20
RECENT_DAYS = 7


@dataclass(frozen=True)
class Availability:
    open_now: bool  # within the opening hours
    agents_online: int  # agents whose desk page was alive in the last 60 s
    queue_ahead: int  # open, unclaimed requests filed before this conversation's
    wait_minutes: int | None  # estimate; None when nobody is online or it is closed
    next_opening: datetime | None
    hours: str  # OpeningHours.describe()


def estimate_wait(queue_ahead: int, average_minutes: float, agents_online: int) -> int:
    """Whole minutes, at least 1: ceil((queue_ahead + 1) * average / agents)."""
    if agents_online < 1:
        raise ValueError("no agent is online: there is no wait to estimate")
    return max(1, math.ceil((queue_ahead + 1) * average_minutes / agents_online))


class DeskAvailability:
    def __init__(
        self,
        engine: Engine,
        hours: OpeningHours,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._hours = hours
        self._clock = clock
        create_desk_tables(engine)

    @property
    def hours(self) -> OpeningHours:
        return self._hours

    def now(self, conversation_id: str | None = None) -> Availability:
        """What is true right now; ``ShopUnavailable`` when the database cannot be read."""
        at = self._clock()
        open_now = self._hours.is_open(at)
        try:
            with Session(self._engine) as session:
                online = self._agents_online(session, at)
                ahead = self._queue_ahead(session, conversation_id)
                average = self._average_minutes(session, at)
        except SQLAlchemyError as exc:
            # the desk lives in the shop database: callers handle shop errors only
            database = self._engine.url.render_as_string(hide_password=True)
            raise ShopUnavailable(database, f"{type(exc).__name__}: {exc}") from exc
        wait = estimate_wait(ahead, average, online) if open_now and online > 0 else None
        return Availability(
            open_now=open_now,
            agents_online=online,
            queue_ahead=ahead,
            wait_minutes=wait,
            next_opening=self._hours.next_opening(at),
            hours=self._hours.describe(),
        )

    @staticmethod
    def _agents_online(session: Session, at: datetime) -> int:
        count = session.scalar(
            select(func.count())
            .select_from(AgentRow)
            .where(AgentRow.active.is_(True), AgentRow.last_seen_at >= at - ONLINE_WINDOW)
        )
        return int(count or 0)

    @staticmethod
    def _queue_ahead(session: Session, conversation_id: str | None) -> int:
        """Open requests nobody has claimed, filed before this conversation's open one
        (all of them when the conversation has none yet)."""
        query = (
            select(func.count())
            .select_from(HandoffRequestRow)
            .outerjoin(ClaimRow, ClaimRow.request_id == HandoffRequestRow.id)
            .where(HandoffRequestRow.status == "open", ClaimRow.request_id.is_(None))
        )
        if conversation_id is not None:
            own = session.execute(
                select(HandoffRequestRow.id, HandoffRequestRow.created_at).where(
                    HandoffRequestRow.conversation_id == conversation_id,
                    HandoffRequestRow.status == "open",
                )
            ).first()
            if own is not None:
                own_id, own_created = own
                query = query.where(
                    (HandoffRequestRow.created_at < own_created)
                    | (
                        (HandoffRequestRow.created_at == own_created)
                        & (HandoffRequestRow.id < own_id)
                    )
                )
        return int(session.scalar(query) or 0)

    @staticmethod
    def _average_minutes(session: Session, at: datetime) -> float:
        rows = session.execute(
            select(ClaimRow.claimed_at, HandoffRequestRow.closed_at)
            .join(HandoffRequestRow, HandoffRequestRow.id == ClaimRow.request_id)
            .where(
                HandoffRequestRow.status == "closed",
                HandoffRequestRow.closed_at >= at - timedelta(days=RECENT_DAYS),
            )
            .order_by(HandoffRequestRow.closed_at.desc())
            .limit(RECENT)
        ).all()
        spans = [
            (closed - claimed).total_seconds() / 60
            for claimed, closed in rows
            if closed is not None and closed >= claimed
        ]
        if not spans:
            return DEFAULT_HANDLING_MINUTES
        return sum(spans) / len(spans)
