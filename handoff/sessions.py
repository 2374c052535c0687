"""``DeskSessions``: logged-in desk browsers, each with its own CSRF token.

The browser holds a random token (256 bits) in a cookie; the database holds only its
SHA-256, so a leaked database copy cannot be replayed as a login. A session ends at
logout, after ``idle`` without a request, or ``lifetime`` after login whatever happens,
and when its agent is disabled. The CSRF token is per session and compared in constant
time; pages put it in forms and in a ``<meta>`` the desk's script reads.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from handoff.agents import Agent, _agent
from handoff.tables import AgentRow, DeskSessionRow, create_desk_tables
from shop.db import write_engine

SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(minutes=30)
# last_used_at is written at most this often (every desk request would otherwise write)
TOUCH_EVERY = timedelta(seconds=30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DeskSession:
    token_hash: str
    agent: Agent
    csrf_token: str
    created_at: datetime
    expires_at: datetime

    def csrf_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf_token, given or "")


class DeskSessions:
    def __init__(
        self,
        engine: Engine,
        *,
        lifetime: timedelta = SESSION_LIFETIME,
        idle: timedelta = SESSION_IDLE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._writer = write_engine(engine)
        self._lifetime = lifetime
        self._idle = idle
        self._clock = clock
        create_desk_tables(engine)

    def start(self, agent: Agent) -> tuple[str, DeskSession]:
        """A new session for ``agent``: the cookie token (shown once) and the session."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        started = DeskSession(
            token_hash(token), agent, secrets.token_urlsafe(32), now, now + self._lifetime
        )
        row = DeskSessionRow(
            token_hash=started.token_hash,
            agent_id=agent.id,
            csrf_token=started.csrf_token,
            created_at=now,
            last_used_at=now,
            expires_at=started.expires_at,
        )
        with Session(self._writer) as session, session.begin():
            # expired sessions of anyone are dropped here, so the table stays small
            session.execute(
                delete(DeskSessionRow).where(
                    (DeskSessionRow.expires_at <= now)
                    | (DeskSessionRow.last_used_at <= now - self._idle)
                )
            )
            session.add(row)
        return token, started

    def lookup(self, token: str | None) -> DeskSession | None:
        """The live session of this cookie token, or None (unknown, expired, agent disabled)."""
        if not token or len(token) > 200:
            return None
        hashed = token_hash(token)
        now = self._clock()
        with Session(self._engine) as session:
            found = session.execute(
                select(DeskSessionRow, AgentRow)
                .join(AgentRow, AgentRow.id == DeskSessionRow.agent_id)
                .where(DeskSessionRow.token_hash == hashed)
            ).first()
            if found is None:
                return None
            row, agent_row = found
            if (
                not agent_row.active
                or row.expires_at <= now
                or row.last_used_at <= now - self._idle
            ):
                return None
            desk_session = DeskSession(
                hashed, _agent(agent_row), row.csrf_token, row.created_at, row.expires_at
            )
            stale = row.last_used_at <= now - TOUCH_EVERY
        if stale:
            with Session(self._writer) as session, session.begin():
                session.execute(
                    update(DeskSessionRow)
                    .where(DeskSessionRow.token_hash == hashed)
                    .values(last_used_at=now)
                )
        return desk_session

    def end(self, token: str | None) -> None:
        if not token:
            return
        with Session(self._writer) as session, session.begin():
            session.execute(
                delete(DeskSessionRow).where(DeskSessionRow.token_hash == token_hash(token))
            )
