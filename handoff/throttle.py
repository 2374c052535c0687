"""``LoginThrottle``: refuse desk logins after too many failures, per e-mail and per address.

Counting per e-mail stops guessing one agent's password from many addresses; counting per
client address stops one address trying many e-mails. Both are kept in the database so a
restart does not reset them and every web worker sees the same counts. Once ``limit``
failures fall inside ``window`` the key is refused until the oldest of them leaves the
window; a successful login clears the e-mail's count (not the address's: a valid login
from an address that is also guessing other accounts must not wipe its record).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from handoff.agents import normalise_email
from handoff.tables import LoginFailureRow, create_desk_tables
from shop.db import write_engine

LIMIT = 5
WINDOW = timedelta(minutes=15)


class LoginThrottled(Exception):
    """Too many failed logins; ``retry_after`` says when to try again."""

    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, -(-int(retry_after.total_seconds()) // 60))
        super().__init__(
            f"Too many failed logins. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
        )
        self.retry_after = retry_after


class LoginThrottle:
    def __init__(
        self,
        engine: Engine,
        *,
        limit: int = LIMIT,
        window: timedelta = WINDOW,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._writer = write_engine(engine)
        self._limit = limit
        self._window = window
        self._clock = clock
        create_desk_tables(engine)

    def _keys(self, email: str, address: str) -> list[tuple[str, str]]:
        return [("email", normalise_email(email)[:254]), ("address", address[:254])]

    def check(self, email: str, address: str) -> None:
        """Raise ``LoginThrottled`` if either key has ``limit`` failures in the window."""
        now = self._clock()
        since = now - self._window
        wait = timedelta(0)
        with Session(self._engine) as session:
            for kind, key in self._keys(email, address):
                times = list(
                    session.scalars(
                        select(LoginFailureRow.at)
                        .where(
                            LoginFailureRow.kind == kind,
                            LoginFailureRow.key == key,
                            LoginFailureRow.at > since,
                        )
                        .order_by(LoginFailureRow.at.desc())
                        .limit(self._limit)
                    )
                )
                if len(times) >= self._limit:
                    # refused until the limit-th most recent failure leaves the window
                    wait = max(wait, times[-1] + self._window - now)
        if wait > timedelta(0):
            raise LoginThrottled(wait)

    def failed(self, email: str, address: str) -> None:
        now = self._clock()
        with Session(self._writer) as session, session.begin():
            session.execute(delete(LoginFailureRow).where(LoginFailureRow.at <= now - self._window))
            for kind, key in self._keys(email, address):
                session.add(LoginFailureRow(kind=kind, key=key, at=now))

    def succeeded(self, email: str) -> None:
        with Session(self._writer) as session, session.begin():
            session.execute(
                delete(LoginFailureRow).where(
                    LoginFailureRow.kind == "email",
                    LoginFailureRow.key == normalise_email(email)[:254],
                )
            )
