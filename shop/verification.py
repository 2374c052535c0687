"""A limit on failed order verifications, per conversation and per client address.

Looking an order up needs its number and the e-mail on it (or a signed customer token).
Without a limit, a script could try numbers and e-mail addresses in a chat until one
matches. Every failure (unknown number, wrong e-mail: the shopper is told the same either
way) is recorded here with the conversation and the client's address, and once either has
``max_per_conversation`` / ``max_per_address`` failures within ``window`` no further check
is made for it until older failures leave the window.

The failures live in the shop database (table ``verification_failures``, created if
missing), so every action server replica counts the same ones. The client address must come
from the server side of a channel (``connectors/rest_channel.py`` sets it), never from what
the client sends; a conversation without one is limited per conversation only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
)

from shop.db import UtcDateTime, write_engine

logger = logging.getLogger(__name__)

_metadata = MetaData()
FAILURES = Table(
    "verification_failures",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(200), nullable=False, index=True),
    Column("client_address", String(64), index=True),
    Column("created_at", UtcDateTime(), nullable=False, index=True),
)


@dataclass(frozen=True)
class VerificationLimits:
    """How many failed checks are allowed within ``window``."""

    max_per_conversation: int = 5
    max_per_address: int = 20
    window: timedelta = timedelta(hours=1)


class VerificationLimiter:
    """Counts failed order verifications in the shop database; see the module docstring."""

    def __init__(
        self,
        engine: Engine,
        *,
        limits: VerificationLimits | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._writer = write_engine(engine)
        self.limits = limits or VerificationLimits()
        self._clock = clock
        _metadata.create_all(engine)

    def allowed(self, conversation_id: str, client_address: str | None) -> bool:
        """False when this conversation or this address has failed too often lately."""
        since = self._clock() - self.limits.window
        with self._engine.connect() as conn:
            mine = FAILURES.c.conversation_id == conversation_id
            by_conversation = self._count(conn, mine, since)
            if by_conversation >= self.limits.max_per_conversation:
                logger.warning(
                    "Order verification refused: conversation %s has %d failed checks within %s",
                    conversation_id,
                    by_conversation,
                    self.limits.window,
                )
                return False
            if not client_address:
                return True
            by_address = self._count(conn, FAILURES.c.client_address == client_address, since)
        if by_address >= self.limits.max_per_address:
            logger.warning(
                "Order verification refused: address %s has %d failed checks within %s "
                "(conversation %s)",
                client_address,
                by_address,
                self.limits.window,
                conversation_id,
            )
            return False
        return True

    def record_failure(self, conversation_id: str, client_address: str | None) -> None:
        """Remember one failed check (and forget those that left the window)."""
        now = self._clock()
        with self._writer.begin() as conn:
            conn.execute(
                insert(FAILURES).values(
                    conversation_id=conversation_id,
                    client_address=client_address or None,
                    created_at=now,
                )
            )
            conn.execute(delete(FAILURES).where(FAILURES.c.created_at < now - self.limits.window))
        logger.warning(
            "Failed order verification in conversation %s from address %s",
            conversation_id,
            client_address or "(unknown)",
        )

    @staticmethod
    def _count(conn: Connection, condition: ColumnElement[bool], since: datetime) -> int:
        query = (
            select(func.count())
            .select_from(FAILURES)
            .where(condition, FAILURES.c.created_at >= since)
        )
        return int(conn.scalar(query) or 0)
