"""The integration harness: the REAL action server and Rasa server over HTTP.

Session-scoped fixture ``stack``: a copy of var/shop.db and var/chroma (built by
scripts/setup.sh) in a temporary folder, ``python -m actions`` (.venv) and ``rasa run``
(.venv-rasa) with the trained model from var/models, on free ports, with a fresh tracker
database and a fresh Rasa token. The process code lives in scripts/stackctl.py, shared with
the benchmarks.

Rasa runs with the Chatwoot channel on (``CHATWOOT_URL`` and its two secrets, as
docs/chatwoot.md sets them), pointed at the session's ``fake_chatwoot``
(tests/integration/fake_chatwoot.py): the Chatwoot tests use the same Rasa server as the
others, and loading the model is paid once per run. The channel only answers its own
webhook; the REST, socket and voice channels are the same with it on or off.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from scripts.stackctl import ROOT, LocalStack, StackError
from settings import Settings
from shop.db import create_engine_from_url
from shop.identity import sign_customer
from shop.sql_service import SqlShopService
from tests.integration.fake_chatwoot import FakeChatwoot

CUSTOMER_TOKEN_TTL_SECONDS = 3600


class Stack:
    """What the integration tests drive: see the module docstring."""

    def __init__(self, local: LocalStack) -> None:
        self._local = local
        # the action server's settings (with the secret only it gets)
        self.settings = Settings.from_env(
            {**local.cfg.env(), "CUSTOMER_TOKEN_SECRET": local.cfg.customer_token_secret}
        )
        self.shop = SqlShopService(
            create_engine_from_url(self.settings.shop_database_url),
            currency=self.settings.currency,
        )

    @property
    def rasa_url(self) -> str:
        return self._local.cfg.rasa_url

    @property
    def token(self) -> str:
        return self._local.cfg.rasa_token

    @property
    def cors_origins(self) -> tuple[str, ...]:
        return self._local.cfg.cors_origins

    def running(self, name: str) -> bool:
        """Whether a process of the stack ("rasa", "actions", ...) is running."""
        return self._local.children[name].running()

    def pid(self, name: str) -> int:
        """The process id of a running process of the stack ("rasa", "actions", "knowledge")."""
        pid = self._local.children[name].pid
        assert pid is not None, f"{name} is not running"
        return pid

    @property
    def action_url(self) -> str:
        return self._local.cfg.action_url

    @property
    def knowledge_url(self) -> str:
        """The knowledge API, started on first use (the dialogue does not need it)."""
        child = self._local.children["knowledge"]
        if not child.running():
            child.start()
        return self._local.cfg.knowledge_url

    @property
    def web_url(self) -> str:
        """The web service (storefront, chat history, desk), started on first use."""
        child = self._local.children["web"]
        if not child.running():
            child.start()
        return self._local.cfg.web_url

    @property
    def voice_url(self) -> str:
        """The voice gateway and its two speech services, started on first use."""
        names = [n for n in ("stt", "tts", "voice") if not self._local.children[n].running()]
        if names:
            self._local.start(*names)
        return self._local.cfg.voice_url

    def stop_speech_services(self) -> None:
        self._local.children["stt"].stop()
        self._local.children["tts"].stop()

    def start_speech_services(self) -> None:
        self._local.start("stt", "tts")

    @property
    def webhook_url(self) -> str:
        return self._local.cfg.rest_webhook_url

    def send(
        self, sender: str, text: str, metadata: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        return self._local.conversations.send(sender, text, metadata)

    def say(self, sender: str, text: str, metadata: Mapping[str, Any] | None = None) -> str:
        return self._local.conversations.say(sender, text, metadata)

    def tracker(self, sender: str) -> dict[str, Any]:
        return self._local.conversations.tracker(sender)

    def stop_action_server(self) -> None:
        self._local.children["actions"].stop()

    def start_action_server(self) -> None:
        self._local.children["actions"].start()

    def restart_rasa(self) -> float:
        return self._local.restart("rasa")

    def web_command(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """``python -m connectors.web ARGS`` over this stack's database (create-agent, ...);
        passwords go on stdin, as a person would type them."""
        local = self._local
        env = local.children["web"].spec.environment(os.environ)
        return subprocess.run(
            [str(local.cfg.app_venv / "bin" / "python"), "-m", "connectors.web", *args],
            input=stdin,
            env=env,
            cwd=local.cfg.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    def sign_customer(self, customer_id: str) -> str:
        """A signed customer token for message metadata: ``{"customer_token": ...}``."""
        return sign_customer(
            customer_id,
            self.settings.customer_token_secret,
            ttl_seconds=CUSTOMER_TOKEN_TTL_SECONDS,
            now=time.time(),
        )


@pytest.fixture(scope="session")
def fake_chatwoot() -> Iterator[FakeChatwoot]:
    """The stand-in for Chatwoot the session's Rasa posts to (the Chatwoot channel)."""
    fake = FakeChatwoot()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def _with_chatwoot(local: LocalStack, fake: FakeChatwoot) -> LocalStack:
    """``local`` with the Chatwoot channel on: ``CHATWOOT_URL`` for every process, the two
    secrets for Rasa only (in its environment, never on a command line, kept on restarts)."""
    cfg = dataclasses.replace(
        local.cfg, extra_env={**local.cfg.extra_env, "CHATWOOT_URL": fake.url}
    )
    chatwoot_local = LocalStack(cfg)
    rasa = chatwoot_local.children["rasa"]
    channel_secrets = {
        "CHATWOOT_API_TOKEN": fake.token,
        "CHATWOOT_WEBHOOK_SECRET": fake.webhook_secret,
    }
    rasa.spec = dataclasses.replace(rasa.spec, secrets={**rasa.spec.secrets, **channel_secrets})
    return chatwoot_local


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, fake_chatwoot: FakeChatwoot) -> Iterator[Stack]:
    workdir: Path = tmp_path_factory.mktemp("stack")
    # the state scripts/setup.sh built: var/, or ASSISTANT_VAR_DIR when it is set elsewhere
    source_var = Path(os.environ.get("ASSISTANT_VAR_DIR") or ROOT / "var")
    try:
        local = _with_chatwoot(LocalStack.create(workdir, source_var=source_var), fake_chatwoot)
    except StackError as exc:
        pytest.fail(f"could not start the stack: {exc}", pytrace=False)
    try:
        local.start("actions", "rasa")
    except BaseException as exc:
        # a start that fails or is interrupted (pytest-timeout, Ctrl-C) leaves no process behind
        local.stop()
        if isinstance(exc, StackError):
            pytest.fail(f"could not start the stack: {exc}", pytrace=False)
        raise
    try:
        yield Stack(local)
    finally:
        local.stop()
