"""The REST channel's input rules (connectors/inbound.py), without a Rasa server."""

from __future__ import annotations

import json

import pytest

from connectors.inbound import BadRequest, clean_text, parse_body, too_long_reply


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_a_normal_message_keeps_sender_text_and_metadata() -> None:
    inbound = parse_body(body(sender="u1", message="running shoes", metadata={"customer": "t"}))
    assert (inbound.sender, inbound.text, inbound.metadata) == (
        "u1",
        "running shoes",
        {"customer": "t"},
    )


def test_control_and_binary_characters_are_removed_but_emoji_and_accents_stay() -> None:
    assert clean_text("re\x00d\x07 sho\x1bes\ud800") == "red shoes"
    assert clean_text("  café\t\n crème  👍🏽 ") == "café crème 👍🏽"
    assert clean_text("\x00\x01\x02") == ""


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        (b"\xff\xfe{not utf-8", "UTF-8"),
        (b'{"sender": "u1", "message": ', "not valid JSON"),
        (b'["sender", "message"]', "JSON object"),
        (body(message="hi"), '"sender"'),
        (body(sender=42, message="hi"), '"sender"'),
        (body(sender="   ", message="hi"), '"sender"'),
        (body(sender="x" * 300, message="hi"), '"sender"'),
        (body(sender="u1"), '"message"'),
        (body(sender="u1", message=["hi"]), '"message"'),
        (body(sender="u1", message="hi", metadata="token"), '"metadata"'),
    ],
)
def test_unusable_bodies_are_refused_with_a_reason(raw: bytes, complaint: str) -> None:
    with pytest.raises(BadRequest, match=complaint):
        parse_body(raw)


def test_too_long_reply_names_the_limit() -> None:
    assert "10,000 characters" in too_long_reply(10_000, 2_000)
    assert "2,000" in too_long_reply(10_000, 2_000)
