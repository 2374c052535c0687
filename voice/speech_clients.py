"""Clients of the speech services, spoken to over the Wyoming protocol (any Wyoming ASR or TTS
server works: ours in voice/stt_service.py and wyoming-piper by default).

Every network or protocol failure (refused, reset, timeout, garbage, an ``error`` event)
becomes ``SpeechServiceDown``, so the gateway can fall back to text with one ``except``.

Speech to text, one utterance at a time::

    async with stt.stream(on_partial=show) as utterance:   # connects (or SpeechServiceDown)
        await utterance.feed(pcm16)                          # as the shopper speaks
        text = await utterance.finish()                      # audio-stop -> final transcript

Text to speech yields audio as the server sends it (wyoming-piper synthesises sentence by
sentence, so the first sentence plays while the next is made); close the iterator early
(``contextlib.aclosing``) to stop a reply on barge-in: that closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import warnings
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

# wyoming.audio imports the standard library's audioop, deprecated since Python 3.11 (wyoming
# carries its own copy for 3.13, where audioop is gone): a warning we cannot fix, and one that
# test runs with warnings as errors would turn into an ImportError of wyoming.audio.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import audioop  # noqa: F401

from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize, SynthesizeVoice

_LOGGER = logging.getLogger(__name__)

STT = "speech to text"
TTS = "text to speech"
# what a broken connection or a peer speaking something else than Wyoming raises
_NETWORK_ERRORS = (OSError, EOFError, TimeoutError, ValueError, KeyError, TypeError)
_CONNECT_TIMEOUT_S = 5.0
_IS_UP_TIMEOUT_S = 2.0
_SEND_CHUNK_BYTES = 32000  # 1 s of 16 kHz 16-bit mono per audio-chunk in one-shot requests
# Our stt service's extensions of Wyoming ASR (other servers send neither; other clients
# ignore them): "end_s" in a transcript-chunk (seconds of the stream's audio the words
# cover), and this event, {"text", "end_s"}, sent to a client that asks for it ("tentative"
# in the transcribe context): the words of the tail up to a pause that has begun, as if the
# pause were the end (dropped when the shopper goes on).
TRANSCRIPT_TENTATIVE = "transcript-tentative"


@dataclass(frozen=True)
class AudioFormat:
    rate: int
    width: int = 2  # bytes per sample
    channels: int = 1


class SpeechServiceDown(Exception):
    """A speech service cannot be reached or broke the protocol."""

    def __init__(self, service: str, uri: str, reason: str) -> None:
        super().__init__(f"The {service} service at {uri} is unavailable: {reason}")
        self.service = service
        self.uri = uri
        self.reason = reason


def _reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is the service running?)"
    text = str(error) or "no details"
    return f"{type(error).__name__}: {text}"


class _Connection:
    """One Wyoming connection whose failures all become SpeechServiceDown."""

    def __init__(self, service: str, uri: str, timeout_s: float) -> None:
        self.service = service
        self.uri = uri
        self.timeout_s = timeout_s
        self._client: AsyncClient | None = None

    def down(self, reason: str) -> SpeechServiceDown:
        return SpeechServiceDown(self.service, self.uri, reason)

    async def open(self) -> None:
        try:
            client = AsyncClient.from_uri(
                self.uri,
                connect_timeout=min(_CONNECT_TIMEOUT_S, self.timeout_s),
                read_timeout=self.timeout_s,
            )
            await client.connect()
        except _NETWORK_ERRORS as error:
            raise self.down(_reason(error)) from error
        self._client = client

    async def write(self, event: Event) -> None:
        if self._client is None:
            raise self.down("not connected")
        try:
            await asyncio.wait_for(self._client.write_event(event), timeout=self.timeout_s)
        except _NETWORK_ERRORS as error:
            raise self.down(_reason(error)) from error

    async def read(self) -> Event:
        if self._client is None:
            raise self.down("not connected")
        try:
            event = await self._client.read_event()
        except _NETWORK_ERRORS as error:
            raise self.down(_reason(error)) from error
        if event is None:
            # (wyoming's reader also ends here on a line that is not Wyoming's JSON)
            raise self.down("the service closed the connection or spoke another protocol")
        if Error.is_type(event.type):
            failure = Error.from_event(event)
            raise self.down(f"the service answered with an error: {failure.text} ({failure.code})")
        return event

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(*_NETWORK_ERRORS):
                await asyncio.wait_for(client.disconnect(), timeout=1.0)


async def _describe(service: str, uri: str) -> Info | None:
    connection = _Connection(service, uri, _IS_UP_TIMEOUT_S)
    try:
        async with asyncio.timeout(_IS_UP_TIMEOUT_S):
            await connection.open()
            await connection.write(Describe().event())
            while True:
                event = await connection.read()
                if Info.is_type(event.type):
                    return Info.from_event(event)
    except (SpeechServiceDown, TimeoutError):
        return None
    finally:
        await connection.close()


# -- speech to text ------------------------------------------------------------------------


class SpeechToText:
    """A Wyoming ASR client. The prompt (catalog words that bias the recogniser) travels in
    the ``transcribe`` event's context as {"prompt": ...}."""

    def __init__(self, uri: str, *, language: str = "en", timeout_s: float = 30.0) -> None:
        self.uri = uri
        self.language = language
        self.timeout_s = timeout_s

    def _transcribe_event(self, prompt: str | None, *, partials: bool) -> Event:
        # "partials": our server's extension (other servers ignore it): False for a whole
        # recording sent at once, which is best transcribed in one pass; "tentative": send
        # the transcript-tentative events of a stream (TRANSCRIPT_TENTATIVE)
        context: dict[str, Any] = {"partials": partials, "tentative": partials}
        if prompt:
            context["prompt"] = prompt
        return Transcribe(language=self.language, context=context).event()

    async def transcribe(
        self, pcm16: bytes, *, rate: int = 16000, prompt: str | None = None
    ) -> str:
        """The transcript of a whole recording (mono 16-bit PCM at ``rate``)."""
        connection = _Connection(STT, self.uri, self.timeout_s)
        try:
            await connection.open()
            await connection.write(self._transcribe_event(prompt, partials=False))
            await connection.write(AudioStart(rate=rate, width=2, channels=1).event())
            for offset in range(0, len(pcm16), _SEND_CHUNK_BYTES):
                chunk = pcm16[offset : offset + _SEND_CHUNK_BYTES]
                await connection.write(
                    AudioChunk(rate=rate, width=2, channels=1, audio=chunk).event()
                )
            await connection.write(AudioStop().event())
            while True:
                event = await connection.read()
                if Transcript.is_type(event.type):
                    return Transcript.from_event(event).text.strip()
        finally:
            await connection.close()

    def stream(
        self,
        *,
        rate: int = 16000,
        prompt: str | None = None,
        on_partial: Callable[[str], Awaitable[None]] | None = None,
    ) -> SttStream:
        """One utterance streamed while the shopper speaks (use with ``async with``)."""
        return SttStream(self, rate=rate, prompt=prompt, on_partial=on_partial)

    async def is_up(self) -> bool:
        """True when the service answers ``describe`` with an ASR program within 2 s."""
        info = await _describe(STT, self.uri)
        return info is not None and bool(info.asr)


def _seconds(event: Event, default: float) -> float:
    value = (event.data or {}).get("end_s")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


class SttStream:
    """One utterance streamed to a Wyoming ASR server.

    ``on_partial`` receives the text heard so far (the joined ``transcript-chunk`` texts,
    each chunk being a finished stretch of speech) while audio still flows; ``finish`` sends
    audio-stop and returns the final transcript."""

    def __init__(
        self,
        stt: SpeechToText,
        *,
        rate: int,
        prompt: str | None,
        on_partial: Callable[[str], Awaitable[None]] | None,
    ) -> None:
        self._stt = stt
        self._rate = rate
        self._prompt = prompt
        self._on_partial = on_partial
        self._connection = _Connection(STT, stt.uri, stt.timeout_s)
        self._connected = False
        self._started = False
        self._closed = False
        self._reader: asyncio.Task[str] | None = None
        self._chunks: list[str] = []
        self._chunks_until_s = 0.0  # the stream's audio the chunks cover (when told)
        self._tentative: tuple[str, float] | None = None

    async def __aenter__(self) -> SttStream:
        await self._connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.cancel()

    @property
    def partial_text(self) -> str:
        """The text of the stretches transcribed so far."""
        return " ".join(self._chunks)

    @property
    def heard_until_s(self) -> float:
        """How much of the stream's audio (seconds from its start) ``heard_text`` covers, as
        the server says (0 from servers that do not say)."""
        if self._tentative is not None:
            return max(self._chunks_until_s, self._tentative[1])
        return self._chunks_until_s

    @property
    def heard_text(self) -> str:
        """The words so far: the transcribed stretches, then the server's tentative words of
        the tail when they reach further."""
        if self._tentative is not None and self._tentative[1] > self._chunks_until_s:
            return " ".join([*self._chunks, self._tentative[0]]).strip()
        return self.partial_text

    async def _connect(self) -> None:
        if self._closed:
            raise SpeechServiceDown(STT, self._stt.uri, "this utterance was already closed")
        if self._connected:
            return
        self._connected = True
        await self._connection.open()
        await self._connection.write(self._stt._transcribe_event(self._prompt, partials=True))
        self._reader = asyncio.create_task(self._read(), name="stt stream reader")

    async def _read(self) -> str:
        while True:
            event = await self._connection.read()
            if TranscriptChunk.is_type(event.type):
                text = TranscriptChunk.from_event(event).text.strip()
                self._chunks_until_s = _seconds(event, self._chunks_until_s)
                if text:
                    self._chunks.append(text)
                    if self._on_partial is not None:
                        await self._on_partial(self.partial_text)
            elif event.type == TRANSCRIPT_TENTATIVE:
                text = str((event.data or {}).get("text") or "").strip()
                self._tentative = (text, _seconds(event, 0.0))
            elif Transcript.is_type(event.type):
                return Transcript.from_event(event).text.strip()
            elif TranscriptStart.is_type(event.type):
                self._chunks.clear()

    def _check_reader(self) -> None:
        """Raise the reader's failure (the service went away) while audio is still fed."""
        if self._reader is not None and self._reader.done():
            error = self._reader.exception()
            if error is not None:
                raise error
            raise SpeechServiceDown(STT, self._stt.uri, "answered before the audio ended")

    async def feed(self, pcm16: bytes) -> None:
        """Send audio (mono 16-bit PCM at the stream's rate); audio-start goes with the first."""
        await self._connect()
        self._check_reader()
        if not self._started:
            self._started = True
            await self._connection.write(AudioStart(rate=self._rate, width=2, channels=1).event())
        if pcm16:
            await self._connection.write(
                AudioChunk(rate=self._rate, width=2, channels=1, audio=pcm16).event()
            )

    async def finish(self) -> str:
        """audio-stop, then the final transcript ("" when no audio was fed)."""
        try:
            if not self._started:
                return ""
            self._check_reader()
            await self._connection.write(AudioStop().event())
            assert self._reader is not None
            try:
                return await asyncio.wait_for(
                    asyncio.shield(self._reader), timeout=self._stt.timeout_s
                )
            except TimeoutError as error:
                raise SpeechServiceDown(STT, self._stt.uri, _reason(error)) from error
        finally:
            await self.cancel()

    async def cancel(self) -> None:
        """Drop the utterance and close the connection (idempotent)."""
        self._closed = True
        reader, self._reader = self._reader, None
        if reader is not None and not reader.done():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, SpeechServiceDown):
                await reader
        elif reader is not None and not reader.cancelled():
            reader.exception()  # retrieved: a failure after the end is not worth a warning
        await self._connection.close()


# -- text to speech ------------------------------------------------------------------------


class TextToSpeech:
    """A Wyoming TTS client; ``voice`` None means the server's default voice."""

    def __init__(self, uri: str, *, voice: str | None = None, timeout_s: float = 30.0) -> None:
        self.uri = uri
        self.voice = voice
        self.timeout_s = timeout_s

    async def synthesize(self, text: str) -> AsyncIterator[tuple[AudioFormat, bytes]]:
        """(format, PCM) chunks as the server sends them; nothing for blank text."""
        if not text.strip():
            return
        connection = _Connection(TTS, self.uri, self.timeout_s)
        try:
            await connection.open()
            voice = SynthesizeVoice(name=self.voice) if self.voice else None
            await connection.write(Synthesize(text=text, voice=voice).event())
            while True:
                event = await connection.read()
                if AudioChunk.is_type(event.type):
                    chunk = AudioChunk.from_event(event)
                    if chunk.audio:
                        yield AudioFormat(chunk.rate, chunk.width, chunk.channels), chunk.audio
                elif AudioStop.is_type(event.type):
                    return
        finally:
            await connection.close()

    async def wav(self, text: str) -> bytes:
        """The whole reply as a WAV file (22,050 Hz mono 16-bit with the default voice)."""
        audio = bytearray()
        audio_format: AudioFormat | None = None
        async for chunk_format, pcm in self.synthesize(text):
            audio_format = audio_format or chunk_format
            audio += pcm
        audio_format = audio_format or AudioFormat(22050)
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(audio_format.channels)
            wav.setsampwidth(audio_format.width)
            wav.setframerate(audio_format.rate)
            wav.writeframes(bytes(audio))
        return buffer.getvalue()

    async def is_up(self) -> bool:
        """True when the service answers ``describe`` with a TTS program within 2 s."""
        info = await _describe(TTS, self.uri)
        return info is not None and bool(info.tts)
