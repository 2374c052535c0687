"""The voice gateway's figures (issue 8): word error rate and real-time factor per whisper
model on recorded human speech, text-to-speech time to first audio, and the time from the
end of the shopper's speech to the first byte of reply audio through the gateway.

    .venv/bin/python -m bench.voice_bench [--models base,tiny.en] [--sessions 1,4]
        [--gateway-url [LABEL=]http://127.0.0.1:5058 ...] [--tts-uri tcp://...]
        [--models-dir DIR] [--limit N] [--out-dir DIR]

- **speech to text**: faster-whisper called directly, as voice/stt_engine.py calls it (int8,
  CPU, ``--threads`` 2, beam ``WHISPER_BEAM_SIZE``, no previous-text conditioning, no
  timestamps, no VAD filter), model files through voice.models.resolve_whisper. The sets of
  bench/voice_corpus.py: recorded human speech (Asterisk prompts, 16 kHz wideband and the
  same at 8 kHz; two CMU ARCTIC sentences) and espeak-ng's shop utterances, clean and with
  noise. WER with numbers normalised (``voice_corpus.normalise_text``); real-time factor =
  wall-clock transcription time / audio duration, after one warm-up transcription.
- **text to speech**: the Wyoming client voice.speech_clients.TextToSpeech against
  ``python -m voice.tts_service`` (started here on a free port unless ``--tts-uri`` names a
  running one): time to the first audio chunk and real-time factor (synthesis time / audio
  duration) for a short and a long reply, after one warm-up request.
- **gateway**: through the browser WebSocket ``/voice/ws`` of each ``--gateway-url`` (the
  whole stack must be running: Rasa, actions, speech services, gateway; unreachable: that
  part is skipped with a message). Each shopper streams espeak-ng shop questions in real
  time (20 ms frames, each sent when a microphone would have captured it), then silence
  frames, and the figure is the time from sending the frame that holds the last voiced
  sample to the first binary (audio) frame of the reply. Baseline in the same run: the same
  questions typed (``{"type":"text"}``) in other sessions, timed from sending the text to
  the first audio frame, so the share of voice activity detection and speech recognition
  shows. With 1 and 4 shoppers at once (started 0.5 s apart, each on its own WebSocket and
  sender id, asking the same questions ``--gateway-rounds`` times). To compare whisper
  models end to end, start one gateway per STT service and give each as ``LABEL=URL``.

Prints a table and writes bench/results/voice-<time>.json (``--out-dir`` elsewhere).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from aiohttp import web

from bench.voice_corpus import (
    RATE,
    RECORDED_SETS,
    SHOP_UTTERANCES,
    SYNTHETIC_SETS,
    Utterance,
    last_voiced_sample,
    load,
    synthetic,
    word_errors,
)

log = logging.getLogger("bench.voice_bench")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
FRAME_S = 0.02
FRAME_BYTES = int(RATE * FRAME_S) * 2
TTS_REPLIES = {
    "short": "The Nordpeak Rain Jacket costs 89 euros 90.",
    "long": (
        "I found three wireless earbuds under 50 euros. The first is the Soundcore Life "
        "Note at 39 euros 99, in black or white. The second is the Jabra Elite 3 at 49 "
        "euros. The third is the Sony WF-C500 at 45 euros. Which one would you like?"
    ),
}
# shoppers at once start this far apart (then they overlap, but do not all stop at once)
SESSION_STAGGER_S = 0.5
# independent questions, so a shopper's turns do not depend on each other's replies
GATEWAY_UTTERANCES = ("earbuds", "returns", "delivery", "shoes")


class BenchError(RuntimeError):
    """A part of the benchmark cannot run; the message says why and what to do."""


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    if not ordered:
        return {"count": 0}
    p95 = (
        statistics.quantiles(ordered, n=100, method="inclusive")[94]
        if len(ordered) > 1
        else ordered[0]
    )
    return {
        "count": len(ordered),
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * p95, 1),
        "max_ms": round(1000 * ordered[-1], 1),
    }


# -- speech to text ------------------------------------------------------------------------


def whisper_figures(
    model: str,
    items: Sequence[Utterance],
    *,
    models_dir: Path,
    threads: int,
    beam_size: int,
) -> dict[str, Any]:
    """WER and real-time factor of one whisper model on every set in ``items``."""
    from faster_whisper import WhisperModel  # type: ignore[import-untyped]

    from voice.models import resolve_whisper

    path = resolve_whisper(model, models_dir)
    started = time.perf_counter()
    whisper = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=threads)
    load_s = time.perf_counter() - started

    def transcribe(pcm16: bytes) -> str:
        audio = np.frombuffer(pcm16, dtype="<i2").astype(np.float32) / 32768.0
        segments, _info = whisper.transcribe(
            audio,
            language="en",
            beam_size=beam_size,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,
        )
        return " ".join(segment.text.strip() for segment in segments).strip()

    transcribe(items[0].pcm16)  # warm-up, not timed
    rows: list[dict[str, Any]] = []
    for item in items:
        started = time.perf_counter()
        heard = transcribe(item.pcm16)
        compute_s = time.perf_counter() - started
        errors, words = word_errors(item.text, heard)
        rows.append(
            {
                "id": item.id,
                "corpus": item.corpus,
                "speaker": item.speaker,
                "reference": item.text,
                "heard": heard,
                "errors": errors,
                "words": words,
                "audio_s": round(item.seconds, 3),
                "compute_s": round(compute_s, 3),
            }
        )
        log.info("%s %s: %r (%d/%d errors)", model, item.id, heard, errors, words)
    sets: dict[str, Any] = {}
    for corpus in dict.fromkeys(row["corpus"] for row in rows):
        mine = [row for row in rows if row["corpus"] == corpus]
        errors = sum(row["errors"] for row in mine)
        words = sum(row["words"] for row in mine)
        audio_s = sum(row["audio_s"] for row in mine)
        compute_s = sum(row["compute_s"] for row in mine)
        sets[corpus] = {
            "utterances": len(mine),
            "speakers": sorted({row["speaker"] for row in mine}),
            "words": words,
            "errors": errors,
            "wer": round(errors / words, 4) if words else None,
            "exact": sum(row["errors"] == 0 for row in mine),
            "audio_s": round(audio_s, 1),
            "compute_s": round(compute_s, 2),
            "rtf": round(compute_s / audio_s, 3) if audio_s else None,
        }
    return {"path": path, "load_s": round(load_s, 2), "sets": sets, "items": rows}


# -- text to speech ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def tts_service(models_dir: Path, log_dir: Path) -> Iterator[str]:
    """``python -m voice.tts_service`` on a free port for the duration of the block."""
    uri = f"tcp://127.0.0.1:{free_port()}"
    log_file = (log_dir / "tts_service.log").open("wb")
    command = [sys.executable, "-m", "voice.tts_service", "--uri", uri]
    command += ["--models-dir", str(models_dir), "--no-warm-up"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        yield uri
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


async def wait_until_up(uri: str, timeout_s: float = 90.0) -> None:
    from voice.speech_clients import TextToSpeech

    tts = TextToSpeech(uri)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await tts.is_up():
            return
        await asyncio.sleep(0.5)
    raise BenchError(f"the text-to-speech service at {uri} did not answer within {timeout_s} s")


async def tts_figures(uri: str, *, repeats: int) -> dict[str, Any]:
    from voice.speech_clients import TextToSpeech

    tts = TextToSpeech(uri)
    started = time.perf_counter()
    await tts.wav("Hello.")  # the voice loads on the first request: not timed
    report: dict[str, Any] = {"uri": uri, "warm_up_s": round(time.perf_counter() - started, 2)}
    for name, text in TTS_REPLIES.items():
        first: list[float] = []
        total: list[float] = []
        audio_s = 0.0
        for _ in range(repeats):
            started = time.perf_counter()
            first_at: float | None = None
            samples = 0
            rate = 22050
            async for audio_format, pcm in tts.synthesize(text):
                first_at = first_at or time.perf_counter()
                samples += len(pcm) // (audio_format.width * audio_format.channels)
                rate = audio_format.rate
            ended = time.perf_counter()
            if first_at is None:
                raise BenchError(f"the text-to-speech service sent no audio for {text!r}")
            first.append(first_at - started)
            total.append(ended - started)
            audio_s = samples / rate
        report[name] = {
            "characters": len(text),
            "audio_s": round(audio_s, 2),
            "first_audio": percentiles(first),
            "total": percentiles(total),
            "rtf": round(statistics.median(total) / audio_s, 3) if audio_s else None,
        }
    return report


# -- the gateway ---------------------------------------------------------------------------


@dataclass
class Turn:
    utterance: str
    mode: str  # "spoken" or "typed"
    latency_s: float | None = None  # end of speech (or text sent) to first reply audio
    transcript: str | None = None
    heard: str | None = None  # whisper's raw words (the transcript before the ear)
    transcript_s: float | None = None  # end of speech to the transcript event
    reference: str | None = None
    reply: list[str] = field(default_factory=list)
    error: str | None = None


def websocket_url(url: str) -> tuple[str, str]:
    """(health URL, /voice/ws URL) of a gateway given as http(s):// or ws(s)://."""
    base = url.rstrip("/")
    for suffix in ("/voice/ws", "/health"):
        base = base.removesuffix(suffix)
    http = base.replace("ws://", "http://", 1).replace("wss://", "https://", 1)
    ws = http.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    return f"{http}/health", f"{ws}/voice/ws"


class Shopper:
    """One browser session on /voice/ws: streams audio like a microphone, records events."""

    def __init__(self, session: aiohttp.ClientSession, url: str, *, turn_timeout_s: float):
        self.session = session
        self.url = url
        self.turn_timeout_s = turn_timeout_s
        self.events: asyncio.Queue[tuple[float, dict[str, Any] | None]] = asyncio.Queue()

    @contextlib.asynccontextmanager
    async def connected(self) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
        async with self.session.ws_connect(self.url, max_msg_size=0) as ws:
            start = {"type": "start", "sender_id": f"bench-voice-{uuid.uuid4().hex[:12]}"}
            await ws.send_json({**start, "sample_rate": RATE})
            reader = asyncio.create_task(self._read(ws))
            try:
                _when, event = await asyncio.wait_for(self.events.get(), 15)
                if event is None or event.get("type") != "ready":
                    raise BenchError(f"the gateway answered the start frame with {event!r}")
                yield ws
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            now = time.perf_counter()
            if message.type == aiohttp.WSMsgType.BINARY:
                await self.events.put((now, None))  # None: a frame of reply audio
            elif message.type == aiohttp.WSMsgType.TEXT:
                await self.events.put((now, json.loads(message.data)))
        await self.events.put((time.perf_counter(), {"type": "closed"}))

    async def _silence(self, ws: aiohttp.ClientWebSocketResponse, start: float) -> None:
        """The microphone goes on sending (silent) frames while the shopper listens."""
        frame = b"\x00" * FRAME_BYTES
        index = 1
        while True:
            await asyncio.sleep(max(0.0, start + index * FRAME_S - time.perf_counter()))
            await ws.send_bytes(frame)
            index += 1

    async def turn(self, ws: aiohttp.ClientWebSocketResponse, item: Utterance, mode: str) -> Turn:
        turn = Turn(utterance=item.id, mode=mode, reference=item.text)
        while not self.events.empty():
            self.events.get_nowait()
        silence: asyncio.Task[None] | None = None
        if mode == "spoken":
            end = last_voiced_sample(item.pcm16)
            audio = item.pcm16[: 2 * (end + 1)]
            frames = [audio[i : i + FRAME_BYTES] for i in range(0, len(audio), FRAME_BYTES)]
            start = time.perf_counter()
            sent = start
            for index, frame in enumerate(frames, start=1):
                # a microphone delivers a frame when its last sample has been captured
                await asyncio.sleep(max(0.0, start + index * FRAME_S - time.perf_counter()))
                sent = time.perf_counter()
                await ws.send_bytes(frame)
            silence = asyncio.create_task(self._silence(ws, sent))
        else:
            sent = time.perf_counter()
            await ws.send_json({"type": "text", "text": item.text})
        try:
            await asyncio.wait_for(self._until_done(turn, sent), self.turn_timeout_s)
        except TimeoutError:
            turn.error = turn.error or f"no end of reply within {self.turn_timeout_s} s"
        finally:
            if silence is not None:
                silence.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await silence
        return turn

    async def _until_done(self, turn: Turn, sent: float) -> None:
        while True:
            when, event = await self.events.get()
            if event is None:
                if turn.latency_s is None:
                    turn.latency_s = when - sent
                continue
            kind = event.get("type")
            if kind == "transcript":
                turn.transcript = str(event.get("text", ""))
                turn.heard = str(event.get("heard", turn.transcript))
                turn.transcript_s = when - sent
            elif kind == "bot":
                turn.reply = [str(s) for s in event.get("speech") or []]
                if not turn.reply:
                    turn.error = "the reply had nothing to speak"
                    return
            elif kind in ("error", "voice_unavailable", "closed"):
                turn.error = f"{kind}: {event.get('message') or event.get('code') or ''}"
                return
            elif kind == "speaking_done":
                return


async def shopper_turns(
    session: aiohttp.ClientSession,
    url: str,
    items: Sequence[Utterance],
    *,
    mode: str,
    rounds: int,
    turn_timeout_s: float,
    delay_s: float = 0.0,
) -> list[Turn]:
    shopper = Shopper(session, url, turn_timeout_s=turn_timeout_s)
    turns = []
    await asyncio.sleep(delay_s)
    async with shopper.connected() as ws:
        for _ in range(rounds):
            for item in items:
                turns.append(await shopper.turn(ws, item, mode))
                await asyncio.sleep(0.3)
    return turns


def streaming_wer(turns: Sequence[Turn]) -> dict[str, Any]:
    """WER of what whisper heard through the gateway (the stt service's streaming path,
    partials and all) against what was said; a turn without a transcript counts every word
    as an error."""
    errors = words = 0
    wrong: list[dict[str, Any]] = []
    for turn in turns:
        if turn.reference is None:
            continue
        turn_errors, turn_words = word_errors(turn.reference, turn.heard or "")
        errors += turn_errors
        words += turn_words
        if turn_errors:
            wrong.append({"utterance": turn.utterance, "heard": turn.heard, "errors": turn_errors})
    return {
        "words": words,
        "errors": errors,
        "wer": round(errors / words, 4) if words else None,
        "wrong": wrong,
    }


async def gateway_figures(
    label: str,
    url: str,
    items: Sequence[Utterance],
    *,
    sessions: Sequence[int],
    rounds: int,
    turn_timeout_s: float,
) -> dict[str, Any]:
    health_url, ws_url = websocket_url(url)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        try:
            async with session.get(health_url, timeout=aiohttp.ClientTimeout(total=5)) as reply:
                health = await reply.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            message = (
                f"gateway {label} ({url}) not reachable ({type(error).__name__}: {error}); "
                "start the whole stack (Rasa, actions, speech services, `python -m voice "
                "serve`) and give its address with --gateway-url"
            )
            log.warning("%s", message)
            return {"url": url, "skipped": message}
        report: dict[str, Any] = {"url": url, "health": health, "runs": {}}
        for count in sessions:
            run: dict[str, Any] = {}
            for mode in ("spoken", "typed"):
                started = time.perf_counter()
                results = await asyncio.gather(
                    *(
                        shopper_turns(
                            session,
                            ws_url,
                            items,
                            mode=mode,
                            rounds=rounds,
                            turn_timeout_s=turn_timeout_s,
                            delay_s=SESSION_STAGGER_S * index,
                        )
                        for index in range(count)
                    ),
                    return_exceptions=True,
                )
                turns: list[Turn] = []
                failures: list[str] = []
                for result in results:
                    if isinstance(result, BaseException):
                        failures.append(f"{type(result).__name__}: {result}")
                    else:
                        turns += result
                timed = [t.latency_s for t in turns if t.latency_s is not None and not t.error]
                failures += [f"{t.utterance}: {t.error}" for t in turns if t.error]
                run[mode] = {
                    "latency": percentiles(timed),
                    "turns": len(turns),
                    "failed": failures,
                    "wall_s": round(time.perf_counter() - started, 1),
                    "load_average": round(os.getloadavg()[0], 2),
                    "examples": [
                        {"utterance": t.utterance, "transcript": t.transcript, "reply": t.reply}
                        for t in turns[: len(items)]
                    ],
                }
                if mode == "spoken":
                    run[mode]["streaming_wer"] = streaming_wer(turns)
                    run[mode]["to_transcript"] = percentiles(
                        [t.transcript_s for t in turns if t.transcript_s is not None]
                    )
                log.info("%s, %d sessions, %s: %s", label, count, mode, run[mode]["latency"])
            report["runs"][str(count)] = run
    return report


# -- a whole gateway started here (--latency) ----------------------------------------------

STAND_IN_REPLY = "Here is what I found for you."


class StandInRasa:
    """Stands in for Rasa's voice webhook (``POST /webhooks/voice/webhook``): every message
    gets one fixed sentence after ``delay_s``, so the figure is the gateway's own time."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.messages = 0

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.messages += 1
        await asyncio.sleep(self.delay_s)
        return web.json_response([{"recipient_id": body.get("sender"), "text": STAND_IN_REPLY}])

    @contextlib.asynccontextmanager
    async def running(self, port: int) -> AsyncIterator[str]:
        app = web.Application()
        app.router.add_post("/webhooks/voice/webhook", self.webhook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            await runner.cleanup()


@dataclass
class LocalStack:
    """The speech services and the gateway as processes of ``code_root`` on free ports."""

    code_root: Path
    folder: Path
    model: str
    models_dir: Path
    env: dict[str, str]
    rasa_port: int = field(default_factory=free_port)
    gateway_port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def stt_log(self) -> Path:
        return self.folder / "stt_service.log"

    def _start(self, name: str, args: Sequence[str], env: dict[str, str]) -> None:
        with (self.folder / f"{name}.log").open("wb") as log_file:
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", *args],
                    cwd=self.code_root,
                    env=env,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                )
            )

    def start(self) -> None:
        stt_uri = f"tcp://127.0.0.1:{free_port()}"
        tts_uri = f"tcp://127.0.0.1:{free_port()}"
        shop_db = self.folder / "shop.db"
        source_db = ROOT / "var" / "shop.db"
        if source_db.exists():  # the catalog's words for whisper's prompt; a copy, read only
            shop_db.write_bytes(source_db.read_bytes())
        env = {
            **os.environ,
            "PYTHONPATH": str(self.code_root),
            "ASSISTANT_VAR_DIR": str(self.folder / "var"),
            "SHOP_DATABASE_URL": f"sqlite:///{shop_db}",
            "VOICE_STT_URI": stt_uri,
            "VOICE_TTS_URI": tts_uri,
            "RASA_URL": f"http://127.0.0.1:{self.rasa_port}",
            "WHISPER_MODEL": self.model,
            "LOG_LEVEL": "INFO",
            **self.env,
        }
        models = ["--models-dir", str(self.models_dir)]
        self._start("stt_service", ["voice.stt_service", "--uri", stt_uri, *models], env)
        self._start("tts_service", ["voice.tts_service", "--uri", tts_uri, *models], env)
        self._start(
            "gateway",
            ["voice", "serve", "--host", "127.0.0.1", "--port", str(self.gateway_port)],
            env,
        )

    async def wait_until_up(self, timeout_s: float = 180.0) -> None:
        health_url, _ = websocket_url(self.gateway_url)
        deadline = time.monotonic() + timeout_s
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                for process in self.processes:
                    if process.poll() is not None:
                        raise BenchError(f"{process.args!r} exited: see the logs in {self.folder}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
                    async with session.get(health_url, timeout=aiohttp.ClientTimeout(total=5)) as r:
                        health = await r.json()
                        if health.get("stt") and health.get("tts"):
                            return
                await asyncio.sleep(0.5)
        raise BenchError(f"the local gateway did not come up in {timeout_s} s: see {self.folder}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def stt_log_figures(log_text: str) -> dict[str, Any]:
    """Whisper passes per utterance and the time from audio-stop to the transcript, from the
    stt service's "Transcript of ..." log lines (this version's and the older wording)."""
    passes: list[int] = []
    after_stop: list[float] = []
    for line in log_text.splitlines():
        if "Transcript of" not in line:
            continue
        counted = re.search(r"(\d+) whisper pass", line)
        if counted:
            passes.append(int(counted.group(1)))
        else:
            stretches = re.search(r"\((\d+) stretch", line)
            tail = re.search(r"tail ([\d.]+) s", line)
            if stretches and tail:
                passes.append(int(stretches.group(1)) + (float(tail.group(1)) > 0))
        stop = re.search(r"([\d.]+) s after audio-stop", line)
        if stop:
            after_stop.append(float(stop.group(1)))
    return {
        "utterances": len(passes),
        "whisper_passes": sum(passes),
        "passes_per_utterance": round(sum(passes) / len(passes), 2) if passes else None,
        "audio_stop_to_transcript": percentiles(after_stop),
    }


async def local_gateway_figures(
    stack: LocalStack,
    items: Sequence[Utterance],
    *,
    sessions: Sequence[int],
    rounds: int,
    turn_timeout_s: float,
    rasa_delay_s: float,
) -> dict[str, Any]:
    rasa = StandInRasa(rasa_delay_s)
    async with rasa.running(stack.rasa_port):
        await stack.wait_until_up()
        # one spoken and one typed turn first: whisper's and Piper's first runs are not timed
        await gateway_figures(
            "warm-up",
            stack.gateway_url,
            items[:1],
            sessions=[1],
            rounds=1,
            turn_timeout_s=turn_timeout_s,
        )
        warm_up_lines = len(stack.stt_log.read_text(errors="replace").splitlines())
        report = await gateway_figures(
            "local",
            stack.gateway_url,
            items,
            sessions=sessions,
            rounds=rounds,
            turn_timeout_s=turn_timeout_s,
        )
    lines = stack.stt_log.read_text(errors="replace").splitlines()[warm_up_lines:]
    report["stt_service"] = stt_log_figures("\n".join(lines))
    report["stand_in_rasa"] = {"reply": STAND_IN_REPLY, "delay_s": rasa_delay_s}
    report["code_root"] = str(stack.code_root)
    report["env"] = stack.env
    return report


# -- report --------------------------------------------------------------------------------


def _ms(figures: dict[str, Any], key: str) -> str:
    value = figures.get(key)
    return "-" if value is None else f"{value:,.0f} ms"


def summary(report: dict[str, Any]) -> str:
    lines = [f"voice benchmark {report['when']} (load average {report['machine']['load_average']})"]
    stt = report.get("stt") or {}
    if stt:
        models = list(stt)
        lines += ["", "speech to text, faster-whisper int8 direct (WER, numbers normalised; RTF)"]
        header = "| set | utterances | audio |" + "".join(f" {m} WER | {m} RTF |" for m in models)
        lines += [header, "|" + " --- |" * (3 + 2 * len(models))]
        sets = list(dict.fromkeys(s for m in models for s in stt[m]["sets"]))
        for name in sets:
            first = next(stt[m]["sets"][name] for m in models if name in stt[m]["sets"])
            cells = [name, str(first["utterances"]), f"{first['audio_s']:.0f} s"]
            for model in models:
                figures = stt[model]["sets"].get(name)
                if figures is None:
                    cells += ["-", "-"]
                else:
                    cells += [f"{100 * figures['wer']:.1f}%", f"{figures['rtf']:.3f}"]
            lines.append("| " + " | ".join(cells) + " |")
        loads = ", ".join(f"{m} {stt[m]['load_s']} s" for m in models)
        lines.append(f"model load: {loads}")
    for name, why in (report.get("missing_sets") or {}).items():
        lines.append(f"set {name} left out: {why}")
    tts = report.get("tts")
    if tts and "skipped" not in tts:
        lines += ["", f"text to speech ({tts['uri']}, Wyoming client)"]
        lines += ["| reply | characters | audio | first audio p50 / p95 | total p50 | RTF |"]
        lines += ["| --- | ---: | ---: | ---: | ---: | ---: |"]
        for name in TTS_REPLIES:
            f = tts[name]
            first = f"{_ms(f['first_audio'], 'p50_ms')} / {_ms(f['first_audio'], 'p95_ms')}"
            lines.append(
                f"| {name} | {f['characters']} | {f['audio_s']:.1f} s | {first} | "
                f"{_ms(f['total'], 'p50_ms')} | {f['rtf']} |"
            )
    elif tts:
        lines += ["", f"text to speech skipped: {tts['skipped']}"]
    for label, gateway in (report.get("gateway") or {}).items():
        lines.append("")
        if "skipped" in gateway:
            lines.append(f"gateway {label} skipped: {gateway['skipped']}")
            continue
        lines += [
            f"gateway {label}: end of speech (spoken) or text sent (typed) to first reply audio",
            "| sessions | spoken p50 / p95 | typed p50 / p95 | spoken - typed (p50) | turns |",
            "| ---: | ---: | ---: | ---: | --- |",
        ]
        for count, run in gateway["runs"].items():
            spoken, typed = run["spoken"]["latency"], run["typed"]["latency"]
            gap = (
                f"{spoken['p50_ms'] - typed['p50_ms']:,.0f} ms"
                if spoken.get("count") and typed.get("count")
                else "-"
            )
            failed = len(run["spoken"]["failed"]) + len(run["typed"]["failed"])
            lines.append(
                f"| {count} | {_ms(spoken, 'p50_ms')} / {_ms(spoken, 'p95_ms')} | "
                f"{_ms(typed, 'p50_ms')} / {_ms(typed, 'p95_ms')} | {gap} | "
                f"{run['spoken']['turns']} + {run['typed']['turns']}, {failed} failed |"
            )
        for count, run in gateway["runs"].items():
            wer = run["spoken"].get("streaming_wer") or {}
            if wer.get("words"):
                heard = run["spoken"].get("to_transcript") or {}
                lines.append(
                    f"{count} session(s): end of speech to the transcript event p50 / p95 "
                    f"{_ms(heard, 'p50_ms')} / {_ms(heard, 'p95_ms')}; "
                    f"WER through the gateway {100 * wer['wer']:.1f}% "
                    f"({wer['errors']}/{wer['words']} words); load average "
                    f"{run['spoken'].get('load_average')} (spoken), "
                    f"{run['typed'].get('load_average')} (typed)"
                )
        stt_service = gateway.get("stt_service")
        if stt_service:
            stop = stt_service["audio_stop_to_transcript"]
            lines.append(
                f"stt service: {stt_service['whisper_passes']} whisper passes for "
                f"{stt_service['utterances']} utterances; audio-stop to transcript p50 / p95 "
                f"{_ms(stop, 'p50_ms')} / {_ms(stop, 'p95_ms')}"
            )
    return "\n".join(lines)


def _gateways(values: Sequence[str]) -> dict[str, str]:
    """{label: URL} of ``--gateway-url`` values written ``URL`` or ``LABEL=URL``."""
    gateways = {}
    for number, value in enumerate(values, start=1):
        label, equals, url = value.partition("=")
        if not equals or "://" in label:
            label, url = ("gateway" if len(values) == 1 else f"gateway{number}"), value
        gateways[label] = url
    return gateways


def main(argv: Sequence[str] | None = None) -> int:
    from voice.settings import VoiceSettings

    settings = VoiceSettings.from_env()
    parser = argparse.ArgumentParser(prog="python -m bench.voice_bench", description=__doc__)
    parser.add_argument("--models", default="base,tiny.en", help="whisper models, comma-separated")
    parser.add_argument(
        "--sets",
        default=",".join(RECORDED_SETS + SYNTHETIC_SETS),
        help="speech sets for WER (bench/voice_corpus.py)",
    )
    parser.add_argument("--limit", type=int, help="at most N utterances per set (a quick run)")
    parser.add_argument("--models-dir", type=Path, default=settings.models_dir)
    parser.add_argument("--threads", type=int, default=2, help="whisper cpu_threads")
    parser.add_argument("--beam-size", type=int, default=settings.whisper_beam_size)
    parser.add_argument("--noise", type=float, default=0.05, help="pink noise, synthetic-noisy")
    parser.add_argument("--speech-folder", type=Path, help="cache of espeak-ng audio")
    parser.add_argument("--no-stt", action="store_true", help="skip the direct whisper figures")
    parser.add_argument("--tts-uri", help="a running Wyoming TTS service (default: start one)")
    parser.add_argument("--no-tts", action="store_true")
    parser.add_argument("--tts-repeats", type=int, default=5)
    parser.add_argument(
        "--gateway-url",
        action="append",
        default=[],
        help="[LABEL=]URL of a running gateway (repeat to compare, e.g. base=..., tiny.en=...)",
    )
    parser.add_argument("--sessions", default="1,4", help="concurrent shoppers, comma-separated")
    parser.add_argument("--gateway-rounds", type=int, default=5, help="rounds of the questions")
    parser.add_argument("--turn-timeout", type=float, default=60.0)
    parser.add_argument(
        "--latency",
        action="store_true",
        help="end of speech to first reply audio through a gateway started here (speech "
        "services of --models' first model, a stand-in Rasa); skips the direct STT and TTS parts",
    )
    parser.add_argument(
        "--latency-sets", default="synthetic", help="speech sets streamed in --latency mode"
    )
    parser.add_argument(
        "--code-root",
        type=Path,
        default=ROOT,
        help="--latency: the source tree whose voice/ runs (an older copy, to compare)",
    )
    parser.add_argument(
        "--gateway-env",
        action="append",
        default=[],
        help="--latency: NAME=VALUE for the local gateway and speech services (repeatable)",
    )
    parser.add_argument(
        "--rasa-delay-ms", type=float, default=50.0, help="--latency: the stand-in's answer time"
    )
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "load_average": round(os.getloadavg()[0], 1)},
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
    }
    speech_folder = args.speech_folder or Path(tempfile.gettempdir()) / "voice-bench-speech"
    if args.latency:
        return latency_main(args, report, speech_folder)

    if not args.no_stt:
        items, missing = load(
            [s for s in args.sets.split(",") if s], speech_folder=speech_folder, noise=args.noise
        )
        for name, why in missing.items():
            log.warning("set %s left out: %s", name, why)
        if args.limit:
            items = [i for n, i in enumerate(items) if _rank(items, n) < args.limit]
        if not items:
            raise SystemExit("no speech to transcribe: " + "; ".join(missing.values()))
        report["missing_sets"] = missing
        report["corpus"] = {
            name: {
                "utterances": sum(i.corpus == name for i in items),
                "speakers": sorted({i.speaker for i in items if i.corpus == name}),
                "sources": sorted({i.source for i in items if i.corpus == name}),
            }
            for name in dict.fromkeys(i.corpus for i in items)
        }
        report["stt"] = {
            model: whisper_figures(
                model,
                items,
                models_dir=args.models_dir,
                threads=args.threads,
                beam_size=args.beam_size,
            )
            for model in args.models.split(",")
            if model
        }

    if not args.no_tts:
        if args.tts_uri:
            asyncio.run(wait_until_up(args.tts_uri, timeout_s=5))
            report["tts"] = asyncio.run(tts_figures(args.tts_uri, repeats=args.tts_repeats))
        else:
            with (
                tempfile.TemporaryDirectory(prefix="voice-bench-") as tmp,
                tts_service(args.models_dir, Path(tmp)) as uri,
            ):
                try:
                    asyncio.run(wait_until_up(uri))
                except BenchError:
                    print((Path(tmp) / "tts_service.log").read_text()[-3000:], file=sys.stderr)
                    raise
                report["tts"] = asyncio.run(tts_figures(uri, repeats=args.tts_repeats))

    gateways = _gateways(args.gateway_url)
    if gateways:
        by_name = {name: text for name, text in SHOP_UTTERANCES}
        questions = synthetic(
            speech_folder, utterances=[(n, by_name[n]) for n in GATEWAY_UTTERANCES]
        )
        sessions = [int(s) for s in args.sessions.split(",") if s]
        report["gateway"] = {
            label: asyncio.run(
                gateway_figures(
                    label,
                    url,
                    questions,
                    sessions=sessions,
                    rounds=args.gateway_rounds,
                    turn_timeout_s=args.turn_timeout,
                )
            )
            for label, url in gateways.items()
        }
    else:
        report["gateway"] = {}
        log.warning("no --gateway-url: the end-of-speech to first-audio figures are skipped")

    report["machine"]["load_average_after"] = round(os.getloadavg()[0], 1)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / f"voice-{report['when'].replace(':', '')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(summary(report))
    print(f"written to {out}")
    return 0


def latency_main(argparse_args: argparse.Namespace, report: dict[str, Any], speech: Path) -> int:
    args = argparse_args
    items, missing = load(
        [s for s in args.latency_sets.split(",") if s], speech_folder=speech, noise=args.noise
    )
    if args.limit:
        items = [i for n, i in enumerate(items) if _rank(items, n) < args.limit]
    if not items:
        raise SystemExit("no speech to stream: " + "; ".join(missing.values()))
    env = dict(value.partition("=")[::2] for value in args.gateway_env)
    model = next(m for m in args.models.split(",") if m)
    with tempfile.TemporaryDirectory(prefix="voice-latency-") as tmp:
        stack = LocalStack(
            code_root=args.code_root.resolve(),
            folder=Path(tmp),
            model=model,
            models_dir=args.models_dir,
            env=env,
        )
        stack.start()
        try:
            figures = asyncio.run(
                local_gateway_figures(
                    stack,
                    items,
                    sessions=[int(s) for s in args.sessions.split(",") if s],
                    rounds=args.gateway_rounds,
                    turn_timeout_s=args.turn_timeout,
                    rasa_delay_s=args.rasa_delay_ms / 1000,
                )
            )
        except BenchError:
            for name in ("stt_service", "tts_service", "gateway"):
                text = (Path(tmp) / f"{name}.log").read_text(errors="replace")
                print(f"--- {name}.log\n{text[-3000:]}", file=sys.stderr)
            raise
        finally:
            stack.stop()
            logs = args.out_dir / f"voice-latency-{report['when'].replace(':', '')}-logs"
            logs.mkdir(parents=True, exist_ok=True)
            for name in ("stt_service", "tts_service", "gateway"):
                source = Path(tmp) / f"{name}.log"
                if source.exists():
                    (logs / f"{name}.log").write_bytes(source.read_bytes())
    report["gateway"] = {f"{model} ({args.code_root})": figures}
    report["machine"]["load_average_after"] = round(os.getloadavg()[0], 1)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / f"voice-latency-{report['when'].replace(':', '')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(summary(report))
    print(f"written to {out}")
    return 0


def _rank(items: Sequence[Utterance], index: int) -> int:
    """The position of ``items[index]`` among the items of its own set."""
    corpus = items[index].corpus
    return sum(item.corpus == corpus for item in items[:index])


if __name__ == "__main__":
    raise SystemExit(main())
