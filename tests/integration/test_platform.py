"""The platform seen from outside: Rasa's HTTP API, the REST channel, the action server,
the tracker store and outages, all over real HTTP."""

from __future__ import annotations

import json
import subprocess
import urllib.request
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from connectors.inbound import EMPTY_MESSAGE_REPLY, SHOP_SYSTEM_DOWN_REPLY
from scripts.stackctl import ROOT, get_json, post_json

if TYPE_CHECKING:
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def user_texts(tracker: dict[str, object]) -> list[str]:
    events = tracker.get("events")
    assert isinstance(events, list)
    return [e["text"] for e in events if e.get("event") == "user"]


def test_http_api_refuses_requests_without_the_token(stack: Stack) -> None:
    status, _ = get_json(f"{stack.rasa_url}/status")
    assert status == 401
    status, _ = get_json(f"{stack.rasa_url}/status?token=wrong")
    assert status == 401
    status, _ = get_json(f"{stack.rasa_url}/conversations/someone/tracker")
    assert status == 401
    status, body = get_json(f"{stack.rasa_url}/status?token={stack.token}")
    assert status == 200
    assert body["model_file"].endswith("shop.tar.gz")


def test_a_greeting_gets_an_answer(stack: Stack) -> None:
    assert stack.say(new_sender(), "hi").strip()


@pytest.mark.parametrize("message", ["", "   ", "\x00\x01\x02\x7f", "\n\t"])
def test_empty_messages_get_a_friendly_prompt(stack: Stack, message: str) -> None:
    replies = stack.send(new_sender(), message)
    assert [r["text"] for r in replies] == [EMPTY_MESSAGE_REPLY]


def test_a_very_long_message_is_declined_clearly(stack: Stack) -> None:
    sender = new_sender()
    reply = stack.say(sender, "shoes " * 1700)  # 10,200 characters
    assert "too long" in reply
    assert "2,000" in reply
    assert user_texts(stack.tracker(sender)) == []  # never reached the dialogue


def test_binary_characters_are_stripped_before_the_dialogue(stack: Stack) -> None:
    sender = new_sender()
    assert stack.say(sender, "h\x00e\x01llo\x1b").strip()
    assert user_texts(stack.tracker(sender)) == ["hello"]


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b'{"sender": "a", "message": "caf\xe9"}', "UTF-8"),
        (b'{"sender": "a", "message": ', "not valid JSON"),
        (b"", "not valid JSON"),
        (json.dumps({"sender": "a", "message": 42}).encode(), '"message"'),
        (json.dumps({"sender": ["a"], "message": "hi"}).encode(), '"sender"'),
        (json.dumps({"message": "hi"}).encode(), '"sender"'),
        (json.dumps({"sender": "a", "message": "hi", "metadata": "x"}).encode(), '"metadata"'),
        (json.dumps(["hi"]).encode(), "JSON object"),
    ],
)
def test_malformed_requests_get_a_400_with_a_reason(
    stack: Stack, body: bytes, complaint: str
) -> None:
    status, reply = post_json(stack.webhook_url, body)
    assert status == 400
    assert complaint in reply["error"]


def test_metadata_reaches_the_tracker_with_the_address_the_channel_saw(stack: Stack) -> None:
    sender = new_sender()
    stack.send(sender, "hello", metadata={"customer_token": "abc", "locale": "en-GB"})
    latest = stack.tracker(sender)["latest_message"]
    assert latest["metadata"] == {
        "customer_token": "abc",
        "locale": "en-GB",
        "client_address": "127.0.0.1",
    }


def test_a_client_address_sent_by_the_client_is_replaced(stack: Stack) -> None:
    sender = new_sender()
    stack.send(sender, "hello", metadata={"client_address": "198.51.100.23"})
    latest = stack.tracker(sender)["latest_message"]
    assert latest["metadata"] == {"client_address": "127.0.0.1"}


SOCKET_CLIENT = """
import asyncio, json, sys
import socketio

async def main(url):
    loop = asyncio.get_running_loop()
    confirmed, answered = loop.create_future(), loop.create_future()
    sio = socketio.AsyncClient()

    @sio.on("session_confirm")
    async def on_confirm(session_id):
        if not confirmed.done():
            confirmed.set_result(session_id)

    @sio.on("bot_uttered")
    async def on_bot(data):
        if not answered.done():
            answered.set_result(data)

    await sio.connect(url, socketio_path="/socket.io", transports=["polling"])
    await sio.emit("session_request", {"session_id": None})
    session_id = await asyncio.wait_for(confirmed, 30)
    metadata = {"client_address": "198.51.100.23", "locale": "fr-FR"}
    await sio.emit("user_uttered", {"message": "hello", "session_id": session_id,
                                    "metadata": metadata})
    await asyncio.wait_for(answered, 60)
    await sio.disconnect()
    print(session_id)

asyncio.run(main(sys.argv[1]))
"""


def test_the_socket_channel_adds_the_address_it_saw_and_ignores_the_clients(
    stack: Stack,
) -> None:
    done = subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "python"), "-c", SOCKET_CLIENT, stack.rasa_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    session_id = done.stdout.strip().splitlines()[-1]
    latest = stack.tracker(session_id)["latest_message"]
    assert latest["text"] == "hello"
    assert latest["metadata"] == {"client_address": "127.0.0.1", "locale": "fr-FR"}


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    pairs = (item.decode(errors="replace").partition("=") for item in raw if item)
    return {name: value for name, _, value in pairs}


def test_no_secret_is_on_any_command_line(stack: Stack) -> None:
    assert stack.knowledge_url  # starts the knowledge API: all three processes run
    secrets = (stack.token, stack.settings.customer_token_secret)
    listing = subprocess.run(
        ["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True
    ).stdout
    for secret in secrets:
        assert secret not in listing
    for name in ("rasa", "actions", "knowledge"):
        line = _cmdline(stack.pid(name))
        assert all(secret not in line for secret in secrets), name
    assert "connectors.serve" in _cmdline(stack.pid("rasa"))


def test_each_process_gets_only_the_secrets_it_needs(stack: Stack) -> None:
    assert stack.knowledge_url  # starts the knowledge API
    token, customer_secret = stack.token, stack.settings.customer_token_secret
    knowledge = _environ(stack.pid("knowledge"))
    assert "RASA_TOKEN" not in knowledge and "CUSTOMER_TOKEN_SECRET" not in knowledge
    assert token not in knowledge.values() and customer_secret not in knowledge.values()
    actions = _environ(stack.pid("actions"))
    assert actions["CUSTOMER_TOKEN_SECRET"] == customer_secret
    assert "RASA_TOKEN" not in actions and token not in actions.values()
    rasa = _environ(stack.pid("rasa"))
    assert rasa["RASA_TOKEN"] == token  # read, then removed by connectors/serve.py
    assert "CUSTOMER_TOKEN_SECRET" not in rasa and customer_secret not in rasa.values()


def _preflight(stack: Stack, origin: str) -> dict[str, str]:
    request = urllib.request.Request(
        stack.webhook_url,
        method="OPTIONS",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return {k.lower(): v for k, v in response.headers.items()}


def test_a_cors_preflight_from_a_foreign_origin_gets_no_allow_origin(stack: Stack) -> None:
    assert "access-control-allow-origin" not in _preflight(stack, "https://evil.example")


def test_a_cors_preflight_from_the_projects_origin_is_allowed(stack: Stack) -> None:
    own = stack.cors_origins[0]
    assert own == stack.rasa_url
    assert _preflight(stack, own)["access-control-allow-origin"] == own


def test_malformed_json_to_the_action_server_is_a_client_error(stack: Stack) -> None:
    status, _ = post_json(f"{stack.action_url}/webhook", b'{"next_action": ')
    assert 400 <= status < 500


def test_malformed_json_to_the_knowledge_api_is_a_client_error(stack: Stack) -> None:
    for path in ("/v1/search/products", "/v1/faq"):
        status, _ = post_json(f"{stack.knowledge_url}{path}", b'{"query": ')
        assert 400 <= status < 500, path


def test_conversations_survive_a_rasa_restart(stack: Stack) -> None:
    sender = new_sender()
    stack.say(sender, "hi")
    stack.say(sender, "what can you do?")
    stack.restart_rasa()
    assert user_texts(stack.tracker(sender)) == ["hi", "what can you do?"]
    assert stack.say(sender, "thanks").strip()
    assert user_texts(stack.tracker(sender))[-1] == "thanks"


def test_the_bot_says_when_the_shop_system_is_down_and_recovers(stack: Stack) -> None:
    sender = new_sender()
    stack.say(sender, "hi")
    stack.stop_action_server()
    try:
        down = stack.say(sender, "where is my order 10023?")
        assert down == SHOP_SYSTEM_DOWN_REPLY
    finally:
        stack.start_action_server()
    back = stack.say(sender, "where is my order 10023?")
    assert back.strip()
    assert SHOP_SYSTEM_DOWN_REPLY not in back
