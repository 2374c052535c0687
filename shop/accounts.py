"""Shopper accounts of the storefront: passwords, login throttling and login sessions.

The shop's ``customers`` table says who the customers are; this module adds what a
website needs to let them log in, in tables of its own created when missing:

- ``customer_credentials``: an argon2id hash per customer (argon2-cffi's defaults, the
  parameters travel inside the hash so they can be raised later, ``needs_rehash``);
- ``customer_login_failures``: failed attempts per e-mail; after ``max_failures`` within
  ``window`` further attempts are refused without looking at the password (guessing a
  password online stays slow whatever the attacker's rate);
- ``customer_auth_sessions``: the storefront's ``shop_auth`` cookie. The cookie holds a
  random token; the table keeps only its SHA-256, so a copy of the database logs nobody in.

A wrong e-mail and a wrong password fail the same way and take the same time (a dummy
hash is verified), so the login form does not reveal who has an account.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, ForeignKey, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from shop.api import Customer
from shop.db import Base, CustomerRow, write_engine
from shop.errors import ShopError
from shop.records import customer_record
from shop.sessions import shop_session

Clock = Callable[[], datetime]
MIN_PASSWORD_LENGTH = 8


class CustomerCredentialRow(Base):
    __tablename__ = "customer_credentials"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class CustomerLoginFailureRow(Base):
    __tablename__ = "customer_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # lower case, as typed
    at: Mapped[datetime]


class CustomerAuthSessionRow(Base):
    __tablename__ = "customer_auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


_TABLES = [
    CustomerCredentialRow.__table__,
    CustomerLoginFailureRow.__table__,
    CustomerAuthSessionRow.__table__,
]


class UnknownCustomer(ShopError):
    def __init__(self, email: str) -> None:
        super().__init__(f"No customer with the e-mail {email!r} in the shop.")
        self.email = email


class WeakPassword(ShopError):
    def __init__(self, problem: str) -> None:
        super().__init__(f"Password refused: {problem}")
        self.problem = problem


class LoginThrottled(ShopError):
    """Too many failed logins for this e-mail lately; try again after ``retry_after``."""

    def __init__(self, email: str, retry_after: timedelta) -> None:
        minutes = max(1, round(retry_after.total_seconds() / 60))
        super().__init__(
            f"Too many failed logins for {email!r}; try again in about {minutes} minutes."
        )
        self.email = email
        self.retry_after = retry_after
        self.minutes = minutes


@dataclass(frozen=True)
class ShopperLogin:
    """A successful login: ``token`` goes in the cookie, never anywhere else."""

    token: str
    customer: Customer
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _normal_email(email: str) -> str:
    return email.strip().lower()


class ShopperAccounts:
    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = _utc_now,
        max_failures: int = 5,
        window: timedelta = timedelta(minutes=15),
        session_ttl: timedelta = timedelta(days=14),
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._engine = engine
        self._writer = write_engine(engine)
        self._clock = clock
        self.max_failures = max_failures
        self.window = window
        self.session_ttl = session_ttl
        self._hasher = hasher or PasswordHasher()
        # verified when the e-mail is unknown, so both failures cost the same time
        self._dummy_hash = self._hasher.hash(secrets.token_hex(16))
        Base.metadata.create_all(engine, tables=_TABLES)  # type: ignore[arg-type]

    def set_password(self, email: str, password: str) -> Customer:
        """Give the customer with ``email`` this password (replacing any earlier one)."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise WeakPassword(f"use at least {MIN_PASSWORD_LENGTH} characters.")
        if password != password.strip():
            raise WeakPassword("it starts or ends with a space (a copy-paste slip?).")
        hashed = self._hasher.hash(password)
        with shop_session(self._writer, write=True) as session:
            row = session.scalar(
                select(CustomerRow).where(CustomerRow.email == _normal_email(email))
            )
            if row is None:
                raise UnknownCustomer(email)
            credential = session.get(CustomerCredentialRow, row.id)
            if credential is None:
                session.add(
                    CustomerCredentialRow(
                        customer_id=row.id, password_hash=hashed, updated_at=self._clock()
                    )
                )
            else:
                credential.password_hash = hashed
                credential.updated_at = self._clock()
            return customer_record(row)

    def first_customer(self) -> Customer | None:
        """The customer with the lowest id (the demo shopper)."""
        with shop_session(self._engine) as session:
            row = session.scalar(select(CustomerRow).order_by(CustomerRow.id).limit(1))
            return customer_record(row) if row else None

    def login(self, email: str, password: str) -> ShopperLogin | None:
        """A new login session, or None for a wrong e-mail or password.

        Raises ``LoginThrottled`` once ``max_failures`` attempts failed within ``window``.
        """
        address = _normal_email(email)
        now = self._clock()
        with shop_session(self._engine) as session:
            recent = list(
                session.scalars(
                    select(CustomerLoginFailureRow.at)
                    .where(
                        CustomerLoginFailureRow.email == address,
                        CustomerLoginFailureRow.at > now - self.window,
                    )
                    .order_by(CustomerLoginFailureRow.at)
                )
            )
            if len(recent) >= self.max_failures:
                raise LoginThrottled(address, recent[-self.max_failures] + self.window - now)
            found = session.execute(
                select(CustomerRow, CustomerCredentialRow.password_hash)
                .join(CustomerCredentialRow, CustomerCredentialRow.customer_id == CustomerRow.id)
                .where(CustomerRow.email == address)
            ).first()
        stored = found[1] if found else self._dummy_hash
        try:
            self._hasher.verify(stored, password)
            verified = found is not None
        except (VerificationError, InvalidHashError):
            verified = False
        with shop_session(self._writer, write=True) as session:
            if not verified or found is None:
                session.add(CustomerLoginFailureRow(email=address, at=now))
                return None
            customer = customer_record(found[0])
            session.execute(
                delete(CustomerLoginFailureRow).where(CustomerLoginFailureRow.email == address)
            )
            session.execute(
                delete(CustomerAuthSessionRow).where(CustomerAuthSessionRow.expires_at <= now)
            )
            if self._hasher.check_needs_rehash(found[1]):
                credential = session.get(CustomerCredentialRow, customer.id)
                if credential is not None:
                    credential.password_hash = self._hasher.hash(password)
            token = secrets.token_urlsafe(32)
            expires = now + self.session_ttl
            session.add(
                CustomerAuthSessionRow(
                    token_hash=_token_hash(token),
                    customer_id=customer.id,
                    created_at=now,
                    expires_at=expires,
                )
            )
        return ShopperLogin(token=token, customer=customer, expires_at=expires)

    def customer_for(self, token: str | None) -> Customer | None:
        """The customer a ``shop_auth`` token logs in, while its session has not expired."""
        if not token:
            return None
        with shop_session(self._engine) as session:
            row = session.scalar(
                select(CustomerRow)
                .join(
                    CustomerAuthSessionRow,
                    CustomerAuthSessionRow.customer_id == CustomerRow.id,
                )
                .where(
                    CustomerAuthSessionRow.token_hash == _token_hash(token),
                    CustomerAuthSessionRow.expires_at > self._clock(),
                )
            )
            return customer_record(row) if row else None

    def logout(self, token: str | None) -> None:
        if not token:
            return
        with shop_session(self._writer, write=True) as session:
            session.execute(
                delete(CustomerAuthSessionRow).where(
                    CustomerAuthSessionRow.token_hash == _token_hash(token)
                )
            )

    def failures(self, email: str) -> int:
        """Failed attempts for ``email`` inside the current window (for the operator)."""
        with shop_session(self._engine) as session:
            return int(
                session.scalar(
                    select(func.count()).where(
                        CustomerLoginFailureRow.email == _normal_email(email),
                        CustomerLoginFailureRow.at > self._clock() - self.window,
                    )
                )
                or 0
            )
