"""scripts/stackctl.py's supervisor spec: which secrets and origins each process gets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOKEN, CUSTOMER_SECRET = "rasa-token-7d1f", "customer-secret-93ab"


def spec(**extra: str) -> dict[str, Any]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "ASSISTANT_VAR_DIR": "/tmp/shop-assistant-spec-test/var",
        "RASA_PORT": "5105",
        "WEB_PORT": "5107",
        "RASA_TOKEN": TOKEN,
        "CUSTOMER_TOKEN_SECRET": CUSTOMER_SECRET,
        **extra,
    }
    done = subprocess.run(
        [sys.executable, "-m", "scripts.stackctl", "spec"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert TOKEN not in done.stdout and CUSTOMER_SECRET not in done.stdout
    parsed: dict[str, Any] = json.loads(done.stdout)
    return {s["name"]: s for s in parsed["services"]}


def test_the_spec_names_each_process_secrets_and_holds_no_value() -> None:
    services = spec()
    assert services["actions"]["allow_secrets"] == ["CUSTOMER_TOKEN_SECRET"]
    assert services["knowledge"]["allow_secrets"] == []
    assert "RASA_TOKEN" in services["rasa"]["allow_secrets"]
    assert "CUSTOMER_TOKEN_SECRET" not in services["rasa"]["allow_secrets"]
    assert "--auth-token" not in services["rasa"]["command"]
    # the web service calls Rasa's API (pause, agent messages) and signs shopper tokens
    assert services["web"]["allow_secrets"] == ["CUSTOMER_TOKEN_SECRET", "RASA_TOKEN"]
    # the speech services hold no secret; the voice gateway only Twilio's token, when set
    assert services["stt"]["allow_secrets"] == []
    assert services["tts"]["allow_secrets"] == []
    assert services["voice"]["allow_secrets"] == ["TWILIO_AUTH_TOKEN"]


def test_the_speech_services_are_healthy_when_their_wyoming_port_listens() -> None:
    services = spec(VOICE_STT_PORT="10400", VOICE_TTS_PORT="10401", VOICE_PORT="5108")
    assert services["stt"]["health_url"] == "tcp://127.0.0.1:10400"
    assert services["tts"]["health_url"] == "tcp://127.0.0.1:10401"
    assert services["voice"]["health_url"] == "http://127.0.0.1:5108/health"
    assert services["voice"]["env"]["VOICE_STT_URI"] == "tcp://127.0.0.1:10400"


def test_rasa_allows_only_its_own_origins_by_default_and_the_configured_ones() -> None:
    def origins(services: dict[str, Any]) -> list[str]:
        command: list[str] = services["rasa"]["command"]
        start = command.index("--cors") + 1
        end = next(i for i in range(start, len(command)) if command[i].startswith("--"))
        return command[start:end]

    assert origins(spec()) == [
        "http://127.0.0.1:5105",
        "http://localhost:5105",
        "http://127.0.0.1:5107",  # the storefront, whose pages carry the widget
        "http://localhost:5107",
    ]
    configured = spec(RASA_CORS="https://shop.example, https://www.shop.example")
    assert origins(configured) == ["https://shop.example", "https://www.shop.example"]
