"""The speech services as they run: voice/stt_service.py and voice/tts_service.py started as
processes on free ports, spoken to by voice/speech_clients.py with real speech (espeak-ng).

whisper tiny.en serves most tests (quick on 2 cores); one test uses the default, base."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

import voice
from tests.voice.speech import silence, spoken
from voice.speech_clients import (
    AudioFormat,
    SpeechServiceDown,
    SpeechToText,
    TextToSpeech,
)

ROOT = Path(voice.__file__).resolve().parents[1]  # the project, where `-m voice...` runs
NUMBER_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
MAX_UTTERANCE_S = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def words(text: str) -> str:
    """Lower case, punctuation gone: what the shopper said, as the tests compare it."""
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def digits(text: str) -> str:
    """The digits spoken in ``text``, whether whisper wrote them as digits or words."""
    found = []
    for token in re.findall(r"[a-z]+|\d", text.lower()):
        if token.isdigit():
            found.append(token)
        elif token in NUMBER_WORDS:
            found.append(NUMBER_WORDS[token])
    return "".join(found)


class Service:
    def __init__(self, command: list[str], log: Path, uri: str) -> None:
        self.uri = uri
        self.log = log
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_VAR_DIR": str(log.parent)}
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_until_up(self, is_up: object, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.uri} exited: {self.log.read_text()}")
            if asyncio.run(is_up()):  # type: ignore[operator]
                return
            time.sleep(0.3)
        self.stop()
        pytest.fail(f"{self.uri} did not come up: {self.log.read_text()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return -9
        return self.process.returncode


def start_stt(folder: Path, model: str) -> Service:
    uri = f"tcp://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "voice.stt_service", "--uri", uri, "--model", model,
               "--models-dir", str(folder / "models"), "--threads", "1",
               "--max-utterance-s", str(MAX_UTTERANCE_S)]  # fmt: skip
    service = Service(command, folder / f"stt-{model}.log", uri)
    service.wait_until_up(SpeechToText(uri).is_up)
    return service


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="module")
def stt_tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_stt(tmp_path_factory.mktemp("stt-tiny"), "tiny.en")
    yield service
    assert service.stop() == 0, "the service did not stop cleanly on SIGTERM"


@pytest.fixture(scope="module")
def stt_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_stt(tmp_path_factory.mktemp("stt-base"), "base")
    yield service
    assert service.stop() == 0, "the service did not stop cleanly on SIGTERM"


@pytest.fixture(scope="module")
def tts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("tts")
    uri = f"tcp://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "voice.tts_service", "--uri", uri,
               "--models-dir", str(folder / "models")]  # fmt: skip
    service = Service(command, folder / "tts.log", uri)
    service.wait_until_up(TextToSpeech(uri).is_up)
    # the warm-up helper sends one request once the server listens: let it finish
    deadline = time.monotonic() + 30
    while "Warm-up" not in service.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    yield service
    assert service.stop() == 0, "wyoming-piper did not stop cleanly on SIGTERM"


async def test_an_order_question_is_transcribed(stt_tiny: Service, audio_dir: Path) -> None:
    audio = spoken("where is my order one two one eight six", audio_dir)

    text = await SpeechToText(stt_tiny.uri).transcribe(audio)

    assert words(text).startswith("where is my order")


async def test_the_prompt_reaches_whisper(stt_tiny: Service, audio_dir: Path) -> None:
    # without a prompt tiny.en hears "one to one eight six"; the gateway's prompt (here a
    # shop's context) makes it write the spoken order number as digits
    audio = spoken("where is my order one two one eight six", audio_dir)
    prompt = "Shop assistant: order numbers, quantities, e-mails."

    text = await SpeechToText(stt_tiny.uri).transcribe(audio, prompt=prompt)

    assert words(text).startswith("where is my order")
    assert digits(text) == "12186"


async def test_the_default_base_model_transcribes_a_streamed_utterance(
    stt_base: Service, audio_dir: Path
) -> None:
    audio = spoken("where is my order one two one eight six", audio_dir)

    async with SpeechToText(stt_base.uri).stream() as utterance:
        for offset in range(0, len(audio), 3200):
            await utterance.feed(audio[offset : offset + 3200])
        text = await utterance.finish()

    assert words(text).startswith("where is my order")
    assert digits(text) == "12186"


async def test_audio_at_another_rate_is_converted(stt_tiny: Service, audio_dir: Path) -> None:
    phone_audio = spoken("I would like to return my rain jacket", audio_dir, rate=8000)

    text = await SpeechToText(stt_tiny.uri).transcribe(phone_audio, rate=8000)

    # Read as 16 kHz, the audio would play at twice the speed and whisper would hear noise.
    # A sentence of words, not digits: tiny.en hears espeak-ng's telephone-band "where is my
    # order one two one eight six" as "where in my order 1 to 1 a stick" or "1, 2, 1, 8, 6"
    # depending on the CPU kernels (tests/conftest.py); this sentence came through whole on
    # every kernel tried (CTranslate2 AVX512, AVX2, GENERIC; oneDNN AVX-512 and AVX2).
    assert words(text) == "i would like to return my rain jacket"


async def test_a_long_utterance_gives_partials_before_the_end(
    stt_tiny: Service, audio_dir: Path
) -> None:
    audio = (
        spoken("I am looking for wireless earbuds", audio_dir)
        + silence(0.5)
        + spoken("in black if you have them", audio_dir)
        + silence(0.5)
        + spoken("and how much do they cost", audio_dir)
    )
    partials: list[str] = []

    async def on_partial(text: str) -> None:
        partials.append(text)

    async with SpeechToText(stt_tiny.uri).stream(on_partial=on_partial) as utterance:
        for offset in range(0, len(audio), 3200):  # 100 ms chunks, twice as fast as spoken
            await utterance.feed(audio[offset : offset + 3200])
            await asyncio.sleep(0.05)
        partials_before_the_end = list(partials)
        final = await utterance.finish()

    assert partials_before_the_end, "no partial transcript while the shopper was speaking"
    assert "wireless earbuds" in words(partials_before_the_end[0])
    assert words(final).startswith(words(partials_before_the_end[-1]))
    assert "how much do they cost" in words(final)


async def test_silence_gives_an_empty_transcript(stt_tiny: Service) -> None:
    stt = SpeechToText(stt_tiny.uri)

    started = time.monotonic()
    assert await stt.transcribe(silence(3.0)) == ""
    assert time.monotonic() - started < 2.0

    async with stt.stream() as utterance:
        await utterance.feed(silence(1.0))
        assert await utterance.finish() == ""
    async with stt.stream() as nothing_said:
        assert await nothing_said.finish() == ""


async def test_audio_beyond_the_longest_utterance_is_dropped(
    stt_tiny: Service, audio_dir: Path
) -> None:
    late_speech = silence(MAX_UTTERANCE_S + 2) + spoken("where is my order", audio_dir)

    text = await SpeechToText(stt_tiny.uri).transcribe(late_speech)

    assert text == ""
    assert f"longer than {MAX_UTTERANCE_S:.0f} s" in stt_tiny.log.read_text()


async def test_tts_streams_two_sentences_at_22050_hz(tts: Service) -> None:
    text = (
        "Here it is. The Nordpeak rain jacket costs eighty nine euros ninety, comes in three "
        "colours and four sizes, and ships from our warehouse within two working days."
    )
    started = time.monotonic()
    arrivals: list[float] = []
    formats: set[AudioFormat] = set()
    samples = 0

    async for audio_format, pcm in TextToSpeech(tts.uri).synthesize(text):
        arrivals.append(time.monotonic() - started)
        formats.add(audio_format)
        samples += len(pcm) // 2

    assert formats == {AudioFormat(rate=22050, width=2, channels=1)}
    assert samples / 22050 > 5.0
    # the short first sentence is heard while the long second one is being synthesised
    assert arrivals[0] < 0.5 * arrivals[-1]


async def test_tts_gives_a_whole_wav_file(tts: Service) -> None:
    data = await TextToSpeech(tts.uri).wav("Hello.")

    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (22050, 1, 2)
        assert wav.getnframes() / 22050 > 0.3
    assert await TextToSpeech(tts.uri).wav("   ") != b""  # a valid, empty WAV file


async def test_a_closed_port_is_reported_quickly() -> None:
    uri = f"tcp://127.0.0.1:{free_port()}"  # nobody listens there
    started = time.monotonic()

    with pytest.raises(SpeechServiceDown) as stt_down:
        await SpeechToText(uri).transcribe(silence(0.5))
    with pytest.raises(SpeechServiceDown) as tts_down:
        async for _chunk in TextToSpeech(uri).synthesize("Hello."):
            pass
    with pytest.raises(SpeechServiceDown):
        async with SpeechToText(uri).stream():
            pass
    assert not await SpeechToText(uri).is_up()
    assert not await TextToSpeech(uri).is_up()

    assert time.monotonic() - started < 3.0
    assert (stt_down.value.service, stt_down.value.uri) == ("speech to text", uri)
    assert tts_down.value.service == "text to speech"
    assert "refused" in str(stt_down.value)


async def test_a_service_speaking_garbage_or_silent_is_down() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await writer.drain()
        await reader.read()
        writer.close()

    async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # reads until the client leaves, never answers
        writer.close()

    for handler, reason in ((garbage, "another protocol"), (mute, "no answer in time")):
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            started = time.monotonic()
            with pytest.raises(SpeechServiceDown) as down:
                await SpeechToText(f"tcp://127.0.0.1:{port}", timeout_s=1.0).transcribe(
                    silence(0.5)
                )
            assert reason in str(down.value)
            assert time.monotonic() - started < 3.0
        finally:
            server.close()
            await server.wait_closed()


def test_stretches_end_at_pauses_and_never_in_silence(audio_dir: Path) -> None:
    from voice.stt_engine import StretchFinder

    first = spoken("I am looking for wireless earbuds", audio_dir, tail_s=0.0)
    second = spoken("in black if you have them", audio_dir, lead_s=0.0, tail_s=0.0)
    finder = StretchFinder()

    heard = first + silence(0.8)
    stretches = []
    for offset in range(0, len(heard), 1000):  # any chunk size
        stretches += finder.feed(heard[offset : offset + 1000])
    assert len(stretches) == 1
    start, end = stretches[0]
    assert start == 0
    assert len(first) < end <= len(first) + int(0.4 * 32000)

    # the shopper goes on: half of the next words, no pause yet, is the tail
    assert finder.feed(second[: len(second) // 2]) == []
    assert finder.tail_has_speech
    assert end <= finder.tail_start() < len(heard)

    quiet = StretchFinder()
    assert quiet.feed(silence(3.0)) == []
    assert not quiet.tail_has_speech


async def test_any_wyoming_client_gets_the_protocol_events(
    stt_tiny: Service, audio_dir: Path
) -> None:
    from wyoming.asr import Transcribe
    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.client import AsyncClient
    from wyoming.info import Describe, Info

    audio = spoken("I am looking for wireless earbuds", audio_dir) + spoken("in black", audio_dir)
    async with AsyncClient.from_uri(stt_tiny.uri, connect_timeout=2, read_timeout=30) as client:
        await client.write_event(Describe().event())
        described = await client.read_event()
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        for offset in range(0, len(audio), 3200):
            chunk = audio[offset : offset + 3200]
            await client.write_event(
                AudioChunk(rate=16000, width=2, channels=1, audio=chunk).event()
            )
        await client.write_event(AudioStop().event())
        types: list[str] = []
        while not types or types[-1] != "transcript-stop":
            event = await client.read_event()
            assert event is not None
            types.append(event.type)

    assert described is not None
    info = Info.from_event(described)
    assert info.asr[0].supports_transcript_streaming
    assert (info.asr[0].models[0].name, info.asr[0].models[0].languages) == ("tiny.en", ["en"])
    # streaming as the Wyoming protocol says: start, chunks, the full transcript, stop
    assert types[0] == "transcript-start"
    assert set(types[1:-2]) == {"transcript-chunk"} and len(types) >= 4
    assert types[-2:] == ["transcript", "transcript-stop"]


def test_piper_stays_in_its_own_process() -> None:
    """Piper is GPL: our modules start it (os.execv) and talk to it, never import it."""
    from voice.tts_service import piper_command

    check = (
        "import sys, voice.models, voice.speech_clients, voice.stt_service, voice.tts_service\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('piper', 'wyoming_piper')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"

    onnx = Path("/models/piper/en_US-joe-medium.onnx")
    command = piper_command(uri="tcp://127.0.0.1:10200", onnx=onnx, extra=["--length-scale", "0.9"])
    assert command[1:] == [
        "-m", "wyoming_piper", "--voice", "en_US-joe-medium", "--uri", "tcp://127.0.0.1:10200",
        "--data-dir", "/models/piper", "--samples-per-chunk", "1024", "--length-scale", "0.9",
    ]  # fmt: skip
    assert "--update-voices" not in command
