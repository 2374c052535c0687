"""The browser's voice WebSocket (GET /voice/ws) of the real gateway app, with real speech
(espeak-ng), the real speech services (whisper tiny.en and Piper as subprocesses) and a local
stand-in for Rasa's voice webhook (``FakeRasa``: the real Rasa stack is covered by the lead's
integration tests). The speech services are the run's shared set (tests/voice/conftest.py);
the other fixtures come from tests/voice/test_session.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient

from tests.voice import test_session as shared
from tests.voice.services import SpeechUris
from tests.voice.speech import spoken
from tests.voice.test_session import (
    CHUNK,
    JACKETS_REPLY,
    LONG_REPLY,
    SHORT_REPLY,
    FakeRasa,
    closed_port_uri,
    make_services,
)
from voice.app import make_app
from voice.context import SESSIONS

# the fixtures of test_session.py; speech_services is the session's (tests/voice/conftest.py)
speech_folder = shared.speech_folder
rasa = shared.rasa
http = shared.http

SENDER = "4f1c2b9e8d7a4c3b"  # the widget's kind of id (hex, no dashes)

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]


class Conversation:
    """One WebSocket to the gateway; keeps every frame received, in order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.frames: list[tuple[str, Any]] = []  # ("event", dict) | ("audio", bytes)

    def types(self) -> list[str]:
        return [v["type"] if k == "event" else k for k, v in self.frames]

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [v for k, v in self.frames if k == "event" and v["type"] == kind]

    async def until(self, kind: str, *, timeout: float = 30.0) -> dict[str, Any]:
        """Reads frames until one of ``kind`` (an event type or "audio") arrives; audio comes
        back as {"type": "audio", "data": bytes}."""
        async with asyncio.timeout(timeout):
            while True:
                msg = await self.ws.receive()
                if msg.type == WSMsgType.TEXT:
                    event = json.loads(msg.data)
                    self.frames.append(("event", event))
                    if event["type"] == kind:
                        return dict(event)
                elif msg.type == WSMsgType.BINARY:
                    self.frames.append(("audio", msg.data))
                    if kind == "audio":
                        return {"type": "audio", "data": msg.data}
                else:
                    raise AssertionError(f"the connection ended ({msg.type}) before {kind!r}")

    async def send_audio(self, pcm: bytes, chunk: int = CHUNK) -> None:
        for offset in range(0, len(pcm), chunk):
            await self.ws.send_bytes(pcm[offset : offset + chunk])


@pytest.fixture
async def gateway(
    aiohttp_client: MakeClient,
    speech_services: SpeechUris,
    rasa: tuple[FakeRasa, str],
    http: aiohttp.ClientSession,
    tmp_path: Path,
) -> tuple[Client, FakeRasa]:
    fake, url = rasa
    services = make_services(
        http, url, stt=speech_services.stt, tts=speech_services.tts, var_dir=tmp_path
    )
    client = await aiohttp_client(make_app(services.settings, services=services))
    return client, fake


async def start(client: Client, **fields: Any) -> Conversation:
    ws = await client.ws_connect("/voice/ws")
    await ws.send_json({"type": "start", "sender_id": SENDER, "sample_rate": 16000, **fields})
    conversation = Conversation(ws)
    ready = await conversation.until("ready")
    assert ready["input_rate"] == 16000
    return conversation


async def test_speech_in_transcript_reply_and_audio_out(
    gateway: tuple[Client, FakeRasa], speech_folder: Path
) -> None:
    client, fake = gateway
    fake.replies["jacket"] = JACKETS_REPLY
    talk = await start(client, customer_token="tok-9", page={"url": "http://shop/c/rain"})
    await talk.send_audio(spoken("show me rain jackets", speech_folder))

    transcript = await talk.until("transcript")
    assert "rain jackets" in transcript["text"].casefold()
    bot = await talk.until("bot")
    assert bot["messages"] == JACKETS_REPLY
    speaking = await talk.until("speaking")
    assert speaking["rate"] == 22050
    await talk.until("speaking_done")
    audio = b"".join(v for k, v in talk.frames if k == "audio")
    assert len(audio) / 2 / speaking["rate"] > 1.5  # seconds of reply
    assert fake.received[0]["sender"] == SENDER
    assert fake.received[0]["metadata"] == {
        "customer_token": "tok-9",
        "page": {"url": "http://shop/c/rain"},
        "voice_transport": "browser",
        "voice": True,
    }
    await talk.ws.close()


async def test_audio_at_48_khz_is_resampled_and_understood(
    gateway: tuple[Client, FakeRasa], speech_folder: Path
) -> None:
    client, _ = gateway
    ws = await client.ws_connect("/voice/ws")
    await ws.send_json({"type": "start", "sender_id": SENDER, "sample_rate": 48000})
    talk = Conversation(ws)
    await talk.until("ready")
    await talk.send_audio(spoken("show me rain jackets", speech_folder, rate=48000), 3840)
    transcript = await talk.until("transcript")
    assert "rain jackets" in transcript["text"].casefold()
    await ws.close()


async def test_stop_ends_the_utterance_of_a_truncated_stream(
    gateway: tuple[Client, FakeRasa], speech_folder: Path
) -> None:
    client, fake = gateway
    talk = await start(client)
    await talk.send_audio(spoken("show me rain jackets", speech_folder, tail_s=0.0))
    await talk.ws.send_json({"type": "stop"})  # no silence after the speech: the mic went off
    transcript = await talk.until("transcript")
    assert "rain jackets" in transcript["text"].casefold()
    await talk.until("bot")
    assert [m["message"] for m in fake.received] == [transcript["text"]]
    await talk.ws.close()


async def test_barge_in_stops_the_old_reply_and_the_new_utterance_is_heard(
    gateway: tuple[Client, FakeRasa], speech_folder: Path
) -> None:
    client, fake = gateway
    fake.replies["jacket"] = LONG_REPLY
    fake.replies["black"] = SHORT_REPLY
    talk = await start(client)
    await talk.send_audio(spoken("show me rain jackets", speech_folder))
    await talk.until("audio")
    await talk.send_audio(spoken("the black ones", speech_folder))

    await talk.until("barge_in")
    barge_in = len(talk.frames) - 1
    transcript = await talk.until("transcript")
    assert "black" in transcript["text"].casefold()
    await talk.until("speaking_done")
    after = talk.types()[barge_in:]
    # the first audio after the barge-in belongs to the new reply
    assert after.index("transcript") < after.index("speaking") < after.index("audio")
    assert "speaking_done" not in talk.types()[:barge_in]
    await talk.ws.close()


async def test_typed_text_works_with_speech_to_text_down(
    aiohttp_client: MakeClient,
    speech_services: SpeechUris,
    rasa: tuple[FakeRasa, str],
    http: aiohttp.ClientSession,
    tmp_path: Path,
    speech_folder: Path,
) -> None:
    fake, url = rasa
    services = make_services(
        http, url, stt=closed_port_uri(), tts=speech_services.tts, var_dir=tmp_path
    )
    client = await aiohttp_client(make_app(services.settings, services=services))
    talk = await start(client)
    await talk.send_audio(spoken("show me rain jackets", speech_folder))
    unavailable = await talk.until("voice_unavailable")
    assert "unavailable" in unavailable["message"]
    await talk.ws.send_json({"type": "text", "text": "show me rain jackets"})
    bot = await talk.until("bot")
    assert bot["messages"] == SHORT_REPLY
    await talk.until("audio")  # text to speech still works: the reply is spoken
    assert [m["message"] for m in fake.received] == ["show me rain jackets"]
    await talk.ws.close()


async def test_a_sample_rate_out_of_range_is_refused(gateway: tuple[Client, FakeRasa]) -> None:
    client, _ = gateway
    ws = await client.ws_connect("/voice/ws")
    await ws.send_json({"type": "start", "sender_id": SENDER, "sample_rate": 96000})
    error = await ws.receive_json(timeout=5)
    assert error["type"] == "error"
    assert error["code"] == "bad_sample_rate"
    assert (await ws.receive(timeout=5)).type == WSMsgType.CLOSE


@pytest.mark.parametrize("sender", ["short", "has spaces in it", "<script>alert(1)</script>"])
async def test_a_bad_sender_id_is_refused(gateway: tuple[Client, FakeRasa], sender: str) -> None:
    client, _ = gateway
    ws = await client.ws_connect("/voice/ws")
    await ws.send_json({"type": "start", "sender_id": sender, "sample_rate": 16000})
    error = await ws.receive_json(timeout=5)
    assert (error["type"], error["code"]) == ("error", "bad_start")
    assert (await ws.receive(timeout=5)).type == WSMsgType.CLOSE


async def test_garbage_frames_get_an_error_and_the_connection_stays_usable(
    gateway: tuple[Client, FakeRasa],
) -> None:
    client, _ = gateway
    talk = await start(client)
    await talk.ws.send_bytes(b"\x01\x02\x03")  # half a sample
    error = await talk.until("error")
    assert error["code"] == "bad_audio"
    await talk.ws.send_str("not json")
    error = await talk.until("error")
    assert error["code"] == "bad_message"
    await talk.ws.send_json({"type": "text", "text": "hello"})
    bot = await talk.until("bot")
    assert bot["messages"] == SHORT_REPLY
    await talk.ws.close()


async def test_a_client_that_vanishes_mid_reply_frees_its_session(
    gateway: tuple[Client, FakeRasa],
) -> None:
    client, fake = gateway
    fake.replies["jacket"] = LONG_REPLY
    talk = await start(client)
    await talk.ws.send_json({"type": "text", "text": "show me rain jackets"})
    await talk.until("audio")
    registry = client.app[SESSIONS]
    (session,) = list(registry)
    await talk.ws.close()
    async with asyncio.timeout(5):
        while len(registry):
            await asyncio.sleep(0.05)
    assert session.running_tasks == 0  # type: ignore[attr-defined]


async def test_the_voice_page_and_its_scripts_are_served_with_a_strict_policy(
    gateway: tuple[Client, FakeRasa],
) -> None:
    client, _ = gateway
    page = await client.get("/voice/")
    assert page.status == 200
    html = await page.text()
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in html  # no inline script
    for asset in ("voice-client.js", "voice-page.js", "capture-worklet.js", "voice.css"):
        response = await client.get(f"/voice/static/{asset}")
        assert response.status == 200, asset
        assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_health_reports_the_speech_services(gateway: tuple[Client, FakeRasa]) -> None:
    client, _ = gateway
    response = await client.get("/health")
    assert await response.json() == {"status": "ok", "stt": True, "tts": True}
