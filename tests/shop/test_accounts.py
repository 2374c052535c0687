"""Shopper passwords, login throttling and login sessions (shop.accounts) on real SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shop.accounts import (
    CustomerAuthSessionRow,
    CustomerCredentialRow,
    LoginThrottled,
    ShopperAccounts,
    UnknownCustomer,
    WeakPassword,
)
from shop.api import Customer

PASSWORD = "a long enough password"
# cheap parameters: these tests are about the rules, not about argon2's cost
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(engine: Engine, clock: Clock) -> ShopperAccounts:
    return ShopperAccounts(engine, clock=clock, hasher=FAST)


@pytest.fixture
def customer(accounts: ShopperAccounts) -> Customer:
    first = accounts.first_customer()
    assert first is not None
    accounts.set_password(first.email, PASSWORD)
    return first


def test_the_right_password_logs_the_customer_in(
    accounts: ShopperAccounts, customer: Customer
) -> None:
    login = accounts.login(customer.email.upper(), PASSWORD)
    assert login is not None
    assert accounts.customer_for(login.token) == customer


def test_a_wrong_password_logs_nobody_in(accounts: ShopperAccounts, customer: Customer) -> None:
    assert accounts.login(customer.email, PASSWORD + "x") is None


def test_an_unknown_email_fails_like_a_wrong_password(accounts: ShopperAccounts) -> None:
    assert accounts.login("nobody@example.invalid", PASSWORD) is None


def test_the_password_is_stored_as_an_argon2_hash(
    accounts: ShopperAccounts, customer: Customer, engine: Engine
) -> None:
    with Session(engine) as session:
        stored = session.get(CustomerCredentialRow, customer.id)
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")


def test_the_session_token_is_stored_only_as_a_hash(
    accounts: ShopperAccounts, customer: Customer, engine: Engine
) -> None:
    login = accounts.login(customer.email, PASSWORD)
    assert login is not None
    with Session(engine) as session:
        stored = list(session.scalars(select(CustomerAuthSessionRow.token_hash)))
    assert (len(stored), login.token in stored) == (1, False)


def test_the_sixth_attempt_within_the_window_is_throttled(
    accounts: ShopperAccounts, customer: Customer
) -> None:
    for _ in range(5):
        accounts.login(customer.email, "wrong")
    with pytest.raises(LoginThrottled):
        accounts.login(customer.email, PASSWORD)


def test_the_throttle_lifts_once_the_failures_are_older_than_the_window(
    accounts: ShopperAccounts, customer: Customer, clock: Clock
) -> None:
    for _ in range(5):
        accounts.login(customer.email, "wrong")
    clock.now += timedelta(minutes=15, seconds=1)
    assert accounts.login(customer.email, PASSWORD) is not None


def test_a_session_ends_when_it_expires(
    accounts: ShopperAccounts, customer: Customer, clock: Clock
) -> None:
    login = accounts.login(customer.email, PASSWORD)
    assert login is not None
    clock.now = login.expires_at
    assert accounts.customer_for(login.token) is None


def test_logging_out_ends_the_session(accounts: ShopperAccounts, customer: Customer) -> None:
    login = accounts.login(customer.email, PASSWORD)
    assert login is not None
    accounts.logout(login.token)
    assert accounts.customer_for(login.token) is None


def test_a_short_password_is_refused(accounts: ShopperAccounts, customer: Customer) -> None:
    with pytest.raises(WeakPassword):
        accounts.set_password(customer.email, "short")


def test_a_password_for_an_unknown_email_is_refused(accounts: ShopperAccounts) -> None:
    with pytest.raises(UnknownCustomer):
        accounts.set_password("nobody@example.invalid", PASSWORD)
