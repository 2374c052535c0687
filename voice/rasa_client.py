"""The gateway's way to Rasa: the voice channel's webhook (connectors/voice_channel.py).

``POST {rasa_url}/webhooks/voice/webhook`` with ``{"sender", "message", "metadata"}`` answers
with the list of Rasa messages of that turn (text, buttons, custom cards). The gateway is a
channel client like the widget: the sender id is the conversation id and the cart key, so
voice and chat on one page share one conversation.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer the voice webhook usefully; the shopper is told the shop's system
    is not answering (see voice/session.py)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Rasa's voice webhook {url} did not answer: {reason}")
        self.url = url
        self.reason = reason


class RasaVoiceClient:
    """Sends one shopper message to Rasa's voice channel and returns Rasa's messages."""

    def __init__(
        self, http: aiohttp.ClientSession, *, rasa_url: str, timeout_s: float = 30.0
    ) -> None:
        self._http = http
        self.url = rasa_url.rstrip("/") + "/webhooks/voice/webhook"
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        body = {"sender": sender, "message": text, "metadata": {**(metadata or {}), "voice": True}}
        try:
            async with self._http.post(self.url, json=body, timeout=self._timeout) as response:
                if response.status != 200:
                    detail = (await response.text())[:200]
                    raise RasaUnavailable(self.url, f"HTTP {response.status} {detail}")
                answer = await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RasaUnavailable(self.url, f"{type(exc).__name__}: {exc}") from exc
        except ValueError as exc:  # the body is not JSON
            raise RasaUnavailable(self.url, f"the answer is not JSON ({exc})") from exc
        if not isinstance(answer, list) or not all(isinstance(m, dict) for m in answer):
            raise RasaUnavailable(self.url, "the answer is not a list of messages")
        return answer
