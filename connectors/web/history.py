"""A conversation's messages for the widget, read from Rasa's tracker events.

The widget redraws a conversation after a reload or in a second tab from these messages
(docs/widget.md, "History"). Only ``user`` and ``bot`` events are
messages. A user message that is a button payload (``/checkout``, ``/add_to_cart{...}``)
reads as the title of the button that sent it, found among the buttons, quick replies and
card buttons of earlier bot messages (most recent first); a payload no button explains is
left out rather than shown as code. Readers never raise on odd events: a tracker written
by an older version still gives a history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NotRequired, TypedDict


class QuickReply(TypedDict):
    content_type: str
    title: str
    payload: str


class HistoryMessage(TypedDict):
    sender: str  # "user" | "bot"
    text: str | None
    timestamp: float
    quick_replies: NotRequired[list[QuickReply]]
    custom: NotRequired[dict[str, Any]]


# the buttons a product card draws, and the payload fields that carry their messages
CARD_BUTTONS = (("add_payload", "Add to cart"), ("details_payload", "Details"))


def _quick_replies(data: Mapping[str, Any]) -> list[QuickReply]:
    replies: list[QuickReply] = []
    for key in ("quick_replies", "buttons"):
        items = data.get(key)
        if not isinstance(items, list):
            continue
        for item in items:
            if not isinstance(item, Mapping):
                continue
            title, payload = item.get("title"), item.get("payload")
            if isinstance(title, str) and isinstance(payload, str):
                replies.append({"content_type": "text", "title": title, "payload": payload})
    return replies


def _card_titles(custom: Mapping[str, Any]) -> dict[str, str]:
    titles: dict[str, str] = {}
    products = custom.get("products") if custom.get("type") == "products" else None
    for card in products if isinstance(products, list) else ():
        if not isinstance(card, Mapping):
            continue
        for field, title in CARD_BUTTONS:
            payload = card.get(field)
            if isinstance(payload, str):
                titles.setdefault(payload, title)
    return titles


def _timestamp(event: Mapping[str, Any]) -> float:
    value = event.get("timestamp")
    return float(value) if isinstance(value, int | float) else 0.0


def history_messages(events: Iterable[Any]) -> list[HistoryMessage]:
    """The user and bot messages of a tracker's events, oldest first."""
    messages: list[HistoryMessage] = []
    titles: dict[str, str] = {}  # payload -> title of a button shown so far (latest wins)
    for event in events:
        if not isinstance(event, Mapping):
            continue
        kind = event.get("event")
        text = event.get("text") if isinstance(event.get("text"), str) else None
        if kind == "user":
            if text is not None and text.startswith("/"):
                text = titles.get(text.strip())
                if text is None:
                    continue
            if not text:
                continue
            messages.append({"sender": "user", "text": text, "timestamp": _timestamp(event)})
        elif kind == "bot":
            raw = event.get("data")
            data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
            replies = _quick_replies(data)
            custom = data.get("custom")
            message: HistoryMessage = {
                "sender": "bot",
                "text": text,
                "timestamp": _timestamp(event),
            }
            if replies:
                message["quick_replies"] = replies
                titles.update((r["payload"].strip(), r["title"]) for r in replies)
            if isinstance(custom, Mapping) and custom:
                message["custom"] = dict(custom)
                titles.update(_card_titles(custom))
            if text or replies or "custom" in message:
                messages.append(message)
    return messages
