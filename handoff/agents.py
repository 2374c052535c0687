"""``AgentDirectory``: the people who answer shoppers on the desk, and their passwords.

Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher`` defaults, rehashed on
login when those defaults change). A login for an unknown or disabled e-mail still
verifies a hash, so the answer takes as long as a wrong password and does not reveal
which e-mails have accounts. Shoppers see an agent's first name only.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.tables import AgentRow, create_desk_tables
from shop.db import write_engine

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256  # argon2 takes any length; this bounds the work per attempt
ONLINE_WINDOW = timedelta(seconds=60)
# the most common passwords that pass the length rule; anything built from one is refused
COMMON_PASSWORDS = (
    "password",
    "passw0rd",
    "123456",
    "qwerty",
    "azerty",
    "letmein",
    "welcome",
    "iloveyou",
    "admin",
    "abc123",
    "111111",
    "changeme",
)


class AgentError(ValueError):
    """An agent cannot be created or changed; the message says what to do instead."""


class WeakPassword(AgentError):
    def __init__(self, problem: str) -> None:
        super().__init__(f"Password refused: {problem}")
        self.problem = problem


class AgentExists(AgentError):
    def __init__(self, email: str) -> None:
        super().__init__(f"An agent with e-mail {email} already exists.")
        self.email = email


class AgentNotFound(AgentError):
    def __init__(self, email: str) -> None:
        super().__init__(f"No agent with e-mail {email}.")
        self.email = email


@dataclass(frozen=True)
class Agent:
    id: int
    email: str
    display_name: str
    active: bool
    created_at: datetime
    last_seen_at: datetime | None = None

    @property
    def first_name(self) -> str:
        """What shoppers see ("Ana has joined the chat.")."""
        return self.display_name.split()[0]


def _agent(row: AgentRow) -> Agent:
    return Agent(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        active=row.active,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
    )


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Refuse empty, short, repetitive, common or personal passwords (``WeakPassword``)."""
    if not password.strip():
        raise WeakPassword("it is empty.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"use at most {MAX_PASSWORD_LENGTH} characters.")
    folded = password.casefold()
    if len(set(folded)) < 5:
        raise WeakPassword("it repeats too few different characters.")
    if any(common in folded for common in COMMON_PASSWORDS):
        raise WeakPassword("it contains a common password.")
    personal = [normalise_email(email).split("@")[0], *name.casefold().split()]
    if any(len(part) >= 3 and part in folded for part in personal):
        raise WeakPassword("it contains the agent's name or e-mail.")


class AgentDirectory:
    """Agent accounts in the shop database (the table is created if missing)."""

    def __init__(
        self,
        engine: Engine,
        *,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._writer = write_engine(engine)
        self._hasher = hasher or PasswordHasher()
        self._clock = clock
        create_desk_tables(engine)

    @functools.cached_property
    def _dummy_hash(self) -> str:
        """Verified when the e-mail is unknown, so both failures cost the same time."""
        return self._hasher.hash("not a password of anyone")

    def create(self, email: str, display_name: str, password: str) -> Agent:
        email = normalise_email(email)
        display_name = " ".join(display_name.split())
        if "@" not in email or len(email) > 254:
            raise AgentError(f"{email!r} is not an e-mail address.")
        if not display_name or len(display_name) > 120:
            raise AgentError("The display name must have 1 to 120 characters.")
        check_password(password, email=email, name=display_name)
        row = AgentRow(
            email=email,
            display_name=display_name,
            password_hash=self._hasher.hash(password),
            active=True,
            created_at=self._clock(),
            last_seen_at=None,
        )
        try:
            with Session(self._writer, expire_on_commit=False) as session, session.begin():
                session.add(row)
                session.flush()
        except IntegrityError:
            raise AgentExists(email) from None
        logger.info("Desk agent %d created (%s)", row.id, email)
        return _agent(row)

    def authenticate(self, email: str, password: str) -> Agent | None:
        """The active agent with this e-mail and password, else None (same cost either way)."""
        email = normalise_email(email)
        if len(password) > MAX_PASSWORD_LENGTH:
            password = password[:MAX_PASSWORD_LENGTH]  # still verified: never a shortcut
        with Session(self._engine) as session:
            row = session.scalar(select(AgentRow).where(AgentRow.email == email))
            stored = row.password_hash if row is not None and row.active else self._dummy_hash
            try:
                self._hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return None
            if row is None or not row.active:
                return None
            agent = _agent(row)
        if self._hasher.check_needs_rehash(stored):
            self._set_hash(agent.id, self._hasher.hash(password))
        return agent

    def _set_hash(self, agent_id: int, password_hash: str) -> None:
        with Session(self._writer) as session, session.begin():
            session.execute(
                update(AgentRow).where(AgentRow.id == agent_id).values(password_hash=password_hash)
            )

    def set_password(self, email: str, password: str) -> None:
        agent = self.by_email(email)
        if agent is None:
            raise AgentNotFound(normalise_email(email))
        check_password(password, email=agent.email, name=agent.display_name)
        self._set_hash(agent.id, self._hasher.hash(password))

    def set_active(self, email: str, active: bool) -> Agent:
        email = normalise_email(email)
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            row = session.scalar(select(AgentRow).where(AgentRow.email == email))
            if row is None:
                raise AgentNotFound(email)
            row.active = active
            return _agent(row)

    def get(self, agent_id: int) -> Agent | None:
        with Session(self._engine) as session:
            row = session.get(AgentRow, agent_id)
            return _agent(row) if row is not None else None

    def by_email(self, email: str) -> Agent | None:
        with Session(self._engine) as session:
            row = session.scalar(select(AgentRow).where(AgentRow.email == normalise_email(email)))
            return _agent(row) if row is not None else None

    def list(self) -> list[Agent]:
        with Session(self._engine) as session:
            return [_agent(row) for row in session.scalars(select(AgentRow).order_by(AgentRow.id))]

    # presence

    def touch(self, agent_id: int) -> None:
        """The agent's desk page is alive (its live stream calls this every few seconds)."""
        with Session(self._writer) as session, session.begin():
            session.execute(
                update(AgentRow).where(AgentRow.id == agent_id).values(last_seen_at=self._clock())
            )

    def online_count(self) -> int:
        """Active agents whose desk page was alive within ``ONLINE_WINDOW``."""
        since = self._clock() - ONLINE_WINDOW
        with Session(self._engine) as session:
            count = session.scalar(
                select(func.count())
                .select_from(AgentRow)
                .where(AgentRow.active.is_(True), AgentRow.last_seen_at >= since)
            )
            return int(count or 0)
