"""Desk sessions: hashed tokens, idle and absolute expiry, logout, disabled agents."""

from __future__ import annotations

import hashlib

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from handoff.agents import Agent, AgentDirectory
from handoff.sessions import DeskSessions
from handoff.tables import DeskSessionRow
from tests.handoff.conftest import PASSWORD, Clock


@pytest.fixture
def agents(engine: Engine, fast_hasher: PasswordHasher) -> AgentDirectory:
    return AgentDirectory(engine, hasher=fast_hasher)


@pytest.fixture
def ana(agents: AgentDirectory) -> Agent:
    return agents.create("ana@shop.example", "Ana Silva", PASSWORD)


@pytest.fixture
def sessions(engine: Engine, clock: Clock) -> DeskSessions:
    return DeskSessions(engine, clock=clock)


def test_a_started_session_finds_its_agent(sessions: DeskSessions, ana: Agent) -> None:
    token, started = sessions.start(ana)
    found = sessions.lookup(token)
    assert found is not None and found.agent.id == ana.id
    assert (
        found.csrf_ok(started.csrf_token)
        and not found.csrf_ok("forged")
        and not found.csrf_ok(None)
    )


def test_only_the_sha256_of_the_token_is_stored(
    sessions: DeskSessions, ana: Agent, engine: Engine
) -> None:
    token, _ = sessions.start(ana)
    with Session(engine) as session:
        stored = list(session.scalars(select(DeskSessionRow.token_hash)))
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_an_idle_session_expires(sessions: DeskSessions, ana: Agent, clock: Clock) -> None:
    token, _ = sessions.start(ana)
    clock.advance(minutes=31)
    assert sessions.lookup(token) is None


def test_use_keeps_a_session_alive_until_its_absolute_expiry(
    sessions: DeskSessions, ana: Agent, clock: Clock
) -> None:
    token, _ = sessions.start(ana)
    for _ in range(24):  # 24 x 29 min = 11 h 36 min of steady use
        clock.advance(minutes=29)
        assert sessions.lookup(token) is not None
    clock.advance(minutes=25)  # 12 h 01 min, 25 min idle: past the 12-hour lifetime only
    assert sessions.lookup(token) is None


def test_logout_ends_the_session(sessions: DeskSessions, ana: Agent) -> None:
    token, _ = sessions.start(ana)
    sessions.end(token)
    assert sessions.lookup(token) is None


def test_disabling_an_agent_ends_their_sessions(
    sessions: DeskSessions, agents: AgentDirectory, ana: Agent
) -> None:
    token, _ = sessions.start(ana)
    agents.set_active(ana.email, False)
    assert sessions.lookup(token) is None


def test_an_unknown_token_finds_nothing(sessions: DeskSessions, ana: Agent) -> None:
    sessions.start(ana)
    assert sessions.lookup("not-a-token") is None
