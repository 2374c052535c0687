"""The plain HTTP API of the voice gateway (docs/voice-api.md): a recording in, its transcript
out; text in, speech out. For integrations that do not stream (a voicemail, an IVR that
records first, a test), using the same speech services and ear as the live sessions.

    POST /v1/transcribe   body: a WAV file (16-bit PCM, 8-48 kHz, mono or stereo, <= 60 s)
                          -> 200 {"text": <whisper's words>, "normalised": <for the shop>}
    POST /v1/speak        body: {"text": "..."} (1..1000 characters)
                          -> 200 audio/wav (mono 16-bit, the voice's rate: 22,050 Hz for Piper)

Errors are JSON {"error": "<what to do>"}: 400 for audio or JSON we cannot use, 413 for a
body or recording over the limits, 503 when the speech service is down. Bodies are read with
our own limit (not aiohttp's client_max_size), so an oversized upload is refused as soon as
its size is known rather than buffered.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from voice.audio import AudioError, AudioTooLong, read_wav, resample, to_mono, wav_bytes
from voice.context import SERVICES
from voice.ear import normalise
from voice.speech_clients import SpeechServiceDown

logger = logging.getLogger(__name__)

MAX_SECONDS = 60.0
# the largest 60 s WAV we accept (48 kHz stereo 16-bit) and room for header chunks
MAX_WAV_BYTES = int(MAX_SECONDS * 48000 * 2 * 2) + 256 * 1024
MAX_JSON_BYTES = 64 * 1024
MAX_TEXT_CHARS = 1000
STT_RATE = 16000


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit} bytes")
        self.limit = limit


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/transcribe", transcribe)
    app.router.add_post("/v1/speak", speak)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(limit)
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(limit)
    return bytes(body)


def _speech_pcm(wav: bytes) -> bytes:
    """A WAV upload -> 16 kHz mono PCM16 for the recogniser (CPU work: run in a thread)."""
    audio = read_wav(wav, max_seconds=MAX_SECONDS)
    return resample(audio.pcm16, audio.rate, STT_RATE)


async def transcribe(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        body = await _read_body(request, MAX_WAV_BYTES)
        pcm = await asyncio.to_thread(_speech_pcm, body)
    except BodyTooLarge as exc:
        return _error(
            413,
            f"The upload is larger than {exc.limit / 1_000_000:.1f} MB; send at most "
            f"{MAX_SECONDS:g} s of 16-bit PCM WAV.",
        )
    except AudioTooLong as exc:
        return _error(413, exc.message)
    except AudioError as exc:
        return _error(400, exc.message)
    try:
        text = await services.stt.transcribe(
            pcm, rate=STT_RATE, prompt=services.vocabulary.prompt()
        )
    except SpeechServiceDown as exc:
        logger.warning("transcribe: %s", exc)
        return _error(503, "speech to text is unavailable")
    return web.json_response({"text": text, "normalised": normalise(text, services.vocabulary)})


def _text_of(body: bytes) -> str:
    """The "text" of a /v1/speak body; ValueError with a message for the sender."""
    try:
        payload: Any = json.loads(body)
    except ValueError as exc:
        raise ValueError(
            'The body is not JSON: send {"text": "what to say"} with Content-Type application/json.'
        ) from exc
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str):
        raise ValueError('Send a JSON object with a "text" string: {"text": "what to say"}.')
    text = text.strip()
    if not text:
        raise ValueError('"text" is empty: there is nothing to say.')
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(
            f'"text" has {len(text)} characters; the limit is {MAX_TEXT_CHARS}. '
            "Split it into several requests."
        )
    return text


async def speak(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        text = _text_of(await _read_body(request, MAX_JSON_BYTES))
    except BodyTooLarge as exc:
        return _error(413, f"The request body is larger than {exc.limit} bytes.")
    except ValueError as exc:
        return _error(400, str(exc))
    pcm = bytearray()
    rate = 0
    try:
        async for audio_format, chunk in services.tts.synthesize(text):
            if audio_format.width != 2:
                logger.error("speak: the TTS service sent %d-byte samples", audio_format.width)
                return _error(503, "text to speech sent audio this gateway cannot read")
            chunk = to_mono(chunk, audio_format.channels)
            if not rate:
                rate = audio_format.rate
            elif audio_format.rate != rate:  # never seen with Piper: the first rate is kept
                chunk = await asyncio.to_thread(resample, chunk, audio_format.rate, rate)
            pcm += chunk
    except SpeechServiceDown as exc:
        logger.warning("speak: %s", exc)
        return _error(503, "text to speech is unavailable")
    if not pcm:
        return _error(400, "This text gives no speech: send words to say.")
    return web.Response(body=wav_bytes(bytes(pcm), rate), content_type="audio/wav")
