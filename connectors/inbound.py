"""Validation and cleaning of a shopper's message before Rasa sees it (standard library only).

Kept apart from the Sanic/Rasa adapter so it can be tested on any Python.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any

MAX_SENDER_CHARS = 256

# What the shopper reads; the channel sends these as ordinary bot messages.
EMPTY_MESSAGE_REPLY = "I didn't get any words there. What can I help you find today?"
TOO_LONG_REPLY = (
    "That message is too long for me ({length} characters; I can read up to {limit}). "
    "Could you tell me in a sentence or two what you are looking for?"
)
SHOP_SYSTEM_DOWN_REPLY = (
    "I can't reach the shop system right now, so I can't answer that. "
    "Nothing you said is lost: please try again in a minute."
)
NO_ANSWER_REPLY = "Sorry, I couldn't work out an answer to that. Could you say it another way?"


class BadRequest(ValueError):
    """The HTTP body cannot be used; ``str(exc)`` is safe to send back to the client."""


@dataclass(frozen=True)
class Inbound:
    sender: str
    text: str  # cleaned
    metadata: dict[str, Any] | None


def clean_text(text: str) -> str:
    """``text`` without control, surrogate or private-use characters, trimmed.

    Tabs and line breaks become spaces; format characters (emoji joiners) are kept.
    """
    kept: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "\t\n\r\v\f\x85\u2028\u2029":
            kept.append(" ")
        elif category in ("Cc", "Cs", "Co"):
            continue
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())


def parse_body(body: bytes) -> Inbound:
    """The sender, cleaned text and metadata of a REST webhook body, or ``BadRequest``."""
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The request body must be JSON encoded as UTF-8.") from None
    try:
        payload = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON ({exc.msg}).") from None
    if not isinstance(payload, dict):
        raise BadRequest('The request body must be a JSON object: {"sender": ..., "message": ...}.')
    sender, message = payload.get("sender"), payload.get("message")
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest('"sender" is required and must be a non-empty string.')
    sender = clean_text(sender)
    if not sender or len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(f'"sender" must be 1 to {MAX_SENDER_CHARS} printable characters.')
    if not isinstance(message, str):
        raise BadRequest('"message" is required and must be a string.')
    metadata = payload.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest('"metadata" must be a JSON object when given.')
    return Inbound(sender=sender, text=clean_text(message), metadata=metadata)


def too_long_reply(length: int, limit: int) -> str:
    return TOO_LONG_REPLY.format(length=f"{length:,}", limit=f"{limit:,}")
