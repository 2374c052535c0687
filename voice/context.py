"""What every voice transport shares: the services, the output interface a session talks to,
and the registry of live sessions (closed at shutdown; empty once every client is gone)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from voice.rasa_client import RasaVoiceClient
from voice.settings import VoiceSettings
from voice.speech_clients import SpeechToText, TextToSpeech
from voice.vocabulary import CatalogVocabulary


@dataclass(frozen=True)
class VoiceServices:
    settings: VoiceSettings
    stt: SpeechToText
    tts: TextToSpeech
    rasa: RasaVoiceClient
    vocabulary: CatalogVocabulary


class VoiceOutput(Protocol):
    """A transport a session speaks through: the browser WebSocket or a phone call."""

    async def send_event(self, event: dict[str, Any]) -> None:
        """A JSON-able event with a "type" (see voice/session.py)."""

    async def send_audio(self, pcm16: bytes, rate: int) -> None:
        """Reply audio, mono 16-bit little-endian at ``rate`` Hz."""

    async def clear_audio(self) -> None:
        """Barge-in: drop the audio queued on the shopper's side now."""


class Closable(Protocol):
    async def close(self) -> None: ...


class SessionRegistry:
    """The sessions alive in this process; a transport adds its session when it starts and
    closes it through ``close`` in a ``finally`` when the client goes, so a vanished client
    frees it. A session is listed until its close has finished."""

    def __init__(self) -> None:
        self._sessions: set[Closable] = set()
        self._closing: set[asyncio.Future[None]] = set()

    def add(self, session: Closable) -> None:
        self._sessions.add(session)

    def discard(self, session: Closable) -> None:
        self._sessions.discard(session)

    def __len__(self) -> int:
        return len(self._sessions)

    def __iter__(self) -> Iterator[Closable]:
        return iter(list(self._sessions))

    async def close(self, session: Closable) -> None:
        """Closes the session and forgets it once it is closed, even if the caller is
        cancelled meanwhile (the closing goes on in its own task)."""
        closing = asyncio.ensure_future(session.close())
        self._closing.add(closing)

        def forget(done: asyncio.Future[None]) -> None:
            self._closing.discard(done)
            self._sessions.discard(session)

        closing.add_done_callback(forget)
        await asyncio.shield(closing)

    async def close_all(self) -> None:
        await asyncio.gather(*(self.close(s) for s in list(self._sessions)))


SERVICES = web.AppKey("services", VoiceServices)
SESSIONS = web.AppKey("voice_sessions", SessionRegistry)
