"""VoiceSession with real parts: real speech (espeak-ng), the project's real speech services
(voice.stt_service with whisper tiny.en, voice.tts_service with Piper) as subprocesses on free
ports, and a local aiohttp app standing in for Rasa's voice webhook (see ``FakeRasa``).

The fixtures here are shared with tests/voice/test_browser_ws.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from settings import PROJECT_ROOT
from tests.voice.speech import silence, spoken
from voice.context import VoiceServices
from voice.rasa_client import RasaVoiceClient
from voice.session import NOT_CAUGHT, RASA_DOWN, TOO_LONG, VoiceSession, reads_finished
from voice.settings import VoiceSettings
from voice.speakable import speech_for
from voice.speech_clients import SpeechToText, TextToSpeech
from voice.vocabulary import CatalogVocabulary

SENDER = "voice-test-0001"
CHUNK = 1280  # 40 ms of 16 kHz PCM16, what the voice page sends
SHORT_REPLY: list[dict[str, Any]] = [{"recipient_id": SENDER, "text": "Here you are."}]
JACKETS_REPLY: list[dict[str, Any]] = [
    {"recipient_id": SENDER, "text": "I found two rain jackets."},
    {
        "recipient_id": SENDER,
        "text": "Which one would you like?",
        "buttons": [{"title": "The first", "payload": '/choose{"position": 1}'}],
    },
]
LONG_REPLY: list[dict[str, Any]] = [
    {
        "recipient_id": SENDER,
        "text": (
            "We have many rain jackets in stock this week. The Nordpeak Rain Jacket is light "
            "and it folds into its own pocket. The Stormline Shell is warmer and it has a hood. "
            "Both come in black, green and blue, in every size from small to extra large."
        ),
    }
]


# ---------------------------------------------------------------------------- the services


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class SpeechUris:
    stt: str
    tts: str


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


async def _wait_up(uris: SpeechUris, processes: list[subprocess.Popen[bytes]]) -> None:
    stt, tts = SpeechToText(uris.stt), TextToSpeech(uris.tts)
    deadline = time.monotonic() + 90
    while not (await stt.is_up() and await tts.is_up()):
        dead = [p.args for p in processes if p.poll() is not None]
        assert not dead, f"a speech service exited: {dead}"
        assert time.monotonic() < deadline, "the speech services did not start in 90 s"
        await asyncio.sleep(0.3)
    async for _ in tts.synthesize("Ready."):  # Piper loads the voice on its first request
        pass


@pytest.fixture(scope="module")
def speech_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpeechUris]:
    """voice.stt_service (whisper tiny.en, one thread) and voice.tts_service (Piper)."""
    work = tmp_path_factory.mktemp("speech-services")
    uris = SpeechUris(f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}")
    env = {**os.environ, "ASSISTANT_VAR_DIR": str(work / "var"), "HF_HUB_OFFLINE": "1"}
    common = ["--models-dir", str(work / "models")]
    commands = [
        ["voice.stt_service", "--uri", uris.stt, "--model", "tiny.en", "--threads", "1"],
        ["voice.tts_service", "--uri", uris.tts, "--no-warm-up"],
    ]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for command in commands:
            with (work / f"{command[0]}.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", *command, *common],
                        cwd=PROJECT_ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        asyncio.run(_wait_up(uris, processes))
        yield uris
    finally:
        for process in processes:
            _stop(process)


@pytest.fixture(scope="module")
def speech_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


def closed_port_uri() -> str:
    """A TCP address where nothing listens: a speech service that is down."""
    return f"tcp://127.0.0.1:{free_port()}"


# ---------------------------------------------------------------------------- Rasa


class FakeRasa:
    """Stands in for Rasa's voice webhook (POST /webhooks/voice/webhook, the REST channel's
    body and answer: connectors/voice_channel.py) with fixed Rasa message lists, and records
    what it was sent. A stand-in because these tests are about the gateway; the real Rasa
    stack behind the gateway is covered by the lead's integration tests (tests/integration).
    """

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.replies: dict[str, list[dict[str, Any]]] = {}  # a word in the message -> reply
        self.default: list[dict[str, Any]] = SHORT_REPLY
        self.status = 200

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        if self.status != 200:
            return web.Response(status=self.status, text="Rasa is restarting")
        message = str(body.get("message", "")).casefold()
        for word, reply in self.replies.items():
            if word in message:
                return web.json_response(reply)
        return web.json_response(self.default)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/voice/webhook", self.webhook)
        return app


@pytest.fixture
async def rasa() -> AsyncIterator[tuple[FakeRasa, str]]:
    fake = FakeRasa()
    server = TestServer(fake.app())
    await server.start_server()
    try:
        yield fake, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def make_services(
    http: aiohttp.ClientSession,
    rasa_url: str,
    *,
    stt: str,
    tts: str,
    var_dir: Path,
    **settings: Any,
) -> VoiceServices:
    config = VoiceSettings(
        var_dir=var_dir, stt_uri=stt, tts_uri=tts, rasa_url=rasa_url, vad_silence_ms=500
    )
    config = replace(config, **settings)
    return VoiceServices(
        settings=config,
        stt=SpeechToText(stt, timeout_s=20),
        tts=TextToSpeech(tts, timeout_s=20),
        rasa=RasaVoiceClient(http, rasa_url=rasa_url, timeout_s=5),
        vocabulary=CatalogVocabulary.from_names(
            ["Nordpeak Rain Jacket", "Stormline Shell"], brands=["Nordpeak", "Stormline"]
        ),
    )


# ---------------------------------------------------------------------------- the output


class RecordingOutput:
    """A VoiceOutput that keeps what the session sends, in order, as a transport would
    deliver it (like rasa-sdk's CollectingDispatcher)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []  # ("event", dict) | ("audio", (pcm, rate, t))
        self._changed = asyncio.Condition()

    async def _add(self, kind: str, value: Any) -> None:
        async with self._changed:
            self.items.append((kind, value))
            self._changed.notify_all()

    async def send_event(self, event: dict[str, Any]) -> None:
        assert "type" in event
        await self._add("event", event)

    async def send_audio(self, pcm16: bytes, rate: int) -> None:
        await self._add("audio", (pcm16, rate, time.monotonic()))

    async def clear_audio(self) -> None:
        await self._add("clear", None)

    def types(self) -> list[str]:
        return [v["type"] if k == "event" else k for k, v in self.items]

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [v for k, v in self.items if k == "event" and v["type"] == kind]

    async def wait_for(self, kind: str, *, after: int = 0, timeout: float = 30.0) -> int:
        """The index of the first item of ``kind`` (an event type or "audio") at or after
        ``after``."""

        def found() -> int | None:
            for i, name in enumerate(self.types()[after:], start=after):
                if name == kind:
                    return i
            return None

        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: found() is not None)
        index = found()
        assert index is not None
        return index


async def feed(session: VoiceSession, pcm: bytes) -> None:
    for offset in range(0, len(pcm), CHUNK):
        await session.feed_audio(pcm[offset : offset + CHUNK])


@pytest.fixture
async def session_parts(
    speech_services: SpeechUris,
    rasa: tuple[FakeRasa, str],
    http: aiohttp.ClientSession,
    tmp_path: Path,
) -> AsyncIterator[tuple[VoiceSession, RecordingOutput, FakeRasa]]:
    fake, url = rasa
    services = make_services(
        http, url, stt=speech_services.stt, tts=speech_services.tts, var_dir=tmp_path
    )
    output = RecordingOutput()
    session = VoiceSession(
        services, output, sender_id=SENDER, metadata={"customer_token": "tok-123"}
    )
    try:
        yield session, output, fake
    finally:
        await session.close()


# ---------------------------------------------------------------------------- the tests


async def test_speech_is_transcribed_sent_to_rasa_and_the_reply_spoken(
    session_parts: tuple[VoiceSession, RecordingOutput, FakeRasa], speech_folder: Path
) -> None:
    session, output, rasa = session_parts
    rasa.replies["jacket"] = JACKETS_REPLY
    speech = spoken("show me rain jackets", speech_folder)
    await feed(session, speech)

    await output.wait_for("transcript")
    transcript = output.events("transcript")[0]
    assert "rain jackets" in transcript["text"].casefold()
    assert "rain jackets" in transcript["heard"].casefold()
    loud = np.nonzero(np.abs(np.frombuffer(speech, dtype="<i2").astype(np.int32)) > 500)[0]
    assert transcript["speech_end_s"] == pytest.approx(loud[-1] / 16000, abs=0.15)
    done = await output.wait_for("speaking_done")
    await output.wait_for("listening", after=done)
    assert rasa.received == [
        {
            "sender": SENDER,
            "message": transcript["text"],
            "metadata": {"customer_token": "tok-123", "voice_transport": "browser", "voice": True},
        }
    ]
    bot = output.events("bot")[0]
    assert bot["messages"] == JACKETS_REPLY
    assert bot["speech"] == speech_for(JACKETS_REPLY)
    types = output.types()
    assert types.index("speech_start") < types.index("transcript") < types.index("bot")
    assert types.index("bot") < types.index("speaking") < types.index("audio")
    speaking = output.events("speaking")[0]
    assert speaking["rate"] == 22050
    audio = [v for k, v in output.items if k == "audio"]
    assert {rate for _, rate, _ in audio} == {22050}
    seconds = sum(len(pcm) for pcm, _, _ in audio) / 2 / 22050
    assert seconds > 1.5
    # paced at the speaking rate: the frames span the audio's duration, less the lead
    span = audio[-1][2] - audio[0][2]
    assert seconds - 0.9 <= span <= 2 * seconds + 1  # (slack above: a busy machine)
    assert types[-1] == "listening"


async def test_barge_in_stops_the_reply_and_the_new_speech_is_the_next_utterance(
    session_parts: tuple[VoiceSession, RecordingOutput, FakeRasa], speech_folder: Path
) -> None:
    session, output, rasa = session_parts
    rasa.replies["jacket"] = LONG_REPLY
    rasa.replies["black"] = SHORT_REPLY
    await feed(session, spoken("show me rain jackets", speech_folder))
    first_audio = await output.wait_for("audio")
    await asyncio.sleep(0.5)  # the assistant is talking
    await feed(session, spoken("the black ones", speech_folder))

    barge_in = await output.wait_for("barge_in", after=first_audio)
    assert output.types()[barge_in - 1] == "clear"  # queued audio dropped before the event
    transcript = await output.wait_for("transcript", after=barge_in)
    assert "black" in output.items[transcript][1]["text"].casefold()
    await output.wait_for("speaking_done", after=transcript)
    after = output.types()[barge_in:]
    # no audio of the old reply after the barge-in: the next audio is the new reply's
    assert after.index("audio") > after.index("speaking") > after.index("transcript")
    assert "speaking_done" not in output.types()[:barge_in]
    assert [m["message"] for m in rasa.received][1:] == [output.items[transcript][1]["text"]]


async def test_a_short_noise_during_the_reply_does_not_interrupt_it(
    session_parts: tuple[VoiceSession, RecordingOutput, FakeRasa], speech_folder: Path
) -> None:
    session, output, rasa = session_parts
    rasa.replies["jacket"] = JACKETS_REPLY
    await feed(session, spoken("show me rain jackets", speech_folder))
    await output.wait_for("audio")
    await feed(session, silence(1.0))
    await output.wait_for("speaking_done")
    assert "barge_in" not in output.types()
    assert len(rasa.received) == 1


async def test_silence_never_reaches_rasa(
    session_parts: tuple[VoiceSession, RecordingOutput, FakeRasa],
) -> None:
    session, output, rasa = session_parts
    await feed(session, silence(4.0))
    await asyncio.sleep(0.3)
    assert rasa.received == []
    assert output.types() == ["listening"]


async def test_typed_text_interrupts_the_reply_like_a_barge_in(
    session_parts: tuple[VoiceSession, RecordingOutput, FakeRasa],
) -> None:
    session, output, rasa = session_parts
    rasa.replies["jacket"] = LONG_REPLY
    await session.send_text("show me rain jackets")
    first_audio = await output.wait_for("audio")
    await session.send_text("thanks")
    barge_in = await output.wait_for("barge_in", after=first_audio)
    bot = await output.wait_for("bot", after=barge_in)
    assert output.items[bot][1]["messages"] == SHORT_REPLY
    assert [m["message"] for m in rasa.received] == ["show me rain jackets", "thanks"]


async def feed_in_real_time(session: VoiceSession, pcm: bytes) -> None:
    """As a microphone delivers it: one 40 ms chunk every 40 ms."""
    started = time.monotonic()
    for index, offset in enumerate(range(0, len(pcm), CHUNK), start=1):
        await session.feed_audio(pcm[offset : offset + CHUNK])
        await asyncio.sleep(max(0.0, started + index * CHUNK / 32000 - time.monotonic()))


async def test_speech_after_a_typed_question_barges_in_on_its_reply(
    session_parts: tuple[VoiceSession, RecordingOutput, FakeRasa], speech_folder: Path
) -> None:
    """The typed turn's reply is interrupted by speech like a spoken turn's reply: the
    microphone streaming all along (silence while the shopper types), the speech coming in
    real time once the first audio of the reply went out."""
    session, output, rasa = session_parts
    rasa.replies["jacket"] = LONG_REPLY
    rasa.replies["black"] = SHORT_REPLY
    microphone = asyncio.create_task(feed_in_real_time(session, silence(30.0)))
    try:
        await asyncio.sleep(0.5)
        await session.send_text("show me rain jackets")
        first_audio = await output.wait_for("audio")
    finally:
        microphone.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await microphone
    await feed_in_real_time(session, spoken("the black ones", speech_folder))

    barge_in = await output.wait_for("barge_in", after=first_audio)
    assert output.types()[barge_in - 1] == "clear"
    transcript = await output.wait_for("transcript", after=barge_in)
    assert "black" in output.items[transcript][1]["text"].casefold()
    await output.wait_for("speaking_done", after=transcript)
    types = output.types()
    # nothing said "listening" while the typed reply was being spoken, and its audio stopped
    assert "listening" not in types[first_audio:barge_in]
    assert "speaking_done" not in types[:barge_in]
    assert types.index("speech_start", barge_in) < transcript
    assert [m["message"] for m in rasa.received] == [
        "show me rain jackets",
        output.items[transcript][1]["text"],
    ]


async def test_a_typed_message_during_the_reply_interrupts_it_without_a_listening_event(
    session_parts: tuple[VoiceSession, RecordingOutput, FakeRasa], speech_folder: Path
) -> None:
    session, output, rasa = session_parts
    rasa.replies["jacket"] = LONG_REPLY
    await feed(session, spoken("show me rain jackets", speech_folder))
    first_audio = await output.wait_for("audio")
    await session.send_text("thanks")
    barge_in = await output.wait_for("barge_in", after=first_audio)
    bot = await output.wait_for("bot", after=barge_in)
    assert output.items[bot][1]["messages"] == SHORT_REPLY
    # the typed turn follows at once: no "listening" between the spoken reply and it
    assert "listening" not in output.types()[first_audio:bot]
    await output.wait_for("speaking_done", after=bot)


async def test_a_finished_request_ends_the_turn_before_the_full_silence(
    speech_services: SpeechUris,
    rasa: tuple[FakeRasa, str],
    http: aiohttp.ClientSession,
    tmp_path: Path,
    speech_folder: Path,
) -> None:
    """With the full end-of-turn silence at 3 s, a request whose words the speech service has
    already sent (its tentative pass at the pause) and that reads finished ends earlier."""
    fake, url = rasa
    services = make_services(
        http,
        url,
        stt=speech_services.stt,
        tts=speech_services.tts,
        var_dir=tmp_path,
        vad_silence_ms=3000,
        vad_early_ms=300,
    )
    output = RecordingOutput()
    session = VoiceSession(services, output, sender_id=SENDER)
    try:
        await feed(session, spoken("show me rain jackets", speech_folder, tail_s=0.0))
        quiet = asyncio.create_task(feed_in_real_time(session, silence(2.6)))
        await output.wait_for("transcript", timeout=2.6)
        assert not quiet.done()  # less than 2.6 s of the 3 s silence went by
        quiet.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await quiet
        assert "rain jackets" in output.events("transcript")[0]["text"].casefold()
        await output.wait_for("bot")
        assert len(fake.received) == 1
    finally:
        await session.close()


def test_a_request_reads_finished_unless_it_trails_off() -> None:
    for finished in (
        "Show me rain jackets.",
        "Show me rain jackets",  # whisper often leaves the "." out after a catalog prompt
        "Where is my order?",
        "Yes!",
        "Check out.",
    ):
        assert reads_finished(finished), finished
    for unfinished in (
        "",
        "Show me rain jackets,",  # whisper's comma: it expects more
        "Show me the...",
        "I would like the.",
        "Do you have it in black and.",
        "My order number is 1 2 1.",
        "It is m a e l l e.",
        "I want to.",
        "add two.",
    ):
        assert not reads_finished(unfinished), unfinished


async def test_an_utterance_too_long_is_cut_and_answered_without_rasa(
    speech_services: SpeechUris,
    rasa: tuple[FakeRasa, str],
    http: aiohttp.ClientSession,
    tmp_path: Path,
    speech_folder: Path,
) -> None:
    fake, url = rasa
    services = make_services(
        http,
        url,
        stt=speech_services.stt,
        tts=speech_services.tts,
        var_dir=tmp_path,
        max_utterance_s=1.5,
    )
    output = RecordingOutput()
    session = VoiceSession(services, output, sender_id=SENDER)
    try:
        speech = spoken(
            "I would like a warm waterproof jacket for hiking in the mountains", speech_folder
        )
        await feed(session, speech)
        await output.wait_for("speaking_done")
        assert output.events("bot")[0]["messages"][0]["text"] == TOO_LONG
        assert output.events("transcript") == []
        assert fake.received == []
    finally:
        await session.close()


async def test_rasa_down_is_answered_aloud(
    session_parts: tuple[VoiceSession, RecordingOutput, FakeRasa],
) -> None:
    session, output, rasa = session_parts
    rasa.status = 503
    await session.send_text("where is my order")
    await output.wait_for("speaking_done")
    assert output.events("bot")[0]["messages"][0]["text"] == RASA_DOWN
    assert output.events("speaking")[0]["rate"] == 22050


async def test_speech_to_text_down_typed_text_still_works_and_voice_is_unavailable_once(
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
    output = RecordingOutput()
    session = VoiceSession(services, output, sender_id=SENDER)
    try:
        speech = spoken("show me rain jackets", speech_folder)
        await feed(session, speech)
        await feed(session, speech)  # a second utterance: no second notice
        await output.wait_for("voice_unavailable")
        await session.send_text("show me rain jackets")
        await output.wait_for("speaking_done")
        unavailable = output.events("voice_unavailable")
        assert len(unavailable) == 1
        assert unavailable[0]["service"] == "stt"
        assert "unavailable" in unavailable[0]["message"]
        assert output.events("bot")[0]["messages"] == SHORT_REPLY
        assert [m["message"] for m in fake.received] == ["show me rain jackets"]
        assert output.events("transcript") == []
    finally:
        await session.close()


async def test_text_to_speech_down_the_reply_still_arrives_as_text(
    speech_services: SpeechUris,
    rasa: tuple[FakeRasa, str],
    http: aiohttp.ClientSession,
    tmp_path: Path,
) -> None:
    _, url = rasa
    services = make_services(
        http, url, stt=speech_services.stt, tts=closed_port_uri(), var_dir=tmp_path
    )
    output = RecordingOutput()
    session = VoiceSession(services, output, sender_id=SENDER)
    try:
        await session.send_text("hello")
        await output.wait_for("voice_unavailable")
        assert output.events("bot")[0]["messages"] == SHORT_REPLY
        assert output.events("voice_unavailable")[0]["service"] == "tts"
        assert "audio" not in output.types()
    finally:
        await session.close()


async def test_close_mid_reply_cancels_everything_and_is_idempotent(
    session_parts: tuple[VoiceSession, RecordingOutput, FakeRasa], speech_folder: Path
) -> None:
    session, output, rasa = session_parts
    rasa.replies["jacket"] = LONG_REPLY
    await feed(session, spoken("show me rain jackets", speech_folder))
    await output.wait_for("audio")
    await feed(session, spoken("the black ones", speech_folder, tail_s=0.0))  # mid-utterance
    await session.close()
    await session.close()
    assert session.running_tasks == 0
    count = len(output.items)
    await asyncio.sleep(0.5)
    assert len(output.items) == count  # nothing more is sent


async def test_an_idle_session_closes_itself(
    speech_services: SpeechUris,
    rasa: tuple[FakeRasa, str],
    http: aiohttp.ClientSession,
    tmp_path: Path,
) -> None:
    _, url = rasa
    services = make_services(
        http,
        url,
        stt=speech_services.stt,
        tts=speech_services.tts,
        var_dir=tmp_path,
        idle_timeout_s=0.5,
    )
    output = RecordingOutput()
    closed = asyncio.Event()

    async def on_close() -> None:
        closed.set()

    session = VoiceSession(services, output, sender_id=SENDER, on_close=on_close)
    async with asyncio.timeout(5):
        await closed.wait()
    await asyncio.sleep(0.05)  # the watchdog returns from on_close
    assert session.closed
    assert output.events("error")[0]["code"] == "idle_timeout"
    assert session.running_tasks == 0


def test_the_gateways_own_answers_are_short_sentences() -> None:
    for text in (NOT_CAUGHT, TOO_LONG, RASA_DOWN):
        assert speech_for([{"recipient_id": SENDER, "text": text}])
