"""shop.verification: failed order checks counted in a real SQLite shop database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from shop.db import create_engine_from_url
from shop.verification import VerificationLimiter, VerificationLimits

LIMITS = VerificationLimits(max_per_conversation=2, max_per_address=3, window=timedelta(hours=1))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def limiter(path: Path, clock: Clock) -> VerificationLimiter:
    return VerificationLimiter(
        create_engine_from_url(f"sqlite:///{path}"), limits=LIMITS, clock=clock
    )


def test_a_conversation_is_refused_after_its_limit_until_the_window_passes(
    tmp_path: Path,
) -> None:
    clock = Clock()
    guard = limiter(tmp_path / "shop.db", clock)
    guard.record_failure("conv-1", None)
    assert guard.allowed("conv-1", None) is True
    guard.record_failure("conv-1", None)
    assert guard.allowed("conv-1", None) is False
    assert guard.allowed("conv-2", None) is True
    clock.now += timedelta(hours=1, seconds=1)
    assert guard.allowed("conv-1", None) is True


def test_an_address_is_refused_across_conversations(tmp_path: Path) -> None:
    guard = limiter(tmp_path / "shop.db", Clock())
    for conversation in ("a", "b", "c"):
        guard.record_failure(conversation, "203.0.113.5")
    assert guard.allowed("d", "203.0.113.5") is False
    assert guard.allowed("d", "203.0.113.6") is True
    assert guard.allowed("d", None) is True


def test_replicas_sharing_the_database_count_the_same_failures(tmp_path: Path) -> None:
    clock = Clock()
    first, second = limiter(tmp_path / "shop.db", clock), limiter(tmp_path / "shop.db", clock)
    first.record_failure("conv-1", "192.0.2.8")
    second.record_failure("conv-1", "192.0.2.8")
    assert first.allowed("conv-1", None) is False
    assert second.allowed("conv-1", None) is False
