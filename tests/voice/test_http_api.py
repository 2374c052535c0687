"""The plain HTTP API (voice/http_api.py) over the real speech services: voice/stt_service.py
(whisper tiny.en) and voice/tts_service.py (Piper) started as processes on free ports, and
real speech made by espeak-ng (tests/voice/speech.py)."""

from __future__ import annotations

import io
import json
import subprocess
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import numpy as np
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.voice.services import free_port
from tests.voice.speech import spoken_wav
from voice import http_api
from voice.audio import read_wav, resample, wav_bytes
from voice.context import SERVICES, VoiceServices
from voice.rasa_client import RasaVoiceClient
from voice.settings import VoiceSettings
from voice.speech_clients import SpeechToText, TextToSpeech
from voice.vocabulary import CatalogVocabulary

ROOT = Path(__file__).resolve().parents[2]
# read with a pause between the digits, as callers read a number: whisper tiny.en writes the
# digits then (without the pauses it sometimes hears "one to one eight six")
ORDER_QUESTION = "where is my order, one, two, one, eight, six"
Client = TestClient[web.Request, web.Application]


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


async def _client(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
    var_dir: Path,
    stt_uri: str,
    tts_uri: str,
) -> AsyncIterator[Client]:
    settings = VoiceSettings(var_dir=var_dir, stt_uri=stt_uri, tts_uri=tts_uri)
    async with aiohttp.ClientSession() as http:
        services = VoiceServices(
            settings=settings,
            stt=SpeechToText(stt_uri),
            tts=TextToSpeech(tts_uri),
            # /v1/* never talks to Rasa: nothing listens at port 9 (discard)
            rasa=RasaVoiceClient(http, rasa_url="http://127.0.0.1:9"),
            vocabulary=CatalogVocabulary.from_names(["Nordpeak Rain Jacket", "Aurora Earbuds"]),
        )
        app = web.Application()
        app[SERVICES] = services
        http_api.add_routes(app)
        yield await aiohttp_client(app)


@pytest.fixture
async def client(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
    speech_services: tuple[str, str],
    tmp_path: Path,
) -> AsyncIterator[Client]:
    async for c in _client(aiohttp_client, tmp_path, *speech_services):
        yield c


@pytest.fixture
async def client_without_speech(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]], tmp_path: Path
) -> AsyncIterator[Client]:
    closed = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    async for c in _client(aiohttp_client, tmp_path, closed, closed):
        yield c


def _stereo_44k(wav: Path) -> bytes:
    """The same speech as a 44.1 kHz stereo WAV, made by sox (as a phone app might send)."""
    out = wav.with_name(wav.stem + "-44k-stereo.wav")
    subprocess.run(["sox", str(wav), "-r", "44100", "-c", "2", str(out)], check=True)
    return out.read_bytes()


async def test_a_spoken_order_number_is_transcribed_and_normalised(client, audio_dir):
    wav = spoken_wav(ORDER_QUESTION, audio_dir)

    response = await client.post(
        "/v1/transcribe", data=wav.read_bytes(), headers={"Content-Type": "audio/wav"}
    )

    assert response.status == 200
    answer = await response.json()
    assert "order" in answer["text"].lower()
    assert "12186" in answer["normalised"]


async def test_stereo_audio_at_44_1_khz_is_converted_and_transcribed(client, audio_dir):
    wav = spoken_wav(ORDER_QUESTION, audio_dir)

    response = await client.post("/v1/transcribe", data=_stereo_44k(wav))

    assert response.status == 200
    assert "12186" in (await response.json())["normalised"]


async def test_speak_returns_a_wav_of_the_spoken_text(client):
    response = await client.post("/v1/speak", json={"text": "Your order has shipped today."})

    assert response.status == 200
    assert response.content_type == "audio/wav"
    audio = read_wav(await response.read())
    assert audio.rate == 22050
    assert audio.seconds > 1.0
    samples = np.frombuffer(audio.pcm16, dtype="<i2").astype(np.float64)
    assert np.sqrt(np.mean(samples**2)) > 300  # speech, not silence


async def test_what_speak_says_transcribes_back_to_the_text(client):
    spoken = await client.post("/v1/speak", json={"text": "Your order number is 1, 2, 1, 8, 6."})
    heard = await client.post("/v1/transcribe", data=await spoken.read())

    assert heard.status == 200
    assert "12186" in (await heard.json())["normalised"]


async def test_a_file_that_is_not_a_wav_gets_400_with_a_message(client):
    response = await client.post("/v1/transcribe", data=b"ID3\x04" + b"\x00" * 2000)

    assert response.status == 400
    assert "not a WAV file" in (await response.json())["error"]


async def test_8_bit_audio_gets_400_saying_what_to_send(client):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(b"\x80" * 8000)
    response = await client.post("/v1/transcribe", data=buffer.getvalue())

    assert response.status == 400
    assert "send 16-bit PCM" in (await response.json())["error"]


async def test_a_truncated_upload_gets_400(client, audio_dir):
    wav = spoken_wav("where is my order", audio_dir).read_bytes()

    response = await client.post("/v1/transcribe", data=wav[: len(wav) // 2])

    assert response.status == 400
    assert "truncated" in (await response.json())["error"]


async def test_a_recording_over_60_seconds_gets_413(client):
    minute = wav_bytes(b"\x00\x00" * 8000 * 61, 8000)

    response = await client.post("/v1/transcribe", data=minute)

    assert response.status == 413
    assert "the limit is 60 s" in (await response.json())["error"]


async def test_an_upload_over_the_size_cap_gets_413(client):
    too_large = io.BytesIO(b"\x00" * (http_api.MAX_WAV_BYTES + 1))

    response = await client.post("/v1/transcribe", data=too_large)

    assert response.status == 413
    assert "larger than" in (await response.json())["error"]


async def test_silence_transcribes_to_empty_text(client):
    response = await client.post("/v1/transcribe", data=wav_bytes(b"\x00\x00" * 16000, 16000))

    assert response.status == 200
    assert await response.json() == {"text": "", "normalised": ""}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"say hello", "not JSON"),
        (b'["hello"]', 'a "text" string'),
        (b'{"text": 42}', 'a "text" string'),
        (b'{"text": "   "}', "nothing to say"),
        (json.dumps({"text": "a" * 1001}).encode(), "the limit is 1000"),
    ],
)
async def test_speak_refuses_unusable_json_with_400(client_without_speech, body, message):
    response = await client_without_speech.post(
        "/v1/speak", data=body, headers={"Content-Type": "application/json"}
    )

    assert response.status == 400
    assert message in (await response.json())["error"]


async def test_transcribe_answers_503_when_speech_to_text_is_down(client_without_speech, audio_dir):
    wav = spoken_wav("where is my order", audio_dir).read_bytes()

    response = await client_without_speech.post("/v1/transcribe", data=wav)

    assert response.status == 503
    assert await response.json() == {"error": "speech to text is unavailable"}


async def test_speak_answers_503_when_text_to_speech_is_down(client_without_speech):
    response = await client_without_speech.post("/v1/speak", json={"text": "Hello there."})

    assert response.status == 503
    assert await response.json() == {"error": "text to speech is unavailable"}


async def test_8_khz_telephone_audio_is_accepted(client, audio_dir):
    speech = read_wav(spoken_wav(ORDER_QUESTION, audio_dir).read_bytes())
    phone = wav_bytes(resample(speech.pcm16, 16000, 8000), 8000)

    response = await client.post("/v1/transcribe", data=phone)

    assert response.status == 200
    assert "12186" in (await response.json())["normalised"]
