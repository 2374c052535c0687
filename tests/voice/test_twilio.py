"""The phone line (voice/twilio.py) against a local fake of Twilio.

Twilio cannot run here, so ``FakeTwilio`` plays its part as its documentation describes it:
it signs the incoming-call webhook with the auth token (the "Webhooks security" algorithm,
written again here rather than imported from voice/twilio.py), follows the TwiML's
<Connect><Stream> to the media WebSocket and speaks Media Streams to it (connected, start,
media in 20 ms frames of 8 kHz mu-law, stop). The caller's speech is real: espeak-ng
converted to 8 kHz mu-law by sox, not by the code under test. Rasa is stood in for by a
local aiohttp app that answers the voice webhook with a fixed list of replies (``FakeRasa``);
the speech services are the real ones (whisper tiny.en and Piper as processes).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer

from tests.voice.services import free_port
from tests.voice.speech import spoken_wav
from voice import twilio
from voice.context import SERVICES, SESSIONS, SessionRegistry, VoiceServices
from voice.ear import normalise
from voice.rasa_client import RasaVoiceClient
from voice.settings import VoiceSettings
from voice.speech_clients import SpeechToText, TextToSpeech
from voice.vocabulary import CatalogVocabulary

ROOT = Path(__file__).resolve().parents[2]
# read with a pause between the digits, as callers read a number: whisper tiny.en writes the
# digits then (without the pauses it sometimes hears "one to one eight six")
ORDER_QUESTION = "where is my order, one, two, one, eight, six"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
CALLER = "+15557654321"
Client = TestClient[web.Request, web.Application]


# --- the speech services (real processes) ------------------------------------------------------


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


def ulaw_speech(text: str, folder: Path) -> bytes:
    """espeak-ng saying ``text`` as 8 kHz mu-law, converted by sox."""
    wav = spoken_wav(text, folder, rate=8000)
    out = wav.with_suffix(".ul")
    subprocess.run(
        ["sox", str(wav), "-t", "raw", "-e", "mu-law", "-b", "8", "-c", "1", "-r", "8000",
         str(out)],
        check=True,
    )  # fmt: skip
    return out.read_bytes()


def ulaw_silence(seconds: float) -> bytes:
    return b"\xff" * int(8000 * seconds)


def pcm16k_of_ulaw(ulaw: bytes, folder: Path) -> bytes:
    """What the caller heard, decoded by sox to 16 kHz PCM (not by the code under test)."""
    raw, wav = folder / "heard.ul", folder / "heard.raw"
    raw.write_bytes(ulaw)
    subprocess.run(
        ["sox", "-t", "raw", "-r", "8000", "-e", "mu-law", "-b", "8", "-c", "1", str(raw),
         "-t", "raw", "-r", "16000", "-e", "signed-integer", "-b", "16", str(wav)],
        check=True,
    )  # fmt: skip
    return wav.read_bytes()


# --- Rasa's stand-in -----------------------------------------------------------------------------


@dataclass
class FakeRasa:
    """Stands in for Rasa's voice webhook: answers the n-th message with ``replies[n]``."""

    replies: list[str]
    received: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/voice/webhook", self.webhook)
        return app

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        text = self.replies[min(len(self.received), len(self.replies)) - 1]
        return web.json_response([{"recipient_id": body["sender"], "text": text}])


# --- the gateway under test ----------------------------------------------------------------------


@dataclass
class Gateway:
    client: Client
    app: web.Application


@pytest.fixture
async def make_gateway(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]], tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[Gateway]]]:
    async with aiohttp.ClientSession() as http:

        async def make(
            *,
            token: str = AUTH_TOKEN,
            public_url: str = "",
            speech: tuple[str, str] | None = None,
            rasa_url: str = "http://127.0.0.1:9",
        ) -> Gateway:
            closed = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
            stt_uri, tts_uri = speech or (closed, closed)
            settings = VoiceSettings(
                var_dir=tmp_path,
                stt_uri=stt_uri,
                tts_uri=tts_uri,
                twilio_auth_token=token,
                public_url=public_url,
                rasa_url=rasa_url,
            )
            app = web.Application()
            app[SERVICES] = VoiceServices(
                settings=settings,
                stt=SpeechToText(stt_uri),
                tts=TextToSpeech(tts_uri),
                rasa=RasaVoiceClient(http, rasa_url=rasa_url),
                vocabulary=CatalogVocabulary.from_names(["Nordpeak Rain Jacket"]),
            )
            app[SESSIONS] = SessionRegistry()
            twilio.add_routes(app)
            return Gateway(await aiohttp_client(app), app)

        yield make


# --- Twilio's stand-in ---------------------------------------------------------------------------


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """As Twilio documents it: the full URL, then each POST parameter's name and value
    (sorted by name, no delimiters), HMAC-SHA1 keyed with the auth token, base64."""
    data = url + "".join(name + params[name] for name in sorted(params))
    mac = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


@dataclass
class Stream:
    url: str
    parameters: dict[str, str]


class FakeTwilio:
    """Plays Twilio's side of a call (a local fake: Twilio cannot run here)."""

    def __init__(self, client: Client, auth_token: str = AUTH_TOKEN) -> None:
        self.client = client
        self.auth_token = auth_token

    def webhook_params(self, call_sid: str, caller: str = CALLER) -> dict[str, str]:
        return {
            "AccountSid": "AC" + "0" * 32,
            "ApiVersion": "2010-04-01",
            "CallSid": call_sid,
            "CallStatus": "ringing",
            "Called": "+15550001111",
            "Caller": caller,
            "Direction": "inbound",
            "From": caller,
            "To": "+15550001111",
        }

    async def ring(
        self, call_sid: str, *, caller: str = CALLER, signed_url: str | None = None
    ) -> aiohttp.ClientResponse:
        params = self.webhook_params(call_sid, caller)
        url = signed_url or str(self.client.make_url("/twilio/voice"))
        signature = twilio_signature(self.auth_token, url, params)
        return await self.client.post(
            "/twilio/voice", data=params, headers={"X-Twilio-Signature": signature}
        )

    async def call(self, call_sid: str, **options: Any) -> Stream:
        response = await self.ring(call_sid, **options)
        assert response.status == 200, await response.text()
        assert response.content_type == "text/xml"
        twiml = ET.fromstring(await response.text())
        stream = twiml.find("./Connect/Stream")
        assert stream is not None
        parameters = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
        return Stream(stream.get("url", ""), parameters)

    async def open_stream(
        self, stream: Stream, call_sid: str, stream_sid: str
    ) -> aiohttp.ClientWebSocketResponse:
        ws = await self.client.ws_connect("/twilio/media")
        await ws.send_str(
            json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        )
        await ws.send_str(
            json.dumps(
                {
                    "event": "start",
                    "sequenceNumber": "1",
                    "streamSid": stream_sid,
                    "start": {
                        "streamSid": stream_sid,
                        "accountSid": "AC" + "0" * 32,
                        "callSid": call_sid,
                        "tracks": ["inbound"],
                        "mediaFormat": {
                            "encoding": "audio/x-mulaw",
                            "sampleRate": 8000,
                            "channels": 1,
                        },
                        "customParameters": stream.parameters,
                    },
                }
            )
        )
        return ws


class Call:
    """The media stream of one call: the caller's audio out, the gateway's messages in."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, stream_sid: str) -> None:
        self.ws = ws
        self.stream_sid = stream_sid
        self.received: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._chunk = 0
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for frame in self.ws:
            if frame.type == WSMsgType.TEXT:
                self.received.append(json.loads(frame.data))
                self._arrived.set()

    async def say(self, ulaw: bytes) -> None:
        """Sends audio in 20 ms media frames, as Twilio does (faster than real time)."""
        for offset in range(0, len(ulaw), 160):
            self._chunk += 1
            payload = base64.b64encode(ulaw[offset : offset + 160]).decode()
            await self.ws.send_str(
                json.dumps(
                    {
                        "event": "media",
                        "sequenceNumber": str(self._chunk + 1),
                        "streamSid": self.stream_sid,
                        "media": {
                            "track": "inbound",
                            "chunk": str(self._chunk),
                            "timestamp": str(self._chunk * 20),
                            "payload": payload,
                        },
                    }
                )
            )
            if self._chunk % 10 == 0:
                await asyncio.sleep(0.005)

    async def until(
        self, check: Callable[[list[dict[str, Any]]], bool], timeout_s: float = 60
    ) -> None:
        async with asyncio.timeout(timeout_s):
            while not check(self.received):
                self._arrived.clear()
                await self._arrived.wait()

    def events(self) -> list[str]:
        return [m["event"] for m in self.received]

    async def hang_up(self) -> None:
        await self.ws.send_str(json.dumps({"event": "stop", "streamSid": self.stream_sid,
                                           "stop": {"callSid": "", "accountSid": ""}}))  # fmt: skip
        await asyncio.wait_for(self._reader, timeout=10)  # the gateway closes the socket


def _count(kind: str, n: int = 1) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda received: sum(m["event"] == kind for m in received) >= n


def _media_payloads(messages: list[dict[str, Any]]) -> list[bytes]:
    return [base64.b64decode(m["media"]["payload"]) for m in messages if m["event"] == "media"]


# --- a call, end to end --------------------------------------------------------------------------


async def test_a_caller_is_heard_and_answered_in_mu_law(make_gateway, speech_services, audio_dir):
    rasa = FakeRasa(["Your order number is 1 2 1 8 6."])
    rasa_server = TestServer(rasa.app())
    await rasa_server.start_server()
    try:
        gateway = await make_gateway(
            speech=speech_services, rasa_url=str(rasa_server.make_url("")).rstrip("/")
        )
        fake = FakeTwilio(gateway.client)
        call_sid = "CA" + "1" * 32
        stream = await fake.call(call_sid)
        assert stream.url.endswith("/twilio/media")
        assert stream.url.startswith("wss://")
        assert stream.parameters["caller"] == CALLER
        call = Call(await fake.open_stream(stream, call_sid, "MZ" + "1" * 32), "MZ" + "1" * 32)

        await call.say(ulaw_silence(0.4))
        await call.say(ulaw_speech(ORDER_QUESTION, audio_dir))
        await call.say(ulaw_silence(1.5))
        await call.until(_count("mark"))

        # Rasa got the normalised words, under an id that does not give the number away
        assert len(rasa.received) == 1
        assert "my order" in rasa.received[0]["message"].lower()
        assert "12186" in rasa.received[0]["message"]
        sender = rasa.received[0]["sender"]
        assert sender.startswith("phone-")
        assert CALLER not in json.dumps(rasa.received)
        assert rasa.received[0]["metadata"]["voice_transport"] == "phone"
        # the reply: 20 ms mu-law frames for this stream, then a mark
        assert call.events()[-1] == "mark"
        assert call.received[-1]["mark"] == {"name": "reply-1"}
        assert {m["streamSid"] for m in call.received} == {"MZ" + "1" * 32}
        payloads = _media_payloads(call.received)
        assert {len(p) for p in payloads} == {160}
        assert 1.0 < len(payloads) * 0.02 < 6.0
        # and what the caller hears is the reply: sox decodes it, whisper transcribes it
        heard = await SpeechToText(speech_services[0]).transcribe(
            pcm16k_of_ulaw(b"".join(payloads), audio_dir)
        )
        assert "12186" in normalise(heard)

        await call.hang_up()
        assert call.ws.closed
        assert len(gateway.app[SESSIONS]) == 0
    finally:
        await rasa_server.close()


async def test_speaking_over_the_reply_clears_twilios_audio(
    make_gateway, speech_services, audio_dir
):
    long_reply = (
        "We have three rain jackets in stock today. The Nordpeak Rain Jacket costs eighty "
        "nine euros. The Coastline Shell costs one hundred and twenty euros. The Summit Pro "
        "costs one hundred and fifty euros."
    )
    rasa = FakeRasa([long_reply, "Okay, I stopped."])
    rasa_server = TestServer(rasa.app())
    await rasa_server.start_server()
    try:
        gateway = await make_gateway(
            speech=speech_services, rasa_url=str(rasa_server.make_url("")).rstrip("/")
        )
        fake = FakeTwilio(gateway.client)
        call_sid = "CA" + "2" * 32
        stream = await fake.call(call_sid)
        call = Call(await fake.open_stream(stream, call_sid, "MZ" + "2" * 32), "MZ" + "2" * 32)
        await call.say(ulaw_speech("do you have rain jackets", audio_dir))
        await call.say(ulaw_silence(1.5))
        await call.until(_count("media", 25))  # half a second of the reply has gone out

        await call.say(ulaw_speech("stop stop that is enough", audio_dir))
        await call.say(ulaw_silence(1.5))
        await call.until(_count("clear"))

        cleared = call.events().index("clear")
        assert call.received[cleared] == {"event": "clear", "streamSid": "MZ" + "2" * 32}
        assert "mark" not in call.events()[:cleared]  # the long reply never finished
        await call.until(_count("mark"))  # the answer to the interruption is spoken
        assert len(rasa.received) == 2
        await call.hang_up()
        assert len(gateway.app[SESSIONS]) == 0
    finally:
        await rasa_server.close()


# --- the webhook's security ----------------------------------------------------------------------


async def test_a_webhook_with_a_bad_signature_gets_403(make_gateway):
    gateway = await make_gateway()
    wrong = FakeTwilio(gateway.client, auth_token="f" * 32)

    response = await wrong.ring("CA" + "3" * 32)

    assert response.status == 403
    assert len(gateway.app[twilio.PENDING_CALLS]) == 0


async def test_a_webhook_without_a_signature_gets_403(make_gateway):
    gateway = await make_gateway()
    params = FakeTwilio(gateway.client).webhook_params("CA" + "3" * 32)

    response = await gateway.client.post("/twilio/voice", data=params)

    assert response.status == 403


async def test_a_signature_that_is_not_ascii_gets_403(make_gateway):
    gateway = await make_gateway()
    params = FakeTwilio(gateway.client).webhook_params("CA" + "3" * 32)

    response = await gateway.client.post(
        "/twilio/voice", data=params, headers={"X-Twilio-Signature": "signé"}
    )

    assert response.status == 403


async def test_parameters_changed_after_signing_get_403(make_gateway):
    gateway = await make_gateway()
    fake = FakeTwilio(gateway.client)
    params = fake.webhook_params("CA" + "3" * 32)
    signature = twilio_signature(AUTH_TOKEN, str(gateway.client.make_url("/twilio/voice")), params)

    response = await gateway.client.post(
        "/twilio/voice",
        data={**params, "From": "+15550009999"},
        headers={"X-Twilio-Signature": signature},
    )

    assert response.status == 403


async def test_the_phone_line_is_off_without_an_auth_token(make_gateway):
    gateway = await make_gateway(token="")

    webhook = await FakeTwilio(gateway.client, auth_token="").ring("CA" + "4" * 32)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await gateway.client.ws_connect("/twilio/media")

    assert webhook.status == 404
    assert refused.value.status == 404


async def test_behind_a_proxy_the_public_url_is_signed_and_streamed_to(make_gateway):
    gateway = await make_gateway(public_url="https://shop.example.com/voice")
    fake = FakeTwilio(gateway.client)

    stream = await fake.call(
        "CA" + "5" * 32, signed_url="https://shop.example.com/voice/twilio/voice"
    )
    local = await fake.ring("CA" + "6" * 32)  # signed for the URL the gateway sees locally

    assert stream.url == "wss://shop.example.com/voice/twilio/media"
    assert local.status == 403


async def test_a_url_written_with_the_default_port_is_accepted(make_gateway):
    gateway = await make_gateway(public_url="https://shop.example.com")

    response = await FakeTwilio(gateway.client).ring(
        "CA" + "5" * 32, signed_url="https://shop.example.com:443/twilio/voice"
    )

    assert response.status == 200


async def test_the_caller_cannot_inject_twiml(make_gateway):
    gateway = await make_gateway()
    caller = '"/><Hangup/><Parameter name="x" value="&amp;'

    stream = await FakeTwilio(gateway.client).call("CA" + "7" * 32, caller=caller)

    assert stream.parameters["caller"] == caller
    assert set(stream.parameters) == {"caller", "token"}


# --- which streams are accepted ------------------------------------------------------------------


async def _closed_with(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    message = await ws.receive(timeout=10)
    assert message.type == WSMsgType.CLOSE
    return ws.close_code


async def test_a_stream_for_an_unannounced_call_is_refused(make_gateway):
    gateway = await make_gateway()
    fake = FakeTwilio(gateway.client)
    invented = Stream("", {"caller": CALLER, "token": "guessed"})

    ws = await fake.open_stream(invented, "CA" + "8" * 32, "MZ" + "8" * 32)

    assert await _closed_with(ws) == 1008
    assert len(gateway.app[SESSIONS]) == 0


async def test_a_stream_with_the_wrong_token_is_refused(make_gateway):
    gateway = await make_gateway()
    fake = FakeTwilio(gateway.client)
    stream = await fake.call("CA" + "8" * 32)

    forged = Stream(stream.url, {**stream.parameters, "token": "x" + stream.parameters["token"]})
    ws = await fake.open_stream(forged, "CA" + "8" * 32, "MZ" + "8" * 32)

    assert await _closed_with(ws) == 1008


async def test_a_token_that_is_not_ascii_is_refused(make_gateway):
    gateway = await make_gateway()
    fake = FakeTwilio(gateway.client)
    stream = await fake.call("CA" + "8" * 32)

    forged = Stream(stream.url, {**stream.parameters, "token": "jeton-é"})
    ws = await fake.open_stream(forged, "CA" + "8" * 32, "MZ" + "8" * 32)

    assert await _closed_with(ws) == 1008


async def test_an_announced_call_streams_once(make_gateway):
    gateway = await make_gateway()
    fake = FakeTwilio(gateway.client)
    stream = await fake.call("CA" + "9" * 32)

    first = await fake.open_stream(stream, "CA" + "9" * 32, "MZ" + "9" * 32)
    call = Call(first, "MZ" + "9" * 32)
    await call.say(ulaw_silence(0.2))
    await asyncio.sleep(0.1)
    sessions = len(gateway.app[SESSIONS])
    again = await fake.open_stream(stream, "CA" + "9" * 32, "MZ" + "a" * 32)

    assert sessions == 1
    assert await _closed_with(again) == 1008
    await call.hang_up()
    assert len(gateway.app[SESSIONS]) == 0


async def test_a_stream_that_sends_media_before_start_is_refused(make_gateway):
    gateway = await make_gateway()

    ws = await gateway.client.ws_connect("/twilio/media")
    await ws.send_str(json.dumps({"event": "media", "media": {"payload": ""}}))

    assert await _closed_with(ws) == 1008


async def test_a_caller_who_hangs_up_frees_the_session(make_gateway):
    gateway = await make_gateway()
    fake = FakeTwilio(gateway.client)
    stream = await fake.call("CA" + "b" * 32)
    call = Call(await fake.open_stream(stream, "CA" + "b" * 32, "MZ" + "b" * 32), "MZ" + "b" * 32)
    await call.say(ulaw_silence(0.2))
    await asyncio.sleep(0.1)
    assert len(gateway.app[SESSIONS]) == 1

    await call.ws.close()  # no "stop": the socket just goes
    await asyncio.sleep(0.2)

    assert len(gateway.app[SESSIONS]) == 0


def test_an_announced_call_expires():
    now = [1000.0]
    pending = twilio.PendingCalls(ttl_s=60, clock=lambda: now[0])
    token = pending.announce("CA1")
    now[0] += 61

    assert not pending.claim("CA1", token)
    assert len(pending) == 0


def test_the_sender_id_hides_the_call_and_is_stable():
    assert twilio.sender_of("CA" + "1" * 32) == twilio.sender_of("CA" + "1" * 32)
    assert twilio.sender_of("CA" + "1" * 32) != twilio.sender_of("CA" + "2" * 32)
    assert "1111" not in twilio.sender_of("CA" + "1" * 32)
