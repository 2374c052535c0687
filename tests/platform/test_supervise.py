"""The supervisor run for real, as a subprocess, over small dummy child processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.supervise import SpecError, StackSpec, describe_exit, health_ok

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); it is dead for our purposes
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


class Run:
    """A supervisor subprocess whose output is collected into a file."""

    def __init__(self, tmp: Path, spec: dict[str, Any], env: dict[str, str] | None = None) -> None:
        self.tmp = tmp
        self.logs = tmp / "logs"
        spec_path = tmp / "stack.json"
        spec_path.write_text(json.dumps(spec))
        self.out_path = tmp / "supervisor.out"
        self._out = self.out_path.open("wb")
        self.proc = subprocess.Popen(
            [
                PY,
                str(ROOT / "scripts" / "supervise.py"),
                "--spec",
                str(spec_path),
                "--log-dir",
                str(self.logs),
            ],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env=env,
        )

    @property
    def output(self) -> str:
        return self.out_path.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output:
                return
            if self.proc.poll() is not None and text not in self.output:
                break
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not seen in supervisor output:\n{self.output}")

    def wait(self, timeout: float = 30.0) -> int:
        return self.proc.wait(timeout)

    def close(self) -> None:
        """Stop the supervisor as an operator would (SIGTERM: it stops its services first);
        SIGKILL alone left the services running, orphaned, for their 600 s sleep."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Any]:
    runs: list[Run] = []

    def start(spec: dict[str, Any], env: dict[str, str] | None = None) -> Run:
        r = Run(tmp_path, spec, env)
        runs.append(r)
        return r

    yield start
    for r in runs:
        r.close()


def pidfile_child(tmp: Path, name: str, body: str = "") -> list[str]:
    """A child that writes its pid to <tmp>/<name>.pid, runs ``body``, then sleeps."""
    code = (
        "import os, sys, time, signal\n"
        f"open({str(tmp / (name + '.pid'))!r}, 'w').write(str(os.getpid()))\n"
        f"print('hello from {name}', flush=True)\n"
        f"{body}\n"
        "time.sleep(600)\n"
    )
    return [PY, "-c", code]


def read_pid(tmp: Path, name: str, timeout: float = 10.0) -> int:
    path = tmp / f"{name}.pid"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"{name} never wrote its pid")


def test_starts_services_waits_for_health_prints_banner_and_stops_on_sigterm(
    run: Any, tmp_path: Path
) -> None:
    port = free_port()
    web = [PY, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(tmp_path)]
    sup = run(
        {
            "banner": "READY: talk to me",
            "services": [
                {"name": "web", "command": web, "health_url": f"http://127.0.0.1:{port}/"},
                {"name": "worker", "command": pidfile_child(tmp_path, "worker")},
            ],
        }
    )
    sup.wait_for("READY: talk to me")
    out = sup.output
    assert "web is up" in out
    assert "[worker] hello from worker" in out  # prefixed output
    worker = read_pid(tmp_path, "worker")
    assert "hello from worker" in (sup.logs / "worker.log").read_text()

    sup.proc.send_signal(signal.SIGTERM)
    assert sup.wait() == 0
    assert not pid_alive(worker)
    assert "all services stopped" in sup.output


def test_ctrl_c_stops_grandchildren_in_the_process_group(run: Any, tmp_path: Path) -> None:
    grandchild = f"import subprocess\nsubprocess.Popen({pidfile_child(tmp_path, 'grandchild')!r})"
    sup = run(
        {
            "banner": "READY",
            "services": [
                {"name": "parent", "command": pidfile_child(tmp_path, "parent", grandchild)}
            ],
        }
    )
    sup.wait_for("READY")
    parent, child = read_pid(tmp_path, "parent"), read_pid(tmp_path, "grandchild")
    sup.proc.send_signal(signal.SIGINT)
    assert sup.wait() == 0
    assert not pid_alive(parent)
    assert not pid_alive(child)


def test_a_dying_service_is_reported_restarted_then_everything_stops(
    run: Any, tmp_path: Path
) -> None:
    crasher = [PY, "-c", "print('boom: database is locked', flush=True); raise SystemExit(3)"]
    sup = run(
        {
            "max_restarts": 2,
            "backoff": 0.2,
            "services": [
                {"name": "steady", "command": pidfile_child(tmp_path, "steady")},
                {"name": "crasher", "command": crasher},
            ],
        }
    )
    assert sup.wait() == 1
    out = sup.output
    assert out.count("crasher EXITED with code 3") == 3  # first run + 2 restarts
    assert "boom: database is locked" in out.split("EXITED", 1)[1]  # last lines shown
    assert "restarting crasher" in out
    assert "giving up" in out
    assert not pid_alive(read_pid(tmp_path, "steady"))


def test_a_service_that_recovers_keeps_running(run: Any, tmp_path: Path) -> None:
    marker = tmp_path / "crashed-once"
    flaky = pidfile_child(
        tmp_path,
        "flaky",
        f"import pathlib\nm = pathlib.Path({str(marker)!r})\n"
        "if not m.exists():\n    m.touch(); raise SystemExit(7)",
    )
    sup = run(
        {"backoff": 0.2, "banner": "READY", "services": [{"name": "flaky", "command": flaky}]}
    )
    sup.wait_for("flaky EXITED with code 7")
    sup.wait_for("restarting flaky")
    deadline = time.monotonic() + 10
    while sup.output.count("[flaky] hello from flaky") < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    assert sup.proc.poll() is None  # the supervisor carries on
    assert pid_alive(read_pid(tmp_path, "flaky"))
    sup.proc.send_signal(signal.SIGTERM)
    assert sup.wait() == 0


def test_a_service_ignoring_sigterm_is_killed_after_the_timeout(run: Any, tmp_path: Path) -> None:
    stubborn = pidfile_child(tmp_path, "stubborn", "signal.signal(signal.SIGTERM, signal.SIG_IGN)")
    sup = run(
        {
            "stop_timeout": 1.0,
            "banner": "READY",
            "services": [{"name": "stubborn", "command": stubborn}],
        }
    )
    sup.wait_for("READY")
    pid = read_pid(tmp_path, "stubborn")
    started = time.monotonic()
    sup.proc.send_signal(signal.SIGTERM)
    assert sup.wait() == 0
    assert time.monotonic() - started < 8
    assert "ignored SIGTERM" in sup.output
    assert not pid_alive(pid)


def test_a_service_that_never_gets_healthy_stops_the_stack(run: Any, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    sup = run(
        {
            "services": [
                {
                    "name": "mute",
                    "command": pidfile_child(tmp_path, "mute"),
                    "health_url": f"http://127.0.0.1:{port}/health",
                    "health_timeout": 1.5,
                }
            ],
        }
    )
    assert sup.wait() == 1
    assert "did not become healthy within 2 s" in sup.output
    assert not pid_alive(read_pid(tmp_path, "mute"))


def test_spec_errors_name_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"services": [{"name": "x", "command": "not a list"}]}))
    with pytest.raises(SpecError, match="command must be a list"):
        StackSpec.load(path)
    path.write_text(json.dumps({"services": [{"name": "x", "command": ["a"]}] * 2}))
    with pytest.raises(SpecError, match="unique"):
        StackSpec.load(path)


def test_exit_descriptions_name_the_signal() -> None:
    assert describe_exit(3) == "code 3"
    assert describe_exit(-9) == "signal SIGKILL"


def test_each_service_gets_only_the_secrets_its_spec_allows(run: Any, tmp_path: Path) -> None:
    dump = "import json, os\nopen({path!r}, 'w').write(json.dumps(dict(os.environ)))"
    services = [
        {
            "name": name,
            "command": pidfile_child(tmp_path, name, dump.format(path=str(tmp_path / name))),
            "allow_secrets": allowed,
            "env": {"OWN_SETTING": name},
        }
        for name, allowed in (("actions", ["CUSTOMER_TOKEN_SECRET"]), ("knowledge", []))
    ]
    parent = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SHOP_CURRENCY": "EUR",
        "RASA_TOKEN": "rasa-token-value",
        "CUSTOMER_TOKEN_SECRET": "customer-secret-value",
        "HF_TOKEN": "hub-token-value",
        "REDIS_PASSWORD": "redis-password-value",
    }
    sup = run({"banner": "READY", "services": services}, env=parent)
    sup.wait_for("READY")
    for name in ("actions", "knowledge"):
        sup.wait_for(f"hello from {name}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(
        (tmp_path / n).exists() and (tmp_path / n).read_text() for n in ("actions", "knowledge")
    ):
        time.sleep(0.05)
    seen = {name: json.loads((tmp_path / name).read_text()) for name in ("actions", "knowledge")}
    secrets = {"RASA_TOKEN", "CUSTOMER_TOKEN_SECRET", "HF_TOKEN", "REDIS_PASSWORD"}
    assert secrets & set(seen["actions"]) == {"CUSTOMER_TOKEN_SECRET"}
    assert seen["actions"]["CUSTOMER_TOKEN_SECRET"] == "customer-secret-value"
    assert secrets & set(seen["knowledge"]) == set()
    for name in ("actions", "knowledge"):
        assert seen[name]["SHOP_CURRENCY"] == "EUR"  # ordinary settings pass through
        assert seen[name]["OWN_SETTING"] == name


def test_a_tcp_health_url_is_healthy_while_the_port_accepts_connections() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        assert health_ok(url)
    assert not health_ok(url)
