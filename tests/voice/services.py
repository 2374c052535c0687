"""The speech services as the voice tests start them: ``python -m voice.stt_service``
(whisper tiny.en, one thread) and ``python -m voice.tts_service`` (Piper) on free ports.

``running_speech_services`` is the one set the whole run shares (the session fixture
``speech_services`` in tests/voice/conftest.py): each start loads whisper and Piper again,
seconds of a 2-core CI each time. Tests that need other flags (another model, another
longest utterance, a service they stop) start their own."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from voice.speech_clients import SpeechToText, TextToSpeech

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SpeechUris(NamedTuple):
    """Where the two services listen; a tuple, so ``stt, tts = speech_services`` works too."""

    stt: str
    tts: str


async def _voice_loaded(tts_uri: str) -> bool:
    """Piper loads the voice on its first request: one short one, so no test pays for it."""
    async for _ in TextToSpeech(tts_uri).synthesize("Ready."):
        pass
    return True


class _Service:
    """A speech service process on a free port, logging to a file in its folder."""

    def __init__(self, module: str, folder: Path, *args: str) -> None:
        self.uri = f"tcp://127.0.0.1:{free_port()}"
        self.log = folder / f"{module}.log"
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_VAR_DIR": str(folder)}
        command = [sys.executable, "-m", module, "--uri", self.uri, *args]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_until_up(self, is_up: Callable[[], Awaitable[bool]]) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.uri} exited: {self.log.read_text()}")
            if asyncio.run(is_up()):  # type: ignore[arg-type]
                return
            time.sleep(0.3)
        self.stop()
        pytest.fail(f"{self.uri} did not come up: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def running_speech_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpeechUris]:
    folder = tmp_path_factory.mktemp("services")
    models = str(folder / "models")
    stt = _Service("voice.stt_service", folder, "--model", "tiny.en", "--threads", "1",
                   "--models-dir", models)  # fmt: skip
    tts = _Service("voice.tts_service", folder, "--models-dir", models)
    try:
        stt.wait_until_up(SpeechToText(stt.uri).is_up)
        tts.wait_until_up(TextToSpeech(tts.uri).is_up)
        asyncio.run(_voice_loaded(tts.uri))
        yield SpeechUris(stt.uri, tts.uri)
    finally:
        stt.stop()
        tts.stop()
