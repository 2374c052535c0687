"""Conversations with a history, for the hand-off tests: trackers as Rasa sends them.

``tests/actions/trackers.py`` builds the tracker of one message; the hand-off decisions
read what came before (misunderstandings, the bot's offer of a person), so these trackers
carry whole event lists in Rasa 3.6's shapes.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

# The keys of a custom action's message that Rasa moves into the bot event's ``data``;
# every other non-empty key becomes the event's metadata (rasa/core/actions/action.py:
# ``RemoteAction._utter_responses`` and ``create_bot_utterance``).
_DATA_KEYS = ("elements", "quick_replies", "buttons", "attachment", "image", "custom")


def user(
    text: str,
    intent: str,
    *,
    entities: list[dict[str, Any]] | None = None,
    runners_up: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A shopper's message; ``runners_up``: the NLU's next guesses, best first."""
    ranking = [intent, *runners_up]
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "intent_ranking": [{"name": name, "confidence": 0.5} for name in ranking],
        "entities": entities or [],
        "metadata": {},
    }
    return {
        "event": "user",
        "text": text,
        "parse_data": parse_data,
        "input_channel": "socketio",
        "metadata": {},
    }


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def bot(text: str, **metadata: Any) -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": {}, "metadata": metadata}


def loop(name: str | None) -> dict[str, Any]:
    return {"event": "active_loop", "name": name}


REWIND = {"event": "rewind"}  # UserUtteranceReverted


def bot_events(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """The bot events Rasa records for a custom action's messages."""
    events = []
    for message in dispatcher.messages:
        draft = {k: v for k, v in message.items() if v and k not in ("template", "response")}
        data = {key: draft.pop(key, None) for key in _DATA_KEYS}
        text = draft.pop("text", None)
        events.append({"event": "bot", "text": text, "data": data, "metadata": draft})
    return events


def conversation(
    *events: dict[str, Any],
    sender: str,
    slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """The tracker after ``events``; its latest message is the last user event's."""
    latest = next(e for e in reversed(events) if e["event"] == "user")
    return Tracker(
        sender,
        slots or {},
        latest["parse_data"],
        list(events),
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )
