"""A small process supervisor for the assistant's services (standard library only).

Reads a JSON spec (see ``ServiceSpec``), starts every service in its own process group,
prefixes its output with its name and copies it to ``<log-dir>/<name>.log``, waits for each
health URL, then prints the spec's banner. A service that dies is reported loudly (name,
exit code, last log lines) and restarted with exponential backoff; after ``max_restarts``
failures in a row everything is stopped and the supervisor exits with status 1. SIGINT and
SIGTERM stop all services: SIGTERM to each process group, SIGKILL after ``stop_timeout``.
A service gets the supervisor's environment without the variables that look like secrets
(``SECRET_PATTERNS``), except those its spec lists in ``allow_secrets``, plus its ``env``.

    python scripts/supervise.py --spec stack.json --log-dir var/logs
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import fnmatch
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("supervise")

TAIL_LINES = 20

# Variables that look like secrets reach a service only when its spec names them in
# ``allow_secrets``: each process gets the secrets it needs and no other.
SECRET_PATTERNS = (
    "*TOKEN",
    "*SECRET*",
    "*PASSWORD*",
    "*PASSWD*",
    "*_KEY",
    "*_KEY_ID",
    "*CREDENTIAL*",
)


def looks_secret(name: str) -> bool:
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, pattern) for pattern in SECRET_PATTERNS)


def child_environment(
    parent: Mapping[str, str], env: Mapping[str, str], allow_secrets: Sequence[str] = ()
) -> dict[str, str]:
    """A service's environment: the parent's without secrets it may not have, plus ``env``.

    ``env`` is passed as given (it is the service's own configuration); from ``parent``
    a variable that looks like a secret (``SECRET_PATTERNS``) is kept only if its name is
    in ``allow_secrets``.
    """
    allowed = set(allow_secrets)
    kept = {k: v for k, v in parent.items() if k in allowed or not looks_secret(k)}
    return {**kept, **env}


class SpecError(ValueError):
    """The supervisor's JSON spec is unusable; the message says which field."""


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    command: list[str]
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)  # added to the supervisor's environment
    allow_secrets: tuple[str, ...] = ()  # secret-looking variables passed on (see above)
    health_url: str | None = None  # GET must answer 2xx; None: "running" is healthy
    health_timeout: float = 120.0
    redact: tuple[str, ...] = ()  # secrets hidden when the command is printed

    def describe(self) -> str:
        text = " ".join(self.command)
        for secret in self.redact:
            if secret:
                text = text.replace(secret, "***")
        return text

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ServiceSpec:
        try:
            name, command = raw["name"], raw["command"]
        except KeyError as missing:
            raise SpecError(f"every service needs {missing}; got {raw!r}") from None
        if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
            raise SpecError(f"service {name!r}: command must be a list of strings")
        return cls(
            name=str(name),
            command=command,
            cwd=raw.get("cwd"),
            env={str(k): str(v) for k, v in (raw.get("env") or {}).items()},
            health_url=raw.get("health_url"),
            health_timeout=float(raw.get("health_timeout", 120.0)),
            redact=tuple(str(r) for r in raw.get("redact") or ()),
            allow_secrets=tuple(str(a) for a in raw.get("allow_secrets") or ()),
        )


@dataclass(frozen=True)
class StackSpec:
    services: list[ServiceSpec]
    banner: str = ""
    max_restarts: int = 3  # consecutive failures of one service before giving up
    backoff: float = 1.0  # first restart delay in seconds, doubled each time (max 30 s)
    stable_after: float = 60.0  # a service up this long has its failure count reset
    stop_timeout: float = 10.0  # SIGTERM -> SIGKILL

    @classmethod
    def load(cls, path: Path) -> StackSpec:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise SpecError(f"cannot read the spec {path}: {exc}") from exc
        services = [ServiceSpec.from_json(s) for s in raw.get("services", [])]
        if not services:
            raise SpecError(f"{path} names no services")
        names = [s.name for s in services]
        if len(set(names)) != len(names):
            raise SpecError(f"service names must be unique, got {names}")
        return cls(
            services=services,
            banner=str(raw.get("banner", "")),
            max_restarts=int(raw.get("max_restarts", 3)),
            backoff=float(raw.get("backoff", 1.0)),
            stable_after=float(raw.get("stable_after", 60.0)),
            stop_timeout=float(raw.get("stop_timeout", 10.0)),
        )


def describe_exit(code: int) -> str:
    """ "code 3", or "signal SIGKILL" for a process killed by a signal (negative code)."""
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"code {code}"


class Output:
    """Serialises the supervisor's own console writes with the services' prefixed lines."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock:
            self._stream.write(text + "\n")
            self._stream.flush()


class Service:
    """One supervised child: its process, log file, output pump and failure count."""

    def __init__(self, spec: ServiceSpec, log_dir: Path, out: Output, width: int) -> None:
        self.spec = spec
        self.log_path = log_dir / f"{spec.name}.log"
        self._out = out
        self._prefix = f"[{spec.name}]".ljust(width + 2)
        self.tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.failures = 0
        self.healthy = False
        self._pump: threading.Thread | None = None

    def start(self) -> None:
        env = child_environment(os.environ, self.spec.env, self.spec.allow_secrets)
        logfile = self.log_path.open("ab")
        logfile.write(f"\n--- started {time.strftime('%Y-%m-%d %H:%M:%S')} ---\n".encode())
        try:
            self.proc = subprocess.Popen(
                self.spec.command,
                cwd=self.spec.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: signals reach grandchildren
            )
        except OSError as exc:
            logfile.close()
            raise SpecError(f"cannot start {self.spec.name}: {exc}") from exc
        self.started_at = time.monotonic()
        self.healthy = False
        self._pump = threading.Thread(
            target=self._copy_output, args=(self.proc, logfile), daemon=True
        )
        self._pump.start()

    def _copy_output(self, proc: subprocess.Popen[bytes], logfile: IO[bytes]) -> None:
        assert proc.stdout is not None
        with logfile:
            for raw in proc.stdout:
                logfile.write(raw)
                logfile.flush()
                text = raw.decode("utf-8", "replace").rstrip("\n")
                self.tail.append(text)
                self._out.line(f"{self._prefix} {text}")

    def poll(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def finish_output(self, timeout: float = 2.0) -> None:
        if self._pump is not None:
            self._pump.join(timeout)

    def signal_group(self, sig: int) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def group_alive(self) -> bool:
        if self.proc is None:
            return False
        self.proc.poll()
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def check_health(self) -> bool:
        if self.spec.health_url is None:
            return self.poll() is None
        return health_ok(self.spec.health_url)


def health_ok(url: str, timeout: float = 2.0) -> bool:
    """An http(s) URL answers GET with 2xx, or a tcp://host:port accepts a connection (the
    Wyoming speech services speak no HTTP)."""
    if url.startswith("tcp://"):
        parsed = urllib.parse.urlsplit(url)
        try:
            with socket.create_connection((parsed.hostname or "", parsed.port or 0), timeout):
                return True
        except (OSError, ValueError):
            return False
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return 200 <= int(resp.status) < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


class Supervisor:
    def __init__(self, stack: StackSpec, log_dir: Path, out: Output) -> None:
        self.stack = stack
        self.out = out
        log_dir.mkdir(parents=True, exist_ok=True)
        width = max(len(s.name) for s in stack.services)
        self.services = [Service(s, log_dir, out, width) for s in stack.services]
        self._stop = threading.Event()
        self._stop_signal: int | None = None

    def request_stop(self, signum: int, _frame: object = None) -> None:
        self._stop_signal = signum
        self._stop.set()

    def say(self, text: str) -> None:
        self.out.line(f"[supervise] {text}")

    def run(self) -> int:
        try:
            for service in self.services:
                self.say(f"starting {service.spec.name}: {service.spec.describe()}")
                service.start()
            status = self._supervise()
        finally:
            self.stop_all()
        return status

    def _supervise(self) -> int:
        announced = False
        pending_restart: dict[str, float] = {}  # name -> monotonic time to restart at
        while not self._stop.is_set():
            now = time.monotonic()
            for service in self.services:
                name = service.spec.name
                if name in pending_restart:
                    if now >= pending_restart[name]:
                        del pending_restart[name]
                        self.say(f"restarting {name} (attempt {service.failures})")
                        service.start()
                    continue
                code = service.poll()
                if code is not None:
                    if not self._on_exit(service, code, pending_restart):
                        return 1
                    continue
                if not service.healthy:
                    if service.check_health():
                        service.healthy = True
                        self.say(f"{name} is up ({now - service.started_at:.1f} s)")
                    elif now - service.started_at > service.spec.health_timeout:
                        self._report(
                            service,
                            f"{name} did not become healthy within "
                            f"{service.spec.health_timeout:.0f} s ({service.spec.health_url})",
                        )
                        return 1
                elif service.failures and now - service.started_at > self.stack.stable_after:
                    service.failures = 0
            if not announced and all(s.healthy for s in self.services):
                announced = True
                if self.stack.banner:
                    self.out.line(self.stack.banner)
            self._stop.wait(0.25)
        self.say(f"received {signal.Signals(self._stop_signal or signal.SIGTERM).name}")
        return 0

    def _on_exit(self, service: Service, code: int, pending: dict[str, float]) -> bool:
        """Report a dead service and schedule its restart; False when out of attempts."""
        service.finish_output()
        service.signal_group(signal.SIGKILL)  # leftovers of its group, if any
        service.failures += 1
        name = service.spec.name
        self._report(service, f"{name} EXITED with {describe_exit(code)}")
        if service.failures > self.stack.max_restarts:
            self.say(
                f"{name} failed {service.failures} times in a row; giving up and stopping "
                f"everything. See {service.log_path}"
            )
            return False
        delay = min(self.stack.backoff * 2 ** (service.failures - 1), 30.0)
        self.say(f"will restart {name} in {delay:.1f} s")
        pending[name] = time.monotonic() + delay
        return True

    def _report(self, service: Service, headline: str) -> None:
        bar = "!" * 72
        lines = [bar, f"!!! {headline}", f"!!! last lines of {service.log_path}:"]
        lines += [f"!!!   {t}" for t in service.tail] or ["!!!   (no output)"]
        lines.append(bar)
        for line in lines:
            self.out.line(line)

    def stop_all(self) -> None:
        running = [s for s in self.services if s.group_alive()]
        for service in running:
            self.say(f"stopping {service.spec.name}")
            service.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + self.stack.stop_timeout
        while time.monotonic() < deadline and any(s.group_alive() for s in running):
            time.sleep(0.1)
        for service in running:
            if service.group_alive():
                self.say(f"{service.spec.name} ignored SIGTERM; killing it")
                service.signal_group(signal.SIGKILL)
        for service in running:
            if service.proc is not None:
                try:
                    service.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.say(f"{service.spec.name} (pid {service.proc.pid}) would not die")
            service.finish_output()
        self.say("all services stopped")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, required=True, help="JSON stack spec")
    parser.add_argument("--log-dir", type=Path, required=True, help="per-service log files")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[supervise] %(message)s")
    try:
        stack = StackSpec.load(args.spec)
    except SpecError as exc:
        print(f"supervise: {exc}", file=sys.stderr)
        return 2
    supervisor = Supervisor(stack, args.log_dir, Output(sys.stdout))
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    try:
        return supervisor.run()
    except SpecError as exc:
        print(f"supervise: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
