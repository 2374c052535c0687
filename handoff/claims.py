"""``Claims``: which agent holds an open hand-off request; one agent per request.

The database decides: ``handoff_claims`` has the request id as its primary key, so of two
agents claiming at the same instant one insert succeeds and the other fails with an
integrity error, on SQLite and PostgreSQL alike. A claim is released when the agent hands
the conversation back (the request is closed, the row stays as history for the handling
time) or undone when the bot could not be paused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.tables import AgentRow, ClaimRow, create_desk_tables
from shop.db import HandoffRequestRow, write_engine

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    request_id: int
    agent_id: int
    agent_name: str  # display name
    claimed_at: datetime

    @property
    def agent_first_name(self) -> str:
        return self.agent_name.split()[0]


class ClaimError(Exception):
    """A claim cannot be made or used; carries the request id."""

    def __init__(self, request_id: int, message: str) -> None:
        super().__init__(message)
        self.request_id = request_id


class AlreadyClaimed(ClaimError):
    def __init__(self, request_id: int, holder: Claim) -> None:
        super().__init__(request_id, f"Already taken by {holder.agent_name}.")
        self.holder = holder


class RequestNotOpen(ClaimError):
    def __init__(self, request_id: int) -> None:
        super().__init__(request_id, f"Request {request_id} is closed or does not exist.")


class NotClaimHolder(ClaimError):
    def __init__(self, request_id: int, holder: Claim | None) -> None:
        who = f"it is held by {holder.agent_name}" if holder else "nobody has claimed it"
        super().__init__(request_id, f"Claim request {request_id} first: {who}.")
        self.holder = holder


class Claims:
    def __init__(
        self, engine: Engine, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._engine = engine
        self._writer = write_engine(engine)
        self._clock = clock
        create_desk_tables(engine)

    def claim(self, request_id: int, agent_id: int) -> Claim:
        """Take an open request; ``AlreadyClaimed`` if another agent (or this one) holds it."""
        try:
            with Session(self._writer) as session, session.begin():
                status = session.scalar(
                    select(HandoffRequestRow.status).where(HandoffRequestRow.id == request_id)
                )
                if status != "open":
                    raise RequestNotOpen(request_id)
                session.add(
                    ClaimRow(request_id=request_id, agent_id=agent_id, claimed_at=self._clock())
                )
                session.flush()
        except IntegrityError:
            holder = self.holder(request_id)
            if holder is None:  # released between the two statements: rare, say so plainly
                raise ClaimError(request_id, "The claim changed hands; try again.") from None
            raise AlreadyClaimed(request_id, holder) from None
        claim = self.holder(request_id)
        assert claim is not None
        logger.info("Hand-off %d claimed by agent %d", request_id, agent_id)
        return claim

    def release(self, request_id: int, agent_id: int) -> None:
        """Undo this agent's claim (the bot could not be paused): the request waits again."""
        with Session(self._writer) as session, session.begin():
            session.execute(
                delete(ClaimRow).where(
                    ClaimRow.request_id == request_id, ClaimRow.agent_id == agent_id
                )
            )

    def holder(self, request_id: int) -> Claim | None:
        return self.holders([request_id]).get(request_id)

    def holders(self, request_ids: list[int]) -> dict[int, Claim]:
        if not request_ids:
            return {}
        with Session(self._engine) as session:
            rows = session.execute(
                select(ClaimRow, AgentRow.display_name)
                .join(AgentRow, AgentRow.id == ClaimRow.agent_id)
                .where(ClaimRow.request_id.in_(request_ids))
            )
            return {
                row.request_id: Claim(row.request_id, row.agent_id, name, row.claimed_at)
                for row, name in rows
            }

    def require_holder(self, request_id: int, agent_id: int) -> Claim:
        """The claim if ``agent_id`` holds this open request, else ``NotClaimHolder``."""
        with Session(self._engine) as session:
            status = session.scalar(
                select(HandoffRequestRow.status).where(HandoffRequestRow.id == request_id)
            )
        if status != "open":
            raise RequestNotOpen(request_id)
        holder = self.holder(request_id)
        if holder is None or holder.agent_id != agent_id:
            raise NotClaimHolder(request_id, holder)
        return holder
