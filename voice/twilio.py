"""The phone line: Twilio's incoming-call webhook and its Media Streams WebSocket
(docs/voice-api.md, "Phone line").

1. A call comes in; Twilio POSTs the call's form parameters to ``/twilio/voice``, signed in
   ``X-Twilio-Signature``: base64(HMAC-SHA1(auth token, URL + each parameter's name and value,
   sorted by name)). A request that does not carry a valid signature is refused (403): without
   the check anyone could make the gateway open sessions to Rasa. With no auth token set the
   phone line is off and both routes answer 404.
2. We answer TwiML ``<Connect><Stream url="wss://HOST/twilio/media">``; Twilio opens that
   WebSocket and sends the call's audio as JSON text frames (connected, start, media, mark,
   dtmf, stop), 8 kHz mu-law in 20 ms frames, and plays the media frames we send back.
3. Twilio does not sign the WebSocket handshake in a way we can check behind every proxy, so
   the stream is tied to step 1 instead: the signed webhook announces the call (its CallSid)
   and puts a random one-time token into the stream's custom parameters; the WebSocket is
   accepted only when its "start" message names an announced call with that token, within
   ``PENDING_TTL_S``. Anything else is closed with code 1008 before a session exists.

Audio: inbound mu-law 8 kHz -> PCM16 -> 16 kHz (streaming resampler) -> VoiceSession; the
session's reply audio (Piper's 22,050 Hz) -> 8 kHz -> mu-law -> "media" frames of 20 ms, and
a "mark" after each reply; barge-in sends "clear" so Twilio drops the audio it has queued.
The sender id is "phone-" and a hash of the CallSid: the caller's number goes nowhere.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import WSCloseCode, WSMsgType, web

from voice import g711
from voice.audio import Resampler
from voice.context import SERVICES, SESSIONS
from voice.session import VoiceSession

logger = logging.getLogger(__name__)

TWILIO_RATE = 8000
SESSION_RATE = 16000
FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law
PENDING_TTL_S = 60.0  # from the webhook's answer to the stream's "start"
START_TIMEOUT_S = 10.0  # from the WebSocket's opening to its "start" message
MAX_PENDING = 1000
MAX_FRAME_BYTES = 64 * 1024  # a media frame is about 300 bytes


# --- the webhook's signature ------------------------------------------------------------------


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """X-Twilio-Signature of a form POST to ``url`` (Twilio's "Webhooks security" algorithm:
    the URL, then every parameter's name and value sorted by name, HMAC-SHA1, base64)."""
    by_name: dict[str, set[str]] = {}
    for name, value in params:
        by_name.setdefault(name, set()).add(value)
    data = url + "".join(
        name + value for name in sorted(by_name) for value in sorted(by_name[name])
    )
    digest = hmac.new(auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _url_variants(url: str) -> list[str]:
    """The URL with and without its scheme's default port: Twilio's own validators accept
    both, because what Twilio signs depends on how the number's webhook URL was written."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    variants = [url]
    try:
        port = parts.port or default
    except ValueError:  # a port that is not a number: only the URL as it is
        return variants
    if default is not None:
        with_port = urlunsplit(parts._replace(netloc=f"{prefix}{host}:{port}"))
        without = urlunsplit(parts._replace(netloc=f"{prefix}{host}")) if port == default else url
        variants += [v for v in (with_port, without) if v not in variants]
    return variants


def signature_is_valid(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str
) -> bool:
    """True when ``signature`` is Twilio's for this request (compared in constant time)."""
    items = list(params)
    given = signature.encode("utf-8", "replace")  # compare_digest refuses non-ASCII str
    return any(
        hmac.compare_digest(twilio_signature(auth_token, variant, items).encode(), given)
        for variant in _url_variants(url)
    )


def _public_urls(public_url: str, request: web.Request) -> tuple[str, str]:
    """(the URL Twilio signed for this request, the wss:// URL of the media stream).

    Behind a proxy the request's own URL is not the one Twilio called: VOICE_PUBLIC_URL (the
    gateway's public base, https:// or wss://, with the path prefix the proxy strips, if any)
    gives the scheme, host and prefix. Without it the request's URL is used as it arrived."""
    if not public_url:
        return str(request.url), f"wss://{request.host}/twilio/media"
    parts = urlsplit(public_url.rstrip("/"))._replace(query="", fragment="")
    secure = parts.scheme in ("https", "wss")
    https = urlunsplit(parts._replace(scheme="https" if secure else "http"))
    wss = urlunsplit(parts._replace(scheme="wss" if secure else "ws"))
    return https + request.rel_url.path_qs, wss + "/twilio/media"


# --- calls announced by the webhook -----------------------------------------------------------


@dataclass(frozen=True)
class _Pending:
    token: str
    expires_at: float


class PendingCalls:
    """Calls announced by a signed webhook whose media stream has not started yet.

    ``claim`` succeeds once per call, with the token the webhook handed out, before the call
    expires: a stream cannot be opened for a call Twilio did not announce, nor twice."""

    def __init__(
        self,
        *,
        ttl_s: float = PENDING_TTL_S,
        max_calls: int = MAX_PENDING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl_s = ttl_s
        self._max_calls = max_calls
        self._clock = clock
        self._calls: dict[str, _Pending] = {}

    def __len__(self) -> int:
        self._expire()
        return len(self._calls)

    def announce(self, call_sid: str) -> str:
        """Registers the call and returns its one-time stream token."""
        self._expire()
        while len(self._calls) >= self._max_calls:  # the oldest first (dicts keep order)
            del self._calls[next(iter(self._calls))]
        token = secrets.token_urlsafe(24)
        self._calls[call_sid] = _Pending(token, self._clock() + self._ttl_s)
        return token

    def claim(self, call_sid: str, token: str) -> bool:
        self._expire()
        pending = self._calls.get(call_sid)
        given = token.encode("utf-8", "replace")  # compare_digest refuses non-ASCII str
        if pending is None or not hmac.compare_digest(pending.token.encode(), given):
            return False
        del self._calls[call_sid]
        return True

    def _expire(self) -> None:
        now = self._clock()
        for call_sid in [sid for sid, p in self._calls.items() if p.expires_at <= now]:
            del self._calls[call_sid]


PENDING_CALLS = web.AppKey("twilio_pending_calls", PendingCalls)


def add_routes(app: web.Application) -> None:
    app[PENDING_CALLS] = PendingCalls()
    app.router.add_post("/twilio/voice", incoming_call)
    app.router.add_get("/twilio/media", media_stream)


def _auth_token(request: web.Request) -> str:
    token = request.app[SERVICES].settings.twilio_auth_token
    if not token:
        raise web.HTTPNotFound(text="The phone line is off (TWILIO_AUTH_TOKEN is not set).\n")
    return token


def sender_of(call_sid: str) -> str:
    """A call's conversation id: stable for the call, and it does not reveal the caller."""
    return "phone-" + hashlib.sha256(call_sid.encode()).hexdigest()[:24]


def _masked(number: str) -> str:
    return "..." + number[-2:] if len(number) > 4 else "..."


# --- the webhook ------------------------------------------------------------------------------


async def incoming_call(request: web.Request) -> web.Response:
    auth_token = _auth_token(request)
    settings = request.app[SERVICES].settings
    form = await request.post()
    params = [(name, value) for name, value in form.items() if isinstance(value, str)]
    url, stream_url = _public_urls(settings.public_url, request)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not signature_is_valid(auth_token, url, params, signature):
        logger.warning("twilio: refused a webhook with a bad signature for %s", url)
        raise web.HTTPForbidden(
            text="Bad X-Twilio-Signature. If this is Twilio behind a proxy, set "
            "VOICE_PUBLIC_URL to the https URL the number's webhook uses.\n"
        )
    call_sid = form.get("CallSid")
    if not isinstance(call_sid, str) or not call_sid:
        raise web.HTTPBadRequest(text="The webhook has no CallSid.\n")
    token = request.app[PENDING_CALLS].announce(call_sid)
    caller = form.get("From")
    caller = caller if isinstance(caller, str) else ""
    logger.info("twilio: call %s from %s announced", sender_of(call_sid), _masked(caller))
    return web.Response(text=_twiml(stream_url, caller, token), content_type="text/xml")


def _twiml(stream_url: str, caller: str, token: str) -> str:
    response = ET.Element("Response")
    stream = ET.SubElement(ET.SubElement(response, "Connect"), "Stream", url=stream_url)
    ET.SubElement(stream, "Parameter", name="caller", value=caller)
    ET.SubElement(stream, "Parameter", name="token", value=token)
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(response, encoding="unicode")


# --- the media stream -------------------------------------------------------------------------


class TwilioOutput:
    """The session's VoiceOutput on a call: reply audio as Twilio "media" messages.

    The session sends a reply in frames at any rate; here they are resampled to 8 kHz as one
    stream per reply (no clicks between frames), coded as mu-law and cut into 20 ms frames.
    "speaking_done" sends the reply's last partial frame (padded with silence) and a "mark";
    a barge-in drops what is buffered here and asks Twilio to "clear" what it has queued.
    """

    def __init__(self, ws: web.WebSocketResponse, stream_sid: str) -> None:
        self._ws = ws
        self.stream_sid = stream_sid
        self._resampler: Resampler | None = None
        self._ulaw = bytearray()  # less than one frame, waiting for more audio
        self._replies = 0
        self._lock = asyncio.Lock()

    async def send_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        logger.debug("twilio %s: %s", self.stream_sid, kind)
        if kind == "speaking":
            self._reset()
        elif kind == "speaking_done":
            await self._end_reply()
        elif kind in ("error", "voice_unavailable"):
            logger.info("twilio %s: %s %s", self.stream_sid, kind, event.get("message", ""))

    async def send_audio(self, pcm16: bytes, rate: int) -> None:
        if self._resampler is None or self._resampler.from_rate != rate:
            self._resampler = Resampler(rate, TWILIO_RATE)
        self._ulaw += g711.encode(self._resampler.process(pcm16))
        await self._send_frames()

    async def clear_audio(self) -> None:
        self._reset()
        await self._send({"event": "clear", "streamSid": self.stream_sid})

    def _reset(self) -> None:
        self._resampler = None
        self._ulaw.clear()

    async def _end_reply(self) -> None:
        if self._resampler is not None:
            self._ulaw += g711.encode(self._resampler.flush())
        if len(self._ulaw) % FRAME_BYTES:
            self._ulaw += bytes([g711.SILENCE]) * (FRAME_BYTES - len(self._ulaw) % FRAME_BYTES)
        await self._send_frames()
        self._reset()
        self._replies += 1
        mark = {"name": f"reply-{self._replies}"}
        await self._send({"event": "mark", "streamSid": self.stream_sid, "mark": mark})

    async def _send_frames(self) -> None:
        whole = len(self._ulaw) - len(self._ulaw) % FRAME_BYTES
        frames = bytes(self._ulaw[:whole])
        del self._ulaw[:whole]
        for offset in range(0, whole, FRAME_BYTES):
            payload = base64.b64encode(frames[offset : offset + FRAME_BYTES]).decode("ascii")
            await self._send(
                {"event": "media", "streamSid": self.stream_sid, "media": {"payload": payload}}
            )

    async def _send(self, message: dict[str, Any]) -> None:
        if self._ws.closed:
            return  # the call is over; the stream handler closes the session
        async with self._lock:
            with contextlib.suppress(ConnectionResetError):
                await self._ws.send_str(json.dumps(message))


class StreamRefused(Exception):
    """A media stream that does not belong to an announced call (or is not Twilio's)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Start:
    stream_sid: str
    call_sid: str


def _message(data: str) -> dict[str, Any]:
    try:
        message = json.loads(data)
    except ValueError as exc:
        raise StreamRefused("a frame is not JSON") from exc
    if not isinstance(message, dict) or not isinstance(message.get("event"), str):
        raise StreamRefused("a frame is not a Media Streams message")
    return message


def _start_of(message: dict[str, Any], pending: PendingCalls) -> _Start:
    start = message.get("start")
    if not isinstance(start, dict):
        raise StreamRefused("the start message has no start object")
    stream_sid = message.get("streamSid") or start.get("streamSid")
    call_sid = start.get("callSid")
    params = start.get("customParameters")
    params = params if isinstance(params, dict) else {}
    token = params.get("token")
    if not isinstance(stream_sid, str) or not stream_sid:
        raise StreamRefused("the start message has no streamSid")
    if not isinstance(call_sid, str) or not isinstance(token, str):
        raise StreamRefused("the start message has no callSid or token")
    media_format = start.get("mediaFormat")
    if isinstance(media_format, dict) and (
        media_format.get("encoding") != "audio/x-mulaw"
        or media_format.get("sampleRate") != TWILIO_RATE
        or media_format.get("channels", 1) != 1
    ):
        raise StreamRefused(f"unsupported media format {media_format}")
    if not pending.claim(call_sid, token):
        raise StreamRefused("no call announced by a signed webhook has this callSid and token")
    return _Start(stream_sid, call_sid)


async def _wait_for_start(ws: web.WebSocketResponse, pending: PendingCalls) -> _Start:
    async with asyncio.timeout(START_TIMEOUT_S):
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                raise StreamRefused("a frame before start is not text")
            message = _message(frame.data)
            if message["event"] == "connected":
                continue
            if message["event"] != "start":
                raise StreamRefused(f"{message['event']!r} came before start")
            return _start_of(message, pending)
    raise StreamRefused("the stream closed before start")


async def media_stream(request: web.Request) -> web.StreamResponse:
    _auth_token(request)
    ws = web.WebSocketResponse(max_msg_size=MAX_FRAME_BYTES)
    await ws.prepare(request)
    try:
        start = await _wait_for_start(ws, request.app[PENDING_CALLS])
    except (StreamRefused, TimeoutError) as exc:
        reason = exc.reason if isinstance(exc, StreamRefused) else "no start message in time"
        logger.warning("twilio: refused a media stream: %s", reason)
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"stream refused")
        return ws
    await _run_call(request.app, ws, start)
    return ws


async def _run_call(app: web.Application, ws: web.WebSocketResponse, start: _Start) -> None:
    output = TwilioOutput(ws, start.stream_sid)
    sender = sender_of(start.call_sid)

    async def hang_up() -> None:  # the session ended itself (idle): end the stream too
        await ws.close()

    session = VoiceSession(
        app[SERVICES], output, sender_id=sender, channel="phone", on_close=hang_up
    )
    sessions = app.get(SESSIONS)
    if sessions is not None:
        sessions.add(session)
    logger.info("twilio: call %s streaming (%s)", sender, start.stream_sid)
    inbound = Resampler(TWILIO_RATE, SESSION_RATE)
    try:
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            try:
                message = _message(frame.data)
            except StreamRefused as exc:
                logger.warning("twilio %s: %s", sender, exc.reason)
                continue
            event = message["event"]
            if event == "media":
                ulaw = _payload(message)
                if ulaw:
                    await session.feed_audio(inbound.process(g711.decode(ulaw)))
            elif event == "stop":
                break
            elif event in ("mark", "dtmf"):
                logger.debug("twilio %s: %s %s", sender, event, message.get(event))
    finally:
        if sessions is not None:
            sessions.discard(session)
        await session.close()
        await ws.close()
        logger.info("twilio: call %s ended", sender)


def _payload(message: dict[str, Any]) -> bytes:
    """The mu-law bytes of an inbound "media" message (b"" for other tracks or garbage)."""
    media = message.get("media")
    if not isinstance(media, dict) or media.get("track", "inbound") != "inbound":
        return b""
    payload = media.get("payload")
    if not isinstance(payload, str):
        return b""
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        logger.warning("twilio: a media payload is not base64")
        return b""
