"""Fixtures: an empty SQLite shop database per test, and a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from shop.db import create_engine_from_url

START = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday
PASSWORD = "correct-horse-battery-staple"


class Clock:
    """The time the stores see; tests move it instead of sleeping."""

    def __init__(self, start: datetime = START) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'shop.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fast_hasher() -> PasswordHasher:
    # argon2id with small costs: the same algorithm, quicker tests
    return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
