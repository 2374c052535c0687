"""Login throttling: 5 failures in 15 minutes per e-mail or per address, then refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from handoff.throttle import LoginThrottle, LoginThrottled
from tests.handoff.conftest import Clock


@pytest.fixture
def throttle(engine: Engine, clock: Clock) -> LoginThrottle:
    return LoginThrottle(engine, clock=clock)


def test_the_sixth_attempt_after_five_failures_is_refused(
    throttle: LoginThrottle, clock: Clock
) -> None:
    for _ in range(5):
        throttle.check("ana@shop.example", "10.0.0.1")
        throttle.failed("ana@shop.example", "10.0.0.1")
        clock.advance(minutes=1)
    with pytest.raises(LoginThrottled, match="Try again in 10 minutes") as refused:
        throttle.check("Ana@shop.example", "10.0.0.2")  # same e-mail, other address
    assert refused.value.retry_after == timedelta(minutes=10)


def test_the_refusal_ends_when_the_failures_leave_the_window(
    throttle: LoginThrottle, clock: Clock
) -> None:
    for _ in range(5):
        throttle.failed("ana@shop.example", "10.0.0.1")
    clock.advance(minutes=15, seconds=1)
    throttle.check("ana@shop.example", "10.0.0.1")  # does not raise


def test_one_address_trying_many_emails_is_refused(throttle: LoginThrottle) -> None:
    for n in range(5):
        throttle.failed(f"guess{n}@shop.example", "10.0.0.9")
    with pytest.raises(LoginThrottled):
        throttle.check("ana@shop.example", "10.0.0.9")


def test_a_success_clears_the_emails_count_but_not_the_addresss(
    throttle: LoginThrottle,
) -> None:
    for _ in range(4):
        throttle.failed("ana@shop.example", "10.0.0.1")
    throttle.succeeded("ana@shop.example")
    for _ in range(4):
        throttle.failed("ana@shop.example", "10.0.0.2")
    throttle.check("ana@shop.example", "10.0.0.3")  # 4 since the success: allowed
    throttle.failed("bob@shop.example", "10.0.0.1")  # 10.0.0.1's 5th failure
    with pytest.raises(LoginThrottled):
        throttle.check("carol@shop.example", "10.0.0.1")
