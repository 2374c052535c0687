"""One shopper's voice conversation, whatever the transport (browser WebSocket, phone call).

Audio in goes through the VAD (voice/vad.py). When speech starts, an STT stream opens and
the audio (pre-roll first) streams into it while the shopper speaks, so the recogniser
works during the speech and little is left at the end of the turn. The turn ends after
``vad_silence_ms`` of silence, or after ``vad_early_ms`` when the STT service has already
sent the words of all the speech (its tentative pass at the pause) and they read as a
finished request (``reads_finished``; docs/voice.md, "Latency"). At the end of the turn
the stream's final text is normalised for the ear (voice/ear.py), sent to Rasa, and the
reply is spoken sentence by sentence: one task synthesises the sentences in order while
another sends the audio paced at the playback rate (a little ahead), so the first audio
goes out before the whole reply is synthesised and a barge-in stops the rest at once.

Turns are handled one at a time by a worker reading a queue; speech and typed text both
become turns. Barge-in: speech lasting ``barge_in_ms`` while the assistant speaks (or a
typed message) cancels the speaking task, clears the shopper's queued audio and sends
"barge_in"; that speech is the next utterance (its pre-roll kept).

Events sent through ``VoiceOutput.send_event`` (type -> fields):
  listening; speech_start; partial {text}; transcript {text, heard, speech_end_s (where the
  last voiced sample was, in seconds of audio fed: the benchmark's end of speech)};
  bot {messages, speech}; speaking {rate}; speaking_done; barge_in;
  voice_unavailable {message, service ("stt" | "tts")}; error {code, message}.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np

from voice.context import VoiceOutput, VoiceServices
from voice.ear import normalise
from voice.rasa_client import RasaUnavailable
from voice.speakable import speech_for
from voice.speech_clients import AudioFormat, SpeechServiceDown, SttStream
from voice.vad import StreamingVad, VadEvent

logger = logging.getLogger(__name__)

NOT_CAUGHT = "Sorry, I didn't catch that."
TOO_LONG = "That was a bit long for me; could you say it in a few words?"
RASA_DOWN = "Sorry, the shop's system is not answering right now. Please try again in a moment."
STT_DOWN = (
    "Voice input is unavailable right now: the speech recognition service is not answering. "
    "You can still type your message."
)
TTS_DOWN = (
    "Spoken replies are unavailable right now: the speech service is not answering. "
    "The answers are shown as text."
)
INTERNAL_ERROR = "Sorry, something went wrong with that message. Please try again."
MAX_TEXT_CHARS = 2000
PLAYBACK_LEAD_S = 0.6  # reply audio sent ahead of the shopper's playback
FRAME_S = 0.1  # reply audio goes out in frames of this length
_CANCEL_GRACE_S = 0.2  # a cancelled task still running after this is cancelled again

State = Literal["listening", "hearing", "thinking", "speaking"]
T = TypeVar("T")


@dataclass(eq=False)
class _Utterance:
    start_s: float  # stream position where the speech began
    chunks: asyncio.Queue[bytes | None]
    confirmed: bool  # speech_start sent; False while it may still be a barge-in
    offset_s: float = 0.0  # stream position of the first sample sent to the STT stream
    end_s: float = 0.0  # stream position of the last voiced sample (the end of speech)
    stream: SttStream | None = None  # once connected: the words heard so far
    task: asyncio.Task[str | None] = field(init=False)  # the STT stream: raw text, None: down


# A request that ends on one of these words is not finished yet ("show me the", "for my").
_DANGLING = frozenset(
    "a an and are at but by for from has have i in into is my of on or our so than that the "  # noqa: SIM905
    "their this to uh um was were what which with your".split()
)
_NUMBER_WORDS = frozenset(
    "zero oh one two three four five six seven eight nine ten eleven twelve twenty thirty "  # noqa: SIM905
    "forty fifty sixty seventy eighty ninety hundred thousand".split()
)


def reads_finished(text: str) -> bool:
    """Whether whisper's words read as a finished request, so the turn may end before the
    full end-of-turn silence: not trailing off (whisper ends with "," or "..." where it
    expects more), not ending on a word that needs more ("the", "and", "for") nor on a
    number or a single letter (order numbers and e-mails are said in pieces with pauses).
    Whisper often leaves out the final "." after a catalog prompt, so none is needed."""
    text = text.strip()
    if not text or text.endswith((",", ";", ":", "-", "...", "\u2026")):
        return False
    words = text.rstrip(".?!").split()
    if not words:
        return False
    last = words[-1].strip("\"'()[],;:").casefold()
    if not last or any(c.isdigit() for c in last) or last in _NUMBER_WORDS or len(last) == 1:
        return False
    return text.endswith("?") or last not in _DANGLING


@dataclass(frozen=True)
class _Turn:
    text: str | None = None  # typed by the shopper
    utterance: _Utterance | None = None  # spoken by the shopper
    reply: str | None = None  # answered by the gateway itself, without Rasa


@dataclass
class _Playback:
    """Where the shopper's playback is: audio sent so far against the wall clock."""

    started: float | None = None
    sent_s: float = 0.0
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)

    def ahead_s(self) -> float:
        if self.started is None:
            return 0.0
        return self.sent_s - (self.loop.time() - self.started)

    async def room(self, lead_s: float) -> None:
        ahead = self.ahead_s()
        if ahead > lead_s:
            await asyncio.sleep(ahead - lead_s)

    def add(self, seconds: float) -> None:
        if self.started is None:
            self.started = self.loop.time()
        self.sent_s += seconds


async def _cancel(*tasks: asyncio.Task[Any]) -> None:
    """Cancels the tasks and waits until they are done. On Python 3.11 ``asyncio.wait_for``
    (used by the wyoming client and the speech clients) swallows a cancellation that arrives
    as its inner operation completes (fixed in 3.12), and the task then runs on, e.g. waiting
    for audio that will never come: a task still running after a grace period is cancelled
    again, until it ends."""
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=_CANCEL_GRACE_S)


def _mono16(fmt: AudioFormat, audio: bytes) -> bytes:
    """Piper sends mono 16-bit already; anything else is brought to it."""
    if fmt.width == 2 and fmt.channels == 1:
        return audio[: len(audio) - len(audio) % 2]
    if fmt.width != 2:
        raise ValueError(f"text to speech sent {fmt.width}-byte samples; the gateway plays 16-bit")
    frames = np.frombuffer(audio[: len(audio) - len(audio) % (2 * fmt.channels)], dtype="<i2")
    return frames.reshape(-1, fmt.channels).mean(axis=1).astype("<i2").tobytes()


class VoiceSession:
    def __init__(
        self,
        services: VoiceServices,
        output: VoiceOutput,
        *,
        sender_id: str,
        metadata: dict[str, Any] | None = None,
        channel: str = "browser",
        on_close: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        settings = services.settings
        self.sender_id = sender_id
        self.channel = channel
        self._services = services
        self._output = output
        self._metadata = {**(metadata or {}), "voice_transport": channel}
        self._on_close = on_close
        self._vad = StreamingVad(
            threshold=settings.vad_threshold, silence_ms=settings.vad_silence_ms
        )
        self._barge_in_s = settings.barge_in_ms / 1000
        self._early_s = settings.vad_early_ms / 1000
        self._max_utterance_s = settings.max_utterance_s
        self._prompt = services.vocabulary.prompt() or None
        self._turns: asyncio.Queue[_Turn] = asyncio.Queue()
        self._utterance: _Utterance | None = None
        self._discarding = False  # the rest of an utterance that was cut
        self._speaking: asyncio.Task[None] | None = None
        self._busy = False  # the worker is on a turn
        self._down: set[str] = set()  # speech services the shopper was told are down
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        self._closing: asyncio.Task[None] | None = None
        self._loop = asyncio.get_running_loop()
        self._last_activity = self._loop.time()
        self._spawn(self._work())
        self._spawn(self._watch_idle())

    # ------------------------------------------------------------------ the transport's side
    @property
    def state(self) -> State:
        if self._speaking is not None and not self._speaking.done():
            return "speaking"
        if self._utterance is not None and self._utterance.confirmed:
            return "hearing"
        return "thinking" if self._busy else "listening"

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def running_tasks(self) -> int:
        """Tasks of this session not finished yet (0 once closed)."""
        return sum(not task.done() for task in self._tasks)

    async def feed_audio(self, pcm16_16k: bytes) -> None:
        """16 kHz mono PCM16, any chunk size (an even number of bytes)."""
        if self._closed:
            return
        self._touch()
        for event in self._vad.feed(pcm16_16k):
            if event.kind == "start":
                await self._speech_started(event)
            elif event.kind == "audio":
                await self._speech_continues(event)
            else:
                await self._speech_ended(event)
        await self._end_early()

    async def end_audio(self) -> None:
        """The audio stream stopped (mic off, push-to-talk released): speech in progress
        ends the turn now instead of waiting for silence that will not come."""
        if self._closed or not self._vad.in_speech:
            return
        end = VadEvent("end", self._vad.last_voiced_s)
        self._vad.reset()
        await self._speech_ended(end)

    async def send_text(self, text: str) -> None:
        """A typed message: the same dialogue; it interrupts the assistant like a barge-in."""
        if self._closed:
            return
        self._touch()
        text = text.strip()[:MAX_TEXT_CHARS]
        if not text:
            return
        interrupting = self.state == "speaking"
        # queued before the barge-in: the worker, freed by it, takes this turn at once
        # instead of announcing "listening" in between
        self._turns.put_nowait(_Turn(text=text))
        if interrupting:
            await self._barge_in()

    async def close(self) -> None:
        """Cancels every task (STT streams and TTS synthesis close with them) and returns
        when they are done; idempotent. The closing runs in a task of its own, so it
        completes even if the caller is cancelled meanwhile (aiohttp may cancel the handler
        of a client that went away)."""
        if self._closing is None:
            self._closed = True
            self._closing = self._loop.create_task(self._shut_down(asyncio.current_task()))
        await asyncio.shield(self._closing)

    async def _shut_down(self, caller: asyncio.Task[Any] | None) -> None:
        while others := [t for t in self._tasks if t is not caller and not t.done()]:
            await _cancel(*others)
        self._utterance = None

    # ------------------------------------------------------------------ hearing
    async def _speech_started(self, event: VadEvent) -> None:
        chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        chunks.put_nowait(event.audio)
        confirmed = self.state != "speaking"
        utterance = _Utterance(event.at_s, chunks, confirmed, offset_s=event.from_s)
        utterance.task = self._spawn(self._transcribe(utterance))
        self._utterance = utterance
        if confirmed:
            await self._emit({"type": "speech_start"})

    async def _speech_continues(self, event: VadEvent) -> None:
        utterance = self._utterance
        if utterance is None or self._discarding:
            return
        if not utterance.task.done():
            utterance.chunks.put_nowait(event.audio)
        length = event.at_s - utterance.start_s
        if not utterance.confirmed and length >= self._barge_in_s:
            await self._confirm_barge_in(utterance)
        if length > self._max_utterance_s:
            # cut: the rest of this speech is ignored until the VAD hears the turn end
            self._utterance = None
            self._discarding = True
            await self._drop(utterance)
            self._turns.put_nowait(_Turn(reply=TOO_LONG))

    async def _speech_ended(self, event: VadEvent) -> None:
        utterance, self._utterance = self._utterance, None
        if self._discarding:
            self._discarding = False
            return
        if utterance is None:
            return
        if not utterance.confirmed:
            if self.state == "speaking" and event.at_s - utterance.start_s < self._barge_in_s:
                await self._drop(utterance)  # too short to interrupt: a cough, an echo
                return
            await self._confirm_barge_in(utterance)
        utterance.end_s = event.at_s
        utterance.chunks.put_nowait(None)
        self._turns.put_nowait(_Turn(utterance=utterance))

    async def _confirm_barge_in(self, utterance: _Utterance) -> None:
        utterance.confirmed = True
        if self.state == "speaking":
            await self._barge_in()
        await self._emit({"type": "speech_start"})

    async def _barge_in(self) -> None:
        speaking = self._speaking
        if speaking is not None:
            await _cancel(speaking)
        await self._output.clear_audio()
        await self._emit({"type": "barge_in"})

    async def _drop(self, utterance: _Utterance) -> None:
        """Drops an utterance without holding up the audio: cancelled in the background."""
        self._spawn(_cancel(utterance.task))

    async def _end_early(self) -> None:
        """Ends the turn after ``vad_early_ms`` of silence instead of ``vad_silence_ms`` when
        the speech to text service has already sent the words of all the speech (its
        tentative pass at the pause) and they read as a finished request."""
        utterance = self._utterance
        if (
            not self._early_s
            or utterance is None
            or utterance.stream is None
            or not utterance.confirmed
            or self._discarding
            or self._vad.quiet_s < self._early_s
        ):
            return
        stream = utterance.stream
        if stream.heard_until_s < self._vad.last_voiced_s - utterance.offset_s:
            return  # the words heard so far stop before the last voiced sample
        if not reads_finished(stream.heard_text):
            return
        event = self._vad.end_now()
        if event is not None:
            logger.debug(
                "voice session %s: turn ended after %.0f ms of silence: %r",
                self.sender_id,
                1000 * (self._vad.position_s - event.at_s),
                stream.heard_text,
            )
            await self._speech_ended(event)

    async def _transcribe(self, utterance: _Utterance) -> str | None:
        chunks = utterance.chunks
        try:
            async with self._services.stt.stream(
                prompt=self._prompt, on_partial=self._partial
            ) as stream:
                utterance.stream = stream
                while (chunk := await chunks.get()) is not None:
                    await stream.feed(chunk)
                text = await stream.finish()
        except SpeechServiceDown as exc:
            await self._service_down("stt", exc)
            return None
        self._down.discard("stt")
        return text

    async def _partial(self, text: str) -> None:
        if text.strip():
            await self._emit({"type": "partial", "text": text.strip()})

    # ------------------------------------------------------------------ turns
    async def _work(self) -> None:
        await self._emit({"type": "listening"})
        while True:
            turn = await self._turns.get()
            self._busy = True
            try:
                await self._take(turn)
            except Exception:  # the session outlives one broken turn; logged in full here
                logger.exception("voice turn of %s failed", self.sender_id)
                await self._emit(
                    {
                        "type": "error",
                        "code": "internal",
                        "message": INTERNAL_ERROR,
                    }
                )
            finally:
                self._busy = False
            if self._turns.empty() and self.state == "listening":
                await self._emit({"type": "listening"})

    async def _take(self, turn: _Turn) -> None:
        if turn.reply is not None:
            await self._reply([{"recipient_id": self.sender_id, "text": turn.reply}])
            return
        if turn.utterance is not None:
            heard = await turn.utterance.task
            if heard is None:
                return  # speech to text is down; the shopper was told
            text = normalise(heard, self._services.vocabulary).strip()
            if not text:
                await self._reply([{"recipient_id": self.sender_id, "text": NOT_CAUGHT}])
                return
            await self._emit(
                {
                    "type": "transcript",
                    "text": text,
                    "heard": heard,
                    "speech_end_s": round(turn.utterance.end_s, 3),
                }
            )
        else:
            assert turn.text is not None
            text = turn.text
        try:
            messages = await self._services.rasa.send(self.sender_id, text, self._metadata)
        except RasaUnavailable as exc:
            logger.warning("%s", exc)
            messages = [{"recipient_id": self.sender_id, "text": RASA_DOWN}]
        await self._reply(messages)

    async def _reply(self, messages: list[dict[str, Any]]) -> None:
        speech = speech_for(messages)
        await self._emit({"type": "bot", "messages": messages, "speech": speech})
        if not speech or (self._utterance is not None and self._utterance.confirmed):
            return  # nothing to say, or the shopper is talking: the text is enough
        speaking = self._spawn(self._play(speech))
        self._speaking = speaking
        await asyncio.wait({speaking})
        if speaking.cancelled():
            return  # barge-in
        failure = speaking.exception()
        if isinstance(failure, SpeechServiceDown):
            await self._service_down("tts", failure)
        elif failure is not None:
            raise failure
        else:
            self._down.discard("tts")

    # ------------------------------------------------------------------ speaking
    async def _play(self, sentences: list[str]) -> None:
        audio: asyncio.Queue[tuple[int, bytes] | SpeechServiceDown | None] = asyncio.Queue()
        synthesis = self._spawn(self._synthesise(sentences, audio))
        try:
            playback = _Playback()
            rate = 0
            while (item := await audio.get()) is not None:
                if isinstance(item, SpeechServiceDown):
                    raise item
                item_rate, pcm = item
                if item_rate != rate:
                    rate = item_rate
                    await self._emit({"type": "speaking", "rate": rate})
                step = max(2, int(rate * FRAME_S) * 2)
                for offset in range(0, len(pcm), step):
                    frame = pcm[offset : offset + step]
                    await playback.room(PLAYBACK_LEAD_S)
                    await self._output.send_audio(frame, rate)
                    playback.add(len(frame) / 2 / rate)
            await asyncio.sleep(max(0.0, playback.ahead_s()))  # until the shopper heard it
            await self._emit({"type": "speaking_done"})
        finally:
            # not awaited: _play stops at once; a synthesis that outlives its cancel ends
            # with its reply (nobody reads it) or with the session's close()
            synthesis.cancel()

    async def _synthesise(
        self,
        sentences: list[str],
        audio: asyncio.Queue[tuple[int, bytes] | SpeechServiceDown | None],
    ) -> None:
        """Sentence n+1 is synthesised while sentence n plays: this runs ahead of _play."""
        try:
            for sentence in sentences:
                chunks = self._services.tts.synthesize(sentence)
                try:
                    async for fmt, chunk in chunks:
                        pcm = _mono16(fmt, chunk)
                        if pcm:
                            audio.put_nowait((fmt.rate, pcm))
                finally:
                    aclose = getattr(chunks, "aclose", None)
                    if aclose is not None:
                        await aclose()
        except SpeechServiceDown as exc:
            audio.put_nowait(exc)
            return
        audio.put_nowait(None)

    # ------------------------------------------------------------------ plumbing
    async def _service_down(self, service: str, exc: SpeechServiceDown) -> None:
        logger.warning("voice session %s: %s", self.sender_id, exc)
        if service in self._down:
            return  # told once per outage, not per chunk or per turn
        self._down.add(service)
        message = STT_DOWN if service == "stt" else TTS_DOWN
        await self._emit({"type": "voice_unavailable", "service": service, "message": message})

    async def _watch_idle(self) -> None:
        idle_s = self._services.settings.idle_timeout_s
        while True:
            left = self._last_activity + idle_s - self._loop.time()
            if left <= 0:
                if self._busy or self._utterance is not None:
                    self._touch()  # a turn in progress is activity
                    continue
                break
            await asyncio.sleep(left)
        await self._emit(
            {
                "type": "error",
                "code": "idle_timeout",
                "message": f"The voice session ended after {idle_s:g} s without audio or messages.",
            }
        )
        await self.close()
        if self._on_close is not None:
            await self._on_close()

    async def _emit(self, event: dict[str, Any]) -> None:
        if not self._closed:
            await self._output.send_event(event)

    def _touch(self) -> None:
        self._last_activity = self._loop.time()

    def _spawn(self, coroutine: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = self._loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
