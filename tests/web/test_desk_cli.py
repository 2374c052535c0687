"""``python -m connectors.web create-agent`` and friends, as real processes on a scratch DB."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from handoff.agents import AgentDirectory
from shop.db import create_engine_from_url

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "ASSISTANT_VAR_DIR": str(tmp_path),
        "SHOP_DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}",
        "LOG_LEVEL": "WARNING",
    }


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connectors.web", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def directory(env: dict[str, str]) -> AgentDirectory:
    return AgentDirectory(create_engine_from_url(env["SHOP_DATABASE_URL"]))


def test_create_agent_reads_the_password_from_stdin(env: dict[str, str]) -> None:
    done = run(
        env,
        "create-agent",
        "--email",
        "ana@shop.example",
        "--name",
        "Ana Silva",
        stdin=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr
    assert "ana@shop.example (Ana Silva)" in done.stdout
    agent = directory(env).authenticate("ana@shop.example", PASSWORD)
    assert agent is not None and agent.display_name == "Ana Silva"


def test_a_weak_password_creates_nobody(env: dict[str, str]) -> None:
    done = run(
        env, "create-agent", "--email", "ana@shop.example", "--name", "Ana Silva", stdin="secret\n"
    )
    assert done.returncode == 1
    assert "Password refused: use at least 12 characters." in done.stderr
    assert directory(env).list() == []


def test_there_is_no_password_argument(env: dict[str, str]) -> None:
    done = run(
        env, "create-agent", "--email", "ana@shop.example", "--name", "Ana", "--password", PASSWORD
    )
    assert done.returncode == 2
    assert "unrecognized arguments: --password" in done.stderr


def test_a_disabled_agent_is_listed_as_such_and_cannot_log_in(env: dict[str, str]) -> None:
    run(
        env,
        "create-agent",
        "--email",
        "ana@shop.example",
        "--name",
        "Ana Silva",
        stdin=PASSWORD + "\n",
    )
    assert run(env, "disable-agent", "--email", "ana@shop.example").returncode == 0
    listed = run(env, "list-agents").stdout
    assert "ana@shop.example\tAna Silva\tdisabled\tlast seen never" in listed
    assert directory(env).authenticate("ana@shop.example", PASSWORD) is None
