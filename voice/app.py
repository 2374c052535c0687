"""The voice gateway's aiohttp application: the browser's WebSocket and voice page, the plain
HTTP API and the phone line (voice/http_api.py, voice/twilio.py), and a health check.

The services (speech clients, Rasa client, the catalog's vocabulary) are made once at start
in ``cleanup_ctx`` around one shared ``aiohttp.ClientSession``; a test passes its own
``VoiceServices`` instead. At shutdown every live session is closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web

from voice import browser, http_api, twilio
from voice.context import SERVICES, SESSIONS, SessionRegistry, VoiceServices
from voice.rasa_client import RasaVoiceClient
from voice.settings import VoiceSettings
from voice.speech_clients import SpeechToText, TextToSpeech
from voice.vocabulary import CatalogVocabulary, VocabularyUnavailable

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The voice page runs only its own scripts and talks to this server (its WebSocket included).
CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.content_type == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith("/voice/static/"):
        # the widget on the storefront's origin loads the voice client and its AudioWorklet
        # module (fetched in CORS mode) from here; they are public files
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response


async def health(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    stt, tts = await asyncio.gather(services.stt.is_up(), services.tts.is_up())
    return web.json_response({"status": "ok", "stt": stt, "tts": tts})


def _vocabulary(database_url: str | None) -> CatalogVocabulary:
    if not database_url:
        return CatalogVocabulary.from_names([])
    try:
        return CatalogVocabulary.from_shop_database(database_url)
    except VocabularyUnavailable as exc:
        logger.warning("%s The gateway runs without the catalog's words.", exc)
        return CatalogVocabulary.from_names([])


def make_app(
    settings: VoiceSettings,
    *,
    services: VoiceServices | None = None,
    shop_database_url: str | None = None,
) -> web.Application:
    """``services`` given (tests): used as they are. Otherwise made at start from
    ``settings``, with the catalog's vocabulary read from ``shop_database_url``."""
    app = web.Application(middlewares=[security_headers])
    app[SESSIONS] = SessionRegistry()
    if services is not None:
        app[SERVICES] = services

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        http: aiohttp.ClientSession | None = None
        if services is None:
            http = aiohttp.ClientSession()
            app[SERVICES] = VoiceServices(
                settings=settings,
                stt=SpeechToText(settings.stt_uri, language=settings.language),
                tts=TextToSpeech(settings.tts_uri),
                rasa=RasaVoiceClient(http, rasa_url=settings.rasa_url),
                vocabulary=await asyncio.to_thread(_vocabulary, shop_database_url),
            )
        try:
            yield
        finally:
            await app[SESSIONS].close_all()
            if http is not None:
                await http.close()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_get("/health", health)
    browser.add_routes(app)
    http_api.add_routes(app)
    twilio.add_routes(app)
    return app
