"""The agent desk's tables in the shop database (beside ``handoff_requests``).

``handoff_requests`` already exists in deployed databases, so what issue 7 adds about a
request (its trigger and summary, who claimed it) lives in new tables keyed by the
request id instead of new columns: ``create_all`` makes missing tables on SQLite and
PostgreSQL alike, while adding columns would need an ALTER per backend and a migration
step at every start. Each store creates the tables it uses if missing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Engine, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.db import Base, HandoffRequestRow


class HandoffDetailRow(Base):
    """Why the bot handed over (``trigger``) and a short summary for the agent."""

    __tablename__ = "handoff_request_details"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("handoff_requests.id", ondelete="CASCADE"), primary_key=True
    )
    trigger: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(1000), default="")


class AgentRow(Base):
    __tablename__ = "desk_agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]  # presence: refreshed while the desk page is open


class DeskSessionRow(Base):
    """A logged-in desk browser; only the SHA-256 of its cookie token is stored."""

    __tablename__ = "desk_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(
        ForeignKey("desk_agents.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # absolute expiry


class LoginFailureRow(Base):
    """One failed desk login, counted per e-mail and per client address in a window."""

    __tablename__ = "desk_login_failures"
    __table_args__ = (Index("ix_desk_login_failures_key_at", "kind", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))  # "email" | "address"
    key: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime]


class ClaimRow(Base):
    """The agent holding a request. The primary key on ``request_id`` is what makes two
    agents unable to claim one conversation, even at the same instant."""

    __tablename__ = "handoff_claims"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("handoff_requests.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int] = mapped_column(ForeignKey("desk_agents.id"), index=True)
    claimed_at: Mapped[datetime]


DESK_TABLES = (
    HandoffRequestRow.__table__,
    HandoffDetailRow.__table__,
    AgentRow.__table__,
    DeskSessionRow.__table__,
    LoginFailureRow.__table__,
    ClaimRow.__table__,
)


def create_desk_tables(engine: Engine) -> None:
    """Create the hand-off and desk tables that do not exist yet (never alters one)."""
    Base.metadata.create_all(engine, tables=list(DESK_TABLES))  # type: ignore[arg-type]
