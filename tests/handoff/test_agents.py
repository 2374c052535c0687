"""Agent accounts: argon2 hashes, generic failures, weak passwords refused."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from handoff.agents import AgentDirectory, AgentExists, WeakPassword
from handoff.tables import AgentRow
from tests.handoff.conftest import PASSWORD


@pytest.fixture
def agents(engine: Engine, fast_hasher: PasswordHasher) -> AgentDirectory:
    return AgentDirectory(engine, hasher=fast_hasher)


def test_the_right_password_logs_the_agent_in(agents: AgentDirectory) -> None:
    created = agents.create("Ana@Shop.example", "Ana Silva", PASSWORD)
    found = agents.authenticate("ana@shop.example ", PASSWORD)
    assert found is not None and found.id == created.id
    assert found.first_name == "Ana"


def test_only_an_argon2id_hash_is_stored(agents: AgentDirectory, engine: Engine) -> None:
    agents.create("ana@shop.example", "Ana Silva", PASSWORD)
    with Session(engine) as session:
        stored = session.scalar(select(AgentRow.password_hash))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ana@shop.example", "correct-horse-battery-stapLe"),  # wrong password
        ("nobody@shop.example", PASSWORD),  # unknown e-mail
    ],
)
def test_a_wrong_password_or_unknown_email_is_refused(
    agents: AgentDirectory, email: str, password: str
) -> None:
    agents.create("ana@shop.example", "Ana Silva", PASSWORD)
    assert agents.authenticate(email, password) is None


def test_a_disabled_agent_cannot_log_in(agents: AgentDirectory) -> None:
    agents.create("ana@shop.example", "Ana Silva", PASSWORD)
    agents.set_active("ana@shop.example", False)
    assert agents.authenticate("ana@shop.example", PASSWORD) is None


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("short-pw1", "at least 12"),
        ("abababababababab", "too few different"),
        ("MyPassword2026!", "common password"),
        ("silva-rules-2026", "name or e-mail"),
    ],
)
def test_weak_passwords_are_refused(agents: AgentDirectory, password: str, problem: str) -> None:
    with pytest.raises(WeakPassword, match=problem):
        agents.create("ana@shop.example", "Ana Silva", password)
    assert agents.list() == []


def test_an_email_can_have_only_one_account(agents: AgentDirectory) -> None:
    agents.create("ana@shop.example", "Ana Silva", PASSWORD)
    with pytest.raises(AgentExists):
        agents.create("ANA@shop.example", "Ana Other", PASSWORD)
