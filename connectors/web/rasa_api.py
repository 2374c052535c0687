"""A small client of Rasa's HTTP API for the web service (history, pause, agent messages).

The token travels as the ``token`` query parameter (how Rasa's ``--auth-token`` is checked)
and never leaves this process: browsers talk to the web service, which talks to Rasa.
Messages meant for the shopper are appended as bot events with
``output_channel=socketio&execute_side_effects=true``: Rasa logs them in the tracker (the
transcript) and its socket.io channel emits them to the conversation's room (the widget).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=15)


class RasaUnavailable(RuntimeError):
    """Rasa's HTTP API did not answer, or answered with an error."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(f"Rasa could not {what}: {detail}")
        self.what = what
        self.detail = detail


class RasaApi:
    def __init__(self, base_url: str, token: str) -> None:
        if not token:
            raise ValueError("RASA_TOKEN is not set: the web service needs Rasa's API token.")
        self._base = base_url.rstrip("/")
        self._token = token
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    def _url(self, conversation_id: str, tail: str) -> str:
        return f"{self._base}/conversations/{quote(conversation_id, safe='')}/{tail}"

    async def _call(
        self, what: str, method: str, url: str, params: dict[str, str], body: Any = None
    ) -> Any:
        try:
            async with self._client().request(
                method, url, params={**params, "token": self._token}, json=body
            ) as resp:
                if resp.status >= 400:
                    text = (await resp.text())[:300]
                    raise RasaUnavailable(what, f"HTTP {resp.status}: {text}")
                return await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailable(what, f"{type(exc).__name__}: {exc}") from exc

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's tracker with every event (an unknown id gives an empty one)."""
        body = await self._call(
            "read the conversation",
            "GET",
            self._url(conversation_id, "tracker"),
            {"include_events": "ALL"},
        )
        if not isinstance(body, dict):
            raise RasaUnavailable("read the conversation", f"unexpected answer {body!r:.200}")
        return body

    async def append_events(
        self, conversation_id: str, events: list[dict[str, Any]], *, to_shopper: bool
    ) -> None:
        """Append events; with ``to_shopper`` bot events are also sent over socket.io."""
        params = {"include_events": "NONE"}
        if to_shopper:
            params |= {"output_channel": "socketio", "execute_side_effects": "true"}
        await self._call(
            "update the conversation",
            "POST",
            self._url(conversation_id, "tracker/events"),
            params,
            events,
        )

    async def pause(self, conversation_id: str) -> None:
        await self.append_events(conversation_id, [{"event": "pause"}], to_shopper=False)

    async def resume(self, conversation_id: str) -> None:
        await self.append_events(conversation_id, [{"event": "resume"}], to_shopper=False)

    async def say(
        self,
        conversation_id: str,
        text: str,
        custom: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """A message to the shopper, in the transcript and live in the widget."""
        event: dict[str, Any] = {"event": "bot", "text": text, "metadata": metadata or {}}
        if custom is not None:
            event["data"] = {"custom": custom}
        await self.append_events(conversation_id, [event], to_shopper=True)
