"""Our speech-to-text service: a Wyoming ASR server over faster-whisper.

    python -m voice.stt_service [--uri tcp://127.0.0.1:10300] [--model base]

Defaults come from VoiceSettings.from_env(); the model is resolved by voice.models (``base``
and ``tiny.en`` from packages, any other faster-whisper name from its hub, or a folder).

Protocol (Wyoming ASR): ``transcribe`` (language, context {"prompt": ..., "partials": bool}),
``audio-start``, ``audio-chunk``..., ``audio-stop`` -> ``transcript``. While audio streams in,
finished stretches of speech are transcribed in the background (voice/stt_engine.py) and
each is sent as a ``transcript-chunk`` (after a ``transcript-start``; ``transcript-stop``
follows the final ``transcript``, as the protocol asks). Our extensions: each
``transcript-chunk`` carries ``end_s`` (the seconds of the stream's audio its words cover),
and for a client that asks with {"tentative": true} in the context, when a pause of
``--tentative-pause-s`` begins, the whole tail so far is transcribed as if the pause were the
end and sent as ``transcript-tentative`` {text, end_s};
if the stream ends (or the stretch is cut) with nothing said since, those words are the
answer without another whisper pass; if the shopper goes on, they are dropped. A client that
sends a whole recording at once says ``"partials": false`` and the recording is transcribed
in one pass.
Audio in another format is converted to 16 kHz mono 16-bit; audio beyond
``--max-utterance-s`` is dropped (and logged); an utterance without speech gets an empty
transcript without running whisper.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from voice.speech_clients import TRANSCRIPT_TENTATIVE
from voice.stt_engine import (
    RATE,
    STRETCH_MIN_SPEECH_S,
    TENTATIVE_PAUSE_S,
    WIDTH,
    StretchFinder,
    WhisperEngine,
)

with warnings.catch_warnings():  # see voice/speech_clients.py: audioop in wyoming.audio
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from wyoming.audio import AudioChunk, AudioChunkConverter, AudioStart, AudioStop

from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import AsrModel, AsrProgram, Attribution, Describe, Info
from wyoming.server import AsyncEventHandler, AsyncServer

_LOGGER = logging.getLogger("voice.stt_service")

# a client that went away while we answer (reset, broken pipe)
_CLIENT_GONE = (ConnectionError,)


@dataclass(frozen=True)
class _Job:
    """Work for the background whisper pass of one utterance: a finished stretch ("stretch"),
    the tail up to a pause that may still be the end ("tentative"), or the end ("stop")."""

    kind: str
    start: int = 0
    end: int = 0
    speech_end: int = 0  # the finder's last speech when the job was made


@dataclass(frozen=True)
class _Heard:
    start: int
    end: int
    speech_end: int
    text: str


_STOP = _Job("stop")


def service_info(model_name: str, *, languages: Sequence[str]) -> Info:
    attribution = Attribution(
        name="OpenAI, SYSTRAN", url="https://github.com/SYSTRAN/faster-whisper"
    )
    return Info(
        asr=[
            AsrProgram(
                name="shop-faster-whisper",
                description="faster-whisper with partial transcription at pauses",
                attribution=attribution,
                installed=True,
                version=None,
                supports_transcript_streaming=True,
                models=[
                    AsrModel(
                        name=model_name,
                        description=f"whisper {model_name}",
                        attribution=attribution,
                        installed=True,
                        version=None,
                        languages=list(languages),
                    )
                ],
            )
        ]
    )


class WhisperEventHandler(AsyncEventHandler):
    """One client connection; the utterance state is reset in ``_reset`` only."""

    def __init__(
        self,
        engine: WhisperEngine,
        info: Info,
        max_utterance_s: float,
        vad_threshold: float,
        stretch_min_speech_s: float,
        tentative_pause_s: float | None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.engine = engine
        self.info = info
        self.max_bytes = int(max_utterance_s * RATE) * WIDTH
        self.vad_threshold = vad_threshold
        self.stretch_min_speech_s = stretch_min_speech_s
        self.tentative_pause_s = tentative_pause_s
        self._reset(Transcribe())

    def _reset(self, request: Transcribe) -> None:
        context = request.context if isinstance(request.context, dict) else {}
        prompt = context.get("prompt")
        self.prompt = prompt.strip() if isinstance(prompt, str) else ""
        self.partials = context.get("partials", True) is not False
        # our extension, for clients that ask: transcript-tentative events (module docstring)
        self.tentatives = self.partials and context.get("tentative") is True
        self.language = request.language or None
        self.audio = bytearray()
        self.converter = AudioChunkConverter(rate=RATE, width=WIDTH, channels=1)
        self.finder = StretchFinder(
            threshold=self.vad_threshold,
            min_speech_s=self.stretch_min_speech_s if self.partials else float("inf"),
            tentative_pause_s=self.tentative_pause_s if self.tentatives else None,
        )
        self.texts: list[str] = []
        self.stream_started = False
        self.too_long_logged = False
        self.received_s = 0.0
        self.passes = 0
        self.tentative: _Heard | None = None  # the last tentative pass's words
        self.queue: asyncio.Queue[_Job] = asyncio.Queue()
        self.worker: asyncio.Task[None] | None = None

    def _prompt_with(self, texts: Sequence[str]) -> str | None:
        return " ".join([self.prompt, *texts]).strip() or None

    async def handle_event(self, event: Event) -> bool:
        try:
            return await self._handle(event)
        except _CLIENT_GONE:
            return False
        except Exception as error:
            # a bug or a whisper failure: logged in full, told to the client, connection closed
            _LOGGER.exception("Failed on a %s event", event.type)
            with contextlib.suppress(*_CLIENT_GONE):
                await self.write_event(Error(text=str(error), code=type(error).__name__).event())
            return False

    async def _handle(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.write_event(self.info.event())
            return True
        if Transcribe.is_type(event.type):
            self._cancel_worker()
            self._reset(Transcribe.from_event(event))
            return True
        if AudioStart.is_type(event.type):
            return True
        if AudioChunk.is_type(event.type):
            self._add_audio(self.converter.convert(AudioChunk.from_event(event)))
            return True
        if AudioStop.is_type(event.type):
            await self._answer()
            return True
        return True

    def _add_audio(self, chunk: AudioChunk) -> None:
        self.received_s += len(chunk.audio) / (RATE * WIDTH)
        room = self.max_bytes - len(self.audio)
        audio = chunk.audio[: max(room, 0)]
        if len(audio) < len(chunk.audio) and not self.too_long_logged:
            self.too_long_logged = True
            _LOGGER.warning(
                "Utterance longer than %.0f s: the audio after that is not transcribed",
                self.max_bytes / (RATE * WIDTH),
            )
        if not audio:
            return
        self.audio += audio
        jobs = [
            _Job("stretch", start, end, self.finder.speech_end)
            for start, end in self.finder.feed(audio)
        ]
        tentative = self.finder.take_tentative()
        if tentative is not None:
            jobs.append(_Job("tentative", *tentative, self.finder.speech_end))
        for job in jobs:
            if self.worker is None:
                self.worker = asyncio.create_task(self._transcribe_stretches(), name="stretches")
            self.queue.put_nowait(job)

    async def _pass(self, start: int, end: int) -> str:
        self.passes += 1
        return await self.engine.transcribe(
            bytes(self.audio[start:end]),
            language=self.language,
            prompt=self._prompt_with(self.texts),
            # a streamed utterance: the shopper waits (a whole recording: the full window)
            streamed=self.partials,
        )

    def _known(self, start: int, speech_end: int) -> str | None:
        """The words of a tentative pass over the same speech (from ``start``, nothing said
        after ``speech_end``), or None."""
        heard = self.tentative
        if heard is not None and heard.start == start and heard.speech_end == speech_end:
            return heard.text
        return None

    async def _transcribe_stretches(self) -> None:
        """Transcribe finished stretches in order while audio keeps coming; send partials.
        A tentative pass runs when a pause begins (the tail so far, as if the pause were the
        end) and is dropped when speech resumes; a stretch or the end of the stream that
        covers the same speech takes its words instead of running whisper again."""
        while True:
            job = await self.queue.get()
            if job is _STOP:
                return
            if job.kind == "tentative":
                if self.finder.speech_end != job.speech_end:
                    continue  # the shopper went on: the tail is longer now
                heard = await self._pass(job.start, job.end)
                self.tentative = _Heard(job.start, job.end, job.speech_end, heard)
                if self.finder.speech_end == job.speech_end:
                    with contextlib.suppress(*_CLIENT_GONE):
                        await self.write_event(
                            Event(
                                TRANSCRIPT_TENTATIVE,
                                {"text": heard, "end_s": round(job.end / (RATE * WIDTH), 3)},
                            )
                        )
                continue
            known = self._known(job.start, job.speech_end)
            text = known if known is not None else await self._pass(job.start, job.end)
            self.tentative = None
            if not text:
                continue
            self.texts.append(text)
            _LOGGER.debug("Partial: %r", text)
            with contextlib.suppress(*_CLIENT_GONE):
                if not self.stream_started:
                    self.stream_started = True
                    await self.write_event(TranscriptStart(language=self.language).event())
                chunk = TranscriptChunk(text=text).event()
                chunk.data["end_s"] = round(job.end / (RATE * WIDTH), 3)  # our extension
                await self.write_event(chunk)

    async def _answer(self) -> None:
        stopped_at = time.monotonic()
        if self.worker is not None:
            self.queue.put_nowait(_STOP)
            await self.worker
            self.worker = None
        tail_s = 0.0
        if self.finder.tail_has_speech:
            # a whole recording sent at once goes to whisper as it is: trimming it only
            # changes what whisper hears at the edges
            start = self.finder.tail_start() if self.partials else 0
            tail_s = (len(self.audio) - start) / (RATE * WIDTH)
            known = self._known(start, self.finder.speech_end)
            text = known if known is not None else await self._pass(start, len(self.audio))
            if text:
                self.texts.append(text)
                if self.stream_started:
                    await self.write_event(TranscriptChunk(text=text).event())
        transcript = " ".join(self.texts).strip()
        _LOGGER.info(
            "Transcript of %.1f s of audio (%d stretch(es) done while streaming, tail %.1f s, "
            "%d whisper pass(es)) %.2f s after audio-stop: %r",
            self.received_s,
            len(self.texts) - (1 if tail_s else 0),
            tail_s,
            self.passes,
            time.monotonic() - stopped_at,
            transcript,
        )
        with contextlib.suppress(*_CLIENT_GONE):  # clients may leave once they have it
            await self.write_event(Transcript(text=transcript, language=self.language).event())
            if self.stream_started:
                await self.write_event(TranscriptStop().event())
        self._reset(
            Transcribe(
                language=self.language,
                context={"prompt": self.prompt, "tentative": self.tentatives},
            )
        )

    def _cancel_worker(self) -> None:
        if self.worker is not None and not self.worker.done():
            self.worker.cancel()
        self.worker = None

    async def disconnect(self) -> None:
        self._cancel_worker()


async def serve(
    *,
    uri: str,
    engine: WhisperEngine,
    max_utterance_s: float,
    vad_threshold: float,
    stretch_min_speech_s: float = STRETCH_MIN_SPEECH_S,
    tentative_pause_s: float | None = TENTATIVE_PAUSE_S,
) -> None:
    info = service_info(engine.model_name, languages=engine.languages)
    server = AsyncServer.from_uri(uri)
    _LOGGER.info("Ready: whisper %s on %s", engine.model_name, uri)
    # AsyncServer.run stops the server and its connections on SIGTERM
    await server.run(
        partial(
            WhisperEventHandler,
            engine,
            info,
            max_utterance_s,
            vad_threshold,
            stretch_min_speech_s,
            tentative_pause_s,
        )
    )
    _LOGGER.info("Stopped")


def main(argv: Sequence[str] | None = None) -> int:
    from voice.models import ModelError, resolve_whisper
    from voice.settings import VoiceSettings

    settings = VoiceSettings.from_env()
    parser = argparse.ArgumentParser(prog="python -m voice.stt_service", description=__doc__)
    parser.add_argument("--uri", default=settings.stt_uri, help="tcp://host:port or unix://path")
    parser.add_argument("--model", default=settings.whisper_model, help="name or folder")
    parser.add_argument("--models-dir", default=str(settings.models_dir))
    parser.add_argument("--compute-type", default=settings.whisper_compute_type)
    parser.add_argument("--threads", type=int, default=settings.whisper_threads)
    parser.add_argument("--beam-size", type=int, default=settings.whisper_beam_size)
    parser.add_argument("--language", default=settings.language)
    parser.add_argument("--max-utterance-s", type=float, default=settings.max_utterance_s)
    parser.add_argument("--vad-threshold", type=float, default=settings.vad_threshold)
    parser.add_argument(
        "--stretch-min-speech-s",
        type=float,
        default=STRETCH_MIN_SPEECH_S,
        help="speech needed before a pause to transcribe the stretch while audio streams",
    )
    parser.add_argument(
        "--tentative-pause-s",
        type=float,
        default=settings.stt_tentative_pause_s,
        help="pause after which the tail is transcribed as if it were the end (0: never)",
    )
    parser.add_argument(
        "--full-window",
        action="store_true",
        default=not settings.whisper_short_window,
        help="whisper's encoder always sees 30 s (slower; see voice/stt_engine.py)",
    )
    parser.add_argument(
        "--stream-retries",
        type=int,
        choices=range(6),
        default=settings.whisper_stream_retries,
        help="decodes after the greedy one, at higher temperatures, when whisper is unsure of "
        "streamed speech (5: whisper's own fallback; see voice/stt_engine.py)",
    )
    parser.add_argument("--debug", action="store_true", help="log every partial and timing")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from pathlib import Path

    try:
        model = resolve_whisper(args.model, Path(args.models_dir))
    except ModelError as error:
        _LOGGER.error("%s", error)
        return 2
    try:
        engine = WhisperEngine(
            model,
            compute_type=args.compute_type,
            threads=args.threads,
            beam_size=args.beam_size,
            language=args.language,
            short_window=not args.full_window,
            stream_retries=args.stream_retries,
        )
    except (OSError, RuntimeError, ValueError) as error:
        _LOGGER.error(
            "Cannot load the whisper model %r (%s): %s. Names other than base and tiny.en are "
            "downloaded from faster-whisper's hub, which needs internet access; set "
            "WHISPER_MODEL to base, tiny.en or a model folder.",
            args.model,
            model,
            error,
        )
        return 2
    engine.model_name = args.model
    # the first inference allocates buffers: pay for it now rather than on the first shopper
    started = time.monotonic()
    engine.transcribe_blocking(b"\x00\x00" * RATE)
    _LOGGER.info("Warm-up inference took %.2f s", time.monotonic() - started)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                uri=args.uri,
                engine=engine,
                max_utterance_s=args.max_utterance_s,
                vad_threshold=args.vad_threshold,
                stretch_min_speech_s=args.stretch_min_speech_s,
                tentative_pause_s=args.tentative_pause_s or None,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
