"""``GET /api/chat/history``'s refusals, with Rasa not running (see conftest)."""

from __future__ import annotations

import secrets

from tests.web.conftest import Client


async def test_a_malformed_session_id_is_a_400_with_an_error(client: Client) -> None:
    response = await client.get("/api/chat/history", params={"session_id": "../x"})
    body = await response.json()
    assert (response.status, sorted(body)) == (400, ["error"])


async def test_a_guessable_conversation_id_is_refused(client: Client) -> None:
    response = await client.get("/api/chat/history", params={"session_id": "chatwoot-1-4242424"})
    assert response.status == 400


async def test_rasa_down_is_a_503_that_says_so(client: Client) -> None:
    response = await client.get("/api/chat/history", params={"session_id": secrets.token_hex(16)})
    body = await response.json()
    assert (response.status, body["error"]) == (
        503,
        "The chat server cannot be reached right now; the history is unavailable.",
    )
