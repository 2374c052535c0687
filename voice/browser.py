"""The browser's voice connection (``GET /voice/ws``) and the voice page (``GET /voice/``).

The protocol, one WebSocket per conversation:

- client, first frame (text): ``{"type": "start", "sender_id": "<8-64 of A-Za-z0-9_->",
  "customer_token"?: "...", "page"?: {"url", "product_id", "title"}, "sample_rate": 16000}``.
  The sender id is the widget's or the storefront's conversation id, so voice and chat share
  one conversation and one cart. Server: ``{"type": "ready", "sample_rate", "input_rate":
  16000, "max_frame_bytes"}``, or ``error`` (``bad_start``, ``bad_sample_rate``) and close.
- client, binary frames: PCM16LE mono at ``sample_rate`` (8000..48000 Hz; resampled to
  16 kHz when it is not 16 kHz), at most ``max_frame_bytes`` each. A frame that is empty,
  of odd length or too large gets ``error`` (``bad_audio``, ``frame_too_large``) and is
  dropped; the connection stays usable.
- client, text frames: ``{"type": "text", "text": "..."}`` (a typed message) and
  ``{"type": "stop"}`` (the audio stream ended: speech in progress ends the turn now).
  Anything else gets ``error`` ``bad_message``.
- server: the session's events as JSON text frames (voice/session.py) and the reply's
  audio as binary frames, PCM16LE mono at the rate of the last ``speaking`` event.

A client that vanishes, even mid-reply, ends the handler's loop; the session is closed in a
``finally``, which cancels its tasks and closes its speech streams.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from voice.audio import MAX_RATE, MIN_RATE, Resampler
from voice.context import SERVICES, SESSIONS
from voice.session import VoiceSession

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
INPUT_RATE = 16000
MAX_FRAME_BYTES = 128 * 1024  # 1.3 s at 48 kHz; the page sends about 40 ms a frame
START_TIMEOUT_S = 10.0
SENDER_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_TOKEN_CHARS = 4096
MAX_PAGE_FIELD_CHARS = 500


class BadStart(Exception):
    """The first frame is not a usable ``start``; ``code`` and the message go to the client."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class BrowserOutput:
    """A session's output over the WebSocket. Once the client is gone, sends are no-ops:
    the handler notices the closed socket and closes the session."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self._ws = ws

    async def send_event(self, event: dict[str, Any]) -> None:
        if self._ws.closed:
            return
        try:
            await self._ws.send_json(event)
        except ConnectionError:
            logger.debug("voice client went away while an event was sent")

    async def send_audio(self, pcm16: bytes, rate: int) -> None:
        if self._ws.closed:
            return
        try:
            await self._ws.send_bytes(pcm16)
        except ConnectionError:
            logger.debug("voice client went away while audio was sent")

    async def clear_audio(self) -> None:
        """Nothing to send: the page stops its playback on the "barge_in" event that follows,
        and no audio of the old reply is sent after it."""


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


def _page(value: object) -> dict[str, str | None]:
    if not isinstance(value, dict):
        return {}
    page: dict[str, str | None] = {}
    for key in ("url", "product_id", "title"):
        field = value.get(key)
        if isinstance(field, str | int) and not isinstance(field, bool):
            page[key] = str(field)[:MAX_PAGE_FIELD_CHARS]
    return page


def parse_start(text: str) -> tuple[str, int, dict[str, Any]]:
    """(sender id, sample rate, metadata) of a start frame, or BadStart."""
    try:
        start = json.loads(text)
    except ValueError as exc:
        raise BadStart("bad_start", f"The first message must be JSON: {exc}.") from exc
    if not isinstance(start, dict) or start.get("type") != "start":
        raise BadStart("bad_start", 'The first message must be {"type": "start", ...}.')
    sender = start.get("sender_id")
    if not isinstance(sender, str) or not SENDER_ID.fullmatch(sender):
        raise BadStart(
            "bad_start", "sender_id must be 8 to 64 characters of letters, digits, '_' or '-'."
        )
    rate = start.get("sample_rate", INPUT_RATE)
    if not isinstance(rate, int) or isinstance(rate, bool) or not MIN_RATE <= rate <= MAX_RATE:
        raise BadStart(
            "bad_sample_rate",
            f"sample_rate must be a whole number of Hz from {MIN_RATE} to {MAX_RATE}; "
            f"got {rate!r}. Send 16000 Hz mono 16-bit PCM if you can.",
        )
    metadata: dict[str, Any] = {}
    token = start.get("customer_token")
    if isinstance(token, str) and token:
        if len(token) > MAX_TOKEN_CHARS:
            raise BadStart("bad_start", "customer_token is too long.")
        metadata["customer_token"] = token
    page = _page(start.get("page"))
    if page:
        metadata["page"] = page
    return sender, rate, metadata


async def _first_frame(ws: web.WebSocketResponse) -> str | None:
    """The text of the first frame; None when the client went away before sending one."""
    msg = await ws.receive(timeout=START_TIMEOUT_S)
    if msg.type == WSMsgType.TEXT:
        return str(msg.data)
    if msg.type == WSMsgType.BINARY:
        raise BadStart("bad_start", 'Send {"type": "start", ...} before any audio.')
    return None


async def voice_ws(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=MAX_FRAME_BYTES * 4, heartbeat=30.0)
    await ws.prepare(request)
    output = BrowserOutput(ws)
    try:
        first = await _first_frame(ws)
        if first is None:
            return ws
        sender, rate, metadata = parse_start(first)
    except BadStart as exc:
        await output.send_event(_error(exc.code, exc.message))
        await ws.close()
        return ws
    except TimeoutError:
        await output.send_event(_error("bad_start", "No start message came in time."))
        await ws.close()
        return ws

    await output.send_event(
        {
            "type": "ready",
            "sample_rate": rate,
            "input_rate": INPUT_RATE,
            "max_frame_bytes": MAX_FRAME_BYTES,
        }
    )
    session = VoiceSession(
        request.app[SERVICES],
        output,
        sender_id=sender,
        metadata=metadata,
        channel="browser",
        on_close=ws.close,
    )
    registry = request.app[SESSIONS]
    registry.add(session)
    resampler = Resampler(rate, INPUT_RATE) if rate != INPUT_RATE else None
    try:
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await _audio(session, output, resampler, msg.data)
            elif msg.type == WSMsgType.TEXT:
                await _command(session, output, resampler, msg.data)
            elif msg.type == WSMsgType.ERROR:
                logger.info("voice connection of %s failed: %s", sender, ws.exception())
                break
    finally:
        await registry.close(session)
    return ws


async def _audio(
    session: VoiceSession, output: BrowserOutput, resampler: Resampler | None, data: bytes
) -> None:
    if len(data) > MAX_FRAME_BYTES:
        await output.send_event(
            _error(
                "frame_too_large",
                f"An audio frame is at most {MAX_FRAME_BYTES} bytes; this one had {len(data)}. "
                "Send about 20 to 100 ms of audio per frame.",
            )
        )
        return
    if not data or len(data) % 2:
        await output.send_event(
            _error(
                "bad_audio",
                f"Audio frames are 16-bit PCM: a non-zero, even number of bytes; "
                f"this one had {len(data)}. The frame was dropped.",
            )
        )
        return
    await session.feed_audio(resampler.process(data) if resampler else data)


async def _command(
    session: VoiceSession, output: BrowserOutput, resampler: Resampler | None, text: str
) -> None:
    try:
        command = json.loads(text)
    except ValueError:
        command = None
    kind = command.get("type") if isinstance(command, dict) else None
    if kind == "text" and isinstance(command, dict) and isinstance(command.get("text"), str):
        await session.send_text(command["text"])
    elif kind == "stop":
        if resampler is not None:
            tail = resampler.flush()
            if tail:
                await session.feed_audio(tail)
        await session.end_audio()
    else:
        await output.send_event(
            _error(
                "bad_message",
                'Text frames are {"type": "text", "text": "..."} or {"type": "stop"}.',
            )
        )


async def voice_page(request: web.Request) -> web.Response:
    # a Response, not a FileResponse, so the security headers see its text/html type
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return web.Response(text=html, content_type="text/html")


async def to_voice_page(request: web.Request) -> web.Response:
    raise web.HTTPFound("/voice/" + (f"?{request.query_string}" if request.query_string else ""))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/voice/ws", voice_ws)
    app.router.add_get("/voice/", voice_page)
    app.router.add_get("/voice", to_voice_page)
    app.router.add_static("/voice/static/", STATIC_DIR, append_version=False)
