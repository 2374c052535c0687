"""What the socket.io channel sends and remembers: standard library only, no Rasa.

Kept apart from the Sanic/Rasa adapter (``connectors/socket_channel.py``) so it can be
tested on any Python, like ``connectors/inbound.py``.

``bot_event`` turns one bot message (a Rasa ``BotUttered.message()`` dict) into the ONE
``bot_uttered`` event the widget and public Rasa web-chat clients read:
``{"text"}``, ``{"text", "quick_replies"}``, either with ``"custom"`` on the same event.
``RecentMessageIds`` remembers the ``metadata.message_id`` of recent messages so a resend
after a network drop is handled once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

# The last message ids remembered across all sessions of one Rasa process.
DEFAULT_REMEMBERED_MESSAGE_IDS = 5000
MAX_MESSAGE_ID_CHARS = 200


def quick_replies(buttons: Any) -> list[dict[str, Any]]:
    """Rasa's buttons (or quick replies) as socket.io quick replies, as Rasa maps them:
    ``{"content_type": "text", "title", "payload"}``; malformed buttons are left out."""
    if not isinstance(buttons, list):
        return []
    replies = []
    for button in buttons:
        if not isinstance(button, Mapping):
            continue
        title, payload = button.get("title"), button.get("payload")
        if isinstance(title, str) and isinstance(payload, str):
            replies.append({"content_type": "text", "title": title, "payload": payload})
    return replies


def bot_event(message: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``bot_uttered`` event of a bot message's text, buttons and custom payload.

    Only those keys: Rasa's message also carries ``timestamp`` and the bot event's own
    metadata (``utter_action``, an agent's id), which clients must not see, and rasa-webchat
    tells a text from a text with buttons by the exact set of keys. None when the message
    has none of the three (an image alone, say: images go in their own event).
    """
    event: dict[str, Any] = {}
    text = message.get("text")
    if isinstance(text, str) and text:
        event["text"] = text
    replies = quick_replies(message.get("quick_replies")) or quick_replies(message.get("buttons"))
    if replies:
        event["quick_replies"] = replies
        event.setdefault("text", "")
    custom = message.get("custom")
    if isinstance(custom, Mapping) and custom:
        event["custom"] = dict(custom)
    return event or None


def image_event(image: str) -> dict[str, Any]:
    """An image as Rasa's socket.io channel sends it (its own event)."""
    return {"attachment": {"type": "image", "payload": {"src": image}}}


def element_events(elements: Any) -> list[dict[str, Any]]:
    """Generic-template elements as Rasa's socket.io channel sends them (one event each)."""
    if not isinstance(elements, list):
        return []
    return [
        {
            "attachment": {
                "type": "template",
                "payload": {"template_type": "generic", "elements": element},
            }
        }
        for element in elements
    ]


def message_id(metadata: Mapping[str, Any]) -> str | None:
    """The client's id of a message (``metadata.message_id``), when it is a usable string."""
    value = metadata.get("message_id")
    if isinstance(value, str) and 0 < len(value) <= MAX_MESSAGE_ID_CHARS:
        return value
    return None


class RecentMessageIds:
    """The ``(session, message id)`` pairs of the last ``capacity`` messages (an LRU).

    In memory, per Rasa process: a resend that reaches another replica is not recognised.
    Several replicas would need a shared store with expiry, e.g. a ``SET NX EX`` in the
    Redis that Rasa's Redis lock store already uses; one replica needs nothing more.
    """

    def __init__(self, capacity: int = DEFAULT_REMEMBERED_MESSAGE_IDS) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def first_time(self, session_id: str, message_id: str) -> bool:
        """Record the pair; False when it was already recorded (a resend: drop it)."""
        key = (session_id, message_id)
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)
