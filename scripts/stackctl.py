"""The assistant's processes, defined once: used by scripts/start.sh (through the
supervisor), the integration tests and the benchmarks. Standard library only.

    python -m scripts.stackctl spec > var/run/stack.json   # supervisor spec from the env

Each process gets only the secrets it needs: the action server the customer token secret,
Rasa its API token (and its database and Redis passwords when configured), the knowledge
API none (``scripts.supervise.child_environment``). No secret is on a command line: Rasa
starts through ``connectors/serve.py``, which reads its token from the environment. The
supervisor spec names the secrets each process may have but holds none of their values.
Rasa answers cross-origin requests only from the origins in ``RASA_CORS`` (default: its own
address as http://127.0.0.1:PORT and http://localhost:PORT).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from scripts.supervise import child_environment, health_ok

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
HTTP_TIMEOUT = 30.0  # one REST turn on a busy 2-core machine stays far below this


class StackError(RuntimeError):
    """A process of the stack could not be started or did not become healthy."""


@dataclass(frozen=True)
class StackConfig:
    """Where each process listens and which state it uses."""

    var_dir: Path
    rasa_port: int
    action_port: int
    knowledge_port: int
    rasa_token: str
    customer_token_secret: str
    model: Path  # a .tar.gz or a folder of models
    tracker_db: Path
    log_dir: Path
    root: Path = ROOT
    app_venv: Path = ROOT / ".venv"
    rasa_venv: Path = ROOT / ".venv-rasa"
    cors: tuple[str, ...] = ()  # () = the origins the project serves (cors_origins)
    web_port: int = 5057  # the storefront, widget assets and agent desk (connectors/web)
    desk_hours: str = "always"
    desk_timezone: str = "UTC"
    # the voice gateway (voice/) and its Wyoming speech services
    voice_port: int = 5058
    stt_port: int = 10300
    tts_port: int = 10200
    whisper_model: str = "base"
    piper_voice: str = "en_US-joe-medium"
    vad_silence_ms: int = 600
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StackConfig:
        """The configuration scripts/env.sh exported (what scripts/start.sh runs)."""
        var_dir = Path(env.get("ASSISTANT_VAR_DIR") or ROOT / "var")
        token = env.get("RASA_TOKEN") or ""
        if not token:
            raise StackError("RASA_TOKEN is not set: run scripts/setup.sh, which generates it.")
        return cls(
            var_dir=var_dir,
            rasa_port=int(env.get("RASA_PORT") or 5005),
            action_port=int(env.get("ACTION_PORT") or 5055),
            knowledge_port=int(env.get("KNOWLEDGE_PORT") or 5056),
            web_port=int(env.get("WEB_PORT") or 5057),
            desk_hours=env.get("DESK_HOURS") or "always",
            desk_timezone=env.get("DESK_TIMEZONE") or "UTC",
            voice_port=int(env.get("VOICE_PORT") or 5058),
            stt_port=int(env.get("VOICE_STT_PORT") or 10300),
            tts_port=int(env.get("VOICE_TTS_PORT") or 10200),
            whisper_model=env.get("WHISPER_MODEL") or "base",
            piper_voice=env.get("PIPER_VOICE") or "en_US-joe-medium",
            vad_silence_ms=int(env.get("VOICE_VAD_SILENCE_MS") or 600),
            rasa_token=token,
            customer_token_secret=env.get("CUSTOMER_TOKEN_SECRET") or "",
            model=Path(env.get("RASA_MODEL_DIR") or var_dir / "models"),
            tracker_db=Path(env.get("TRACKER_DB") or var_dir / "tracker.db"),
            log_dir=var_dir / "logs",
            app_venv=Path(env.get("APP_VENV") or ROOT / ".venv"),
            rasa_venv=Path(env.get("RASA_VENV") or ROOT / ".venv-rasa"),
            cors=tuple((env.get("RASA_CORS") or "").replace(",", " ").split()),
            # a PostgreSQL shop or a Chroma server configured by the user wins
            extra_env={
                name: env[name]
                for name in ("SHOP_DATABASE_URL", "CHROMA_PATH", "CHROMA_URL")
                if env.get(name)
            },
        )

    @property
    def rasa_url(self) -> str:
        return f"http://{HOST}:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://{HOST}:{self.web_port}"

    @property
    def voice_url(self) -> str:
        return f"http://{HOST}:{self.voice_port}"

    @property
    def stt_uri(self) -> str:
        return f"tcp://{HOST}:{self.stt_port}"

    @property
    def tts_uri(self) -> str:
        return f"tcp://{HOST}:{self.tts_port}"

    @property
    def cors_origins(self) -> tuple[str, ...]:
        """Origins whose browsers may call Rasa: RASA_CORS, else Rasa's own address and the
        storefront's."""
        return self.cors or (
            self.rasa_url,
            f"http://localhost:{self.rasa_port}",
            self.web_url,
            f"http://localhost:{self.web_port}",
        )

    @property
    def action_url(self) -> str:
        return f"http://{HOST}:{self.action_port}"

    @property
    def knowledge_url(self) -> str:
        return f"http://{HOST}:{self.knowledge_port}"

    @property
    def rest_webhook_url(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    def env(self) -> dict[str, str]:
        """Variables every process of the stack gets (on top of the caller's environment,
        without its secrets); no secret is in here: see ``ProcessSpec.secrets``."""
        return {
            "ASSISTANT_VAR_DIR": str(self.var_dir),
            "SHOP_DATABASE_URL": f"sqlite:///{self.var_dir / 'shop.db'}",
            "CHROMA_PATH": str(self.var_dir / "chroma"),
            "ACTION_HOST": HOST,
            "ACTION_PORT": str(self.action_port),
            "KNOWLEDGE_HOST": HOST,
            "KNOWLEDGE_PORT": str(self.knowledge_port),
            "WEB_HOST": HOST,
            "WEB_PORT": str(self.web_port),
            "STOREFRONT_URL": self.web_url,
            "RASA_URL": self.rasa_url,
            "RASA_PUBLIC_URL": self.rasa_url,
            "DESK_HOURS": self.desk_hours,
            "DESK_TIMEZONE": self.desk_timezone,
            "VOICE_HOST": HOST,
            "VOICE_PORT": str(self.voice_port),
            "VOICE_STT_URI": self.stt_uri,
            "VOICE_TTS_URI": self.tts_uri,
            "WHISPER_MODEL": self.whisper_model,
            "PIPER_VOICE": self.piper_voice,
            "VOICE_VAD_SILENCE_MS": str(self.vad_silence_ms),
            "TRACKER_DB": str(self.tracker_db),
            "ACTION_ENDPOINT_URL": f"{self.action_url}/webhook",
            "ACTION_HEALTH_URL": f"{self.action_url}/health",
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "TOKENIZERS_PARALLELISM": "false",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(self.root),
            **self.extra_env,
        }


@dataclass(frozen=True)
class ProcessSpec:
    """One process: the fields match scripts/supervise.py's ServiceSpec."""

    name: str
    command: list[str]
    health_url: str
    health_timeout: float
    env: dict[str, str]
    cwd: str
    # The secrets this process needs, by variable name. Child passes the values; the
    # supervisor spec carries only the names (the supervisor has the values in its env).
    secrets: dict[str, str] = field(default_factory=dict)
    allow_secrets: tuple[str, ...] = ()  # further secret names passed on when set

    def secret_names(self) -> list[str]:
        return sorted({*self.secrets, *self.allow_secrets})

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "command": self.command,
            "cwd": self.cwd,
            "env": self.env,
            "allow_secrets": self.secret_names(),
            "health_url": self.health_url,
            "health_timeout": self.health_timeout,
        }

    def environment(self, parent: Mapping[str, str]) -> dict[str, str]:
        """The whole environment of this process started from ``parent``."""
        return child_environment(parent, {**self.env, **self.secrets}, self.secret_names())


# Secrets Rasa reads from bot/endpoints.scaled.yml when that file is used.
RASA_ENDPOINT_SECRETS = ("TRACKER_DB_PASSWORD", "REDIS_PASSWORD")
# Secrets of the Chatwoot channel (connectors/chatwoot.py), passed on when set.
RASA_CHANNEL_SECRETS = ("CHATWOOT_API_TOKEN", "CHATWOOT_WEBHOOK_SECRET")


def rasa_spec(cfg: StackConfig) -> ProcessSpec:
    # `rasa run` arguments through connectors/serve.py, which adds the token from RASA_TOKEN
    command = [
        str(cfg.rasa_venv / "bin" / "python"),
        "-m",
        "connectors.serve",
        "--enable-api",
        "--cors",
        *cfg.cors_origins,
        "--interface",
        HOST,
        "--port",
        str(cfg.rasa_port),
        "--model",
        str(cfg.model),
        "--endpoints",
        str(cfg.root / "bot" / "endpoints.yml"),
        "--credentials",
        str(cfg.root / "bot" / "credentials.yml"),
    ]
    # Rasa loads the model before it listens: "/" answering means it is ready.
    return ProcessSpec(
        "rasa",
        command,
        f"{cfg.rasa_url}/",
        300.0,
        cfg.env(),
        str(cfg.root),
        secrets={"RASA_TOKEN": cfg.rasa_token},
        allow_secrets=RASA_ENDPOINT_SECRETS + RASA_CHANNEL_SECRETS,
    )


def action_spec(cfg: StackConfig) -> ProcessSpec:
    command = [str(cfg.app_venv / "bin" / "python"), "-m", "actions"]
    return ProcessSpec(
        "actions",
        command,
        f"{cfg.action_url}/health",
        180.0,
        cfg.env(),
        str(cfg.root),
        secrets={"CUSTOMER_TOKEN_SECRET": cfg.customer_token_secret},
    )


def knowledge_spec(cfg: StackConfig) -> ProcessSpec:
    command = [str(cfg.app_venv / "bin" / "python"), "-m", "knowledge", "serve"]
    return ProcessSpec(
        "knowledge", command, f"{cfg.knowledge_url}/health", 180.0, cfg.env(), str(cfg.root)
    )


def web_spec(cfg: StackConfig) -> ProcessSpec:
    command = [str(cfg.app_venv / "bin" / "python"), "-m", "connectors.web", "serve"]
    return ProcessSpec(
        "web",
        command,
        f"{cfg.web_url}/health",
        120.0,
        cfg.env(),
        str(cfg.root),
        # Rasa's API token (pause, resume, agent messages) and the key that signs the
        # logged-in shopper's token for the widget
        secrets={
            "RASA_TOKEN": cfg.rasa_token,
            "CUSTOMER_TOKEN_SECRET": cfg.customer_token_secret,
        },
    )


def stt_spec(cfg: StackConfig) -> ProcessSpec:
    # our Wyoming ASR server over faster-whisper; it listens once the model is loaded
    command = [str(cfg.app_venv / "bin" / "python"), "-m", "voice.stt_service"]
    return ProcessSpec("stt", command, cfg.stt_uri, 180.0, cfg.env(), str(cfg.root))


def tts_spec(cfg: StackConfig) -> ProcessSpec:
    # wyoming-piper in its own process (Piper is GPL; voice/tts_service.py only execs it)
    command = [str(cfg.app_venv / "bin" / "python"), "-m", "voice.tts_service"]
    return ProcessSpec("tts", command, cfg.tts_uri, 180.0, cfg.env(), str(cfg.root))


def voice_spec(cfg: StackConfig) -> ProcessSpec:
    command = [str(cfg.app_venv / "bin" / "python"), "-m", "voice", "serve"]
    return ProcessSpec(
        "voice",
        command,
        f"{cfg.voice_url}/health",
        120.0,
        cfg.env(),
        str(cfg.root),
        # a Twilio phone line is on only when its auth token is set
        allow_secrets=("TWILIO_AUTH_TOKEN",),
    )


def demo_shopper_lines(cfg: StackConfig) -> list[str]:
    """Who can log in to the demo storefront (scripts/setup.sh wrote it), never the password."""
    try:
        email = (cfg.var_dir / "demo_shopper_email").read_text().strip()
    except OSError:
        return []
    secrets_dir = cfg.var_dir / "secrets"
    return [f"  log in as {email}, password in {secrets_dir / 'demo_shopper_password'}"]


def banner(cfg: StackConfig, token_file: Path) -> str:
    url = cfg.rest_webhook_url
    return "\n".join(
        [
            "",
            "=" * 72,
            f"Demo storefront with the chat widget: {cfg.web_url}/",
            *demo_shopper_lines(cfg),
            f"Agent desk:                           {cfg.web_url}/desk/",
            f"Talk to the shop (voice page):        {cfg.voice_url}/voice/",
            "  (create an agent: .venv/bin/python -m connectors.web create-agent --email ...)",
            "",
            "The shop assistant is running. Talk to it over REST:",
            f"  POST {url}",
            f"  curl -s -X POST {url} -H 'Content-Type: application/json' \\",
            '       -d \'{"sender": "me", "message": "hi, I need running shoes"}\'',
            f"Web chat (socket.io): {cfg.rasa_url}/socket.io",
            f"Knowledge API:        {cfg.knowledge_url}/  (health: {cfg.knowledge_url}/health)",
            f"Rasa HTTP API:        {cfg.rasa_url}/  (token in {token_file},",
            f"                      e.g. curl -s {cfg.rasa_url}/status?token=$(cat {token_file}))",
            f"Logs:                 {cfg.log_dir}/",
            "Stop with Ctrl-C.",
            "=" * 72,
        ]
    )


def supervisor_spec(cfg: StackConfig, token_file: Path) -> dict[str, Any]:
    specs = [
        action_spec(cfg),
        knowledge_spec(cfg),
        rasa_spec(cfg),
        web_spec(cfg),
        stt_spec(cfg),
        tts_spec(cfg),
        voice_spec(cfg),
    ]
    return {
        "services": [s.as_json() for s in specs],
        "banner": banner(cfg, token_file),
        "max_restarts": 3,
        "backoff": 2.0,
        "stable_after": 120.0,
        "stop_timeout": 15.0,
    }


# --- running processes directly (tests, benchmarks) -------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def http_ok(url: str, timeout: float = 2.0) -> bool:
    return health_ok(url, timeout)


class Child:
    """One process of the stack, its output in ``<log_dir>/<name>.log``."""

    def __init__(self, spec: ProcessSpec, log_dir: Path) -> None:
        self.spec = spec
        self.log_path = log_dir / f"{spec.name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, wait: bool = True) -> None:
        if self.running():
            return
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.spec.command,
            cwd=self.spec.cwd,
            env=self.spec.environment(os.environ),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self.wait_healthy()

    def wait_healthy(self) -> float:
        """Seconds until the health URL answered; StackError if it died or timed out."""
        assert self.proc is not None
        started = time.monotonic()
        deadline = started + self.spec.health_timeout
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                raise StackError(
                    f"{self.spec.name} exited with code {code} while starting; "
                    f"last lines of {self.log_path}:\n{self.tail()}"
                )
            if http_ok(self.spec.health_url):
                return time.monotonic() - started
            time.sleep(0.5)
        self.stop()
        raise StackError(
            f"{self.spec.name} was not healthy at {self.spec.health_url} after "
            f"{self.spec.health_timeout:.0f} s; last lines of {self.log_path}:\n{self.tail()}"
        )

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout)
                break
            except subprocess.TimeoutExpired:
                continue
        self.proc.wait()
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None


# --- talking to the REST channel and the HTTP API ---------------------------------------


def post_json(
    url: str,
    payload: Any,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float = HTTP_TIMEOUT,
) -> tuple[int, Any]:
    """POST JSON, or raw bytes when ``payload`` is bytes: (status, parsed JSON or text)."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    return _send(request, timeout)


def get_json(
    url: str, *, headers: Mapping[str, str] | None = None, timeout: float = HTTP_TIMEOUT
) -> tuple[int, Any]:
    return _send(urllib.request.Request(url, headers=dict(headers or {})), timeout)


def _send(request: urllib.request.Request, timeout: float) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            status, body = int(resp.status), resp.read()
    except urllib.error.HTTPError as err:
        status, body = err.code, err.read()
    text = body.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except json.JSONDecodeError:
        return status, text


class Conversations:
    """Client of the REST channel and Rasa's HTTP API."""

    def __init__(self, cfg: StackConfig) -> None:
        self.cfg = cfg

    def send(
        self, sender: str, text: str, metadata: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {"sender": sender, "message": text}
        if metadata is not None:
            payload["metadata"] = dict(metadata)
        status, body = post_json(self.cfg.rest_webhook_url, payload)
        if status != 200 or not isinstance(body, list):
            raise StackError(f"REST channel answered {status}: {body!r}")
        return body

    def say(self, sender: str, text: str, metadata: Mapping[str, Any] | None = None) -> str:
        return "\n".join(m["text"] for m in self.send(sender, text, metadata) if m.get("text"))

    def tracker(self, sender: str) -> dict[str, Any]:
        # Rasa's --auth-token is checked on the "token" query parameter (Bearer is for JWT).
        quoted = urllib.parse.quote(sender, safe="")
        query = urllib.parse.urlencode({"token": self.cfg.rasa_token})
        status, body = get_json(f"{self.cfg.rasa_url}/conversations/{quoted}/tracker?{query}")
        if status != 200 or not isinstance(body, dict):
            raise StackError(f"tracker of {sender!r}: HTTP {status}: {body!r}")
        return body


# --- a private copy of the stack (integration tests, benchmarks) ------------------------

# What a private stack does not copy from the source var/ folder.
_NOT_COPIED = {"models", "logs", "secrets", "fingerprints", "run", "test-results", "bench"}


def copy_state(source: Path, target: Path) -> None:
    """Copy the shop database and the indexes built by setup into ``target``.

    SQLite files are copied with the backup API (consistent even in WAL mode); the
    conversation tracker is not copied: a private stack starts with no conversations.
    """
    target.mkdir(parents=True, exist_ok=True)
    if not (source / "shop.db").exists():
        raise StackError(f"{source / 'shop.db'} does not exist: run scripts/setup.sh first.")
    for entry in source.iterdir():
        if entry.name in _NOT_COPIED or entry.name.startswith("tracker.db"):
            continue
        if entry.name.endswith((".db-wal", ".db-shm", ".db-journal")):
            continue
        if entry.suffix == ".db":
            with sqlite3.connect(entry) as src, sqlite3.connect(target / entry.name) as dst:
                src.backup(dst)
        elif entry.is_dir():
            shutil.copytree(entry, target / entry.name)
        else:
            shutil.copy2(entry, target / entry.name)


class LocalStack:
    """The real processes on free ports over a copy of var/, with their own token."""

    def __init__(self, cfg: StackConfig) -> None:
        self.cfg = cfg
        self.children = {
            spec.name: Child(spec, cfg.log_dir)
            for spec in (
                action_spec(cfg),
                rasa_spec(cfg),
                knowledge_spec(cfg),
                web_spec(cfg),
                stt_spec(cfg),
                tts_spec(cfg),
                voice_spec(cfg),
            )
        }
        self.conversations = Conversations(cfg)

    @classmethod
    def create(
        cls,
        workdir: Path,
        *,
        source_var: Path = ROOT / "var",
        model: Path | None = None,
        customer_token_secret: str | None = None,
        whisper_model: str = "base",
    ) -> LocalStack:
        model = model or source_var / "models" / "shop.tar.gz"
        if not model.exists():
            raise StackError(f"no trained model at {model}: run scripts/setup.sh first.")
        var_dir = workdir / "var"
        copy_state(source_var, var_dir)
        cfg = StackConfig(
            var_dir=var_dir,
            rasa_port=free_port(),
            action_port=free_port(),
            knowledge_port=free_port(),
            web_port=free_port(),
            voice_port=free_port(),
            stt_port=free_port(),
            tts_port=free_port(),
            whisper_model=whisper_model,
            rasa_token=secrets.token_urlsafe(24),
            customer_token_secret=customer_token_secret or secrets.token_urlsafe(24),
            model=model,
            tracker_db=var_dir / "tracker.db",
            log_dir=workdir / "logs",
            # the FAQ's own encoder that setup tuned (var/models is not copied)
            extra_env={
                "FAQ_ENCODER": os.environ.get("FAQ_ENCODER")
                or str(source_var / "models" / "faq-encoder")
            },
        )
        return cls(cfg)

    def start(self, *names: str) -> dict[str, float]:
        """Start the named processes together; seconds each took to become healthy."""
        names = names or ("actions", "rasa")
        for name in names:
            self.children[name].start(wait=False)
        try:
            return {name: self.children[name].wait_healthy() for name in names}
        except StackError:
            self.stop()
            raise

    def restart(self, name: str) -> float:
        child = self.children[name]
        child.stop()
        child.start(wait=False)
        return child.wait_healthy()

    def stop(self) -> None:
        for child in self.children.values():
            child.stop()

    def pids(self) -> list[int]:
        return [c.pid for c in self.children.values() if c.running() and c.pid is not None]


def main(argv: Sequence[str]) -> int:
    if argv[1:] != ["spec"]:
        print("usage: python -m scripts.stackctl spec", file=sys.stderr)
        return 2
    try:
        cfg = StackConfig.from_env(os.environ)
    except StackError as exc:
        print(f"stackctl: {exc}", file=sys.stderr)
        return 1
    token_file = Path(os.environ.get("SECRETS_DIR") or cfg.var_dir / "secrets") / "rasa_token"
    json.dump(supervisor_spec(cfg, token_file), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
