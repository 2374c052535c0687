"""The conversation as the agent reads it, from Rasa's tracker events.

Readers here never raise on odd events: anything unexpected is skipped. Shopper messages
are ``user``; the bot's are ``bot``; messages the desk sent (agent replies, "Ana has
joined", order actions) are ``agent`` with the agent's name, recognised by the
``agent_message`` payload or the ``agent_id`` the desk puts in the event's metadata;
Rasa's pause and resume show as ``system`` lines.
"""

from __future__ import annotations

from typing import Any, TypedDict


class Line(TypedDict):
    sender: str  # "user" | "bot" | "agent" | "system"
    text: str
    agent: str | None  # the agent's name on agent lines
    note: str | None  # what a card showed, in words ("3 products: ...")
    timestamp: float | None


def _custom(event: dict[str, Any]) -> dict[str, Any]:
    data = event.get("data")
    custom = data.get("custom") if isinstance(data, dict) else None
    return custom if isinstance(custom, dict) else {}


def _agent_name(event: dict[str, Any], custom: dict[str, Any]) -> str | None:
    agent = custom.get("agent")
    if isinstance(agent, dict) and isinstance(agent.get("name"), str):
        return str(agent["name"])
    metadata = event.get("metadata")
    if isinstance(metadata, dict) and metadata.get("agent_id") is not None:
        name = metadata.get("agent_name")
        return name if isinstance(name, str) else "an agent"
    return None


def _note(custom: dict[str, Any]) -> str | None:
    kind = custom.get("type")
    if kind == "products" and isinstance(custom.get("products"), list):
        titles = [str(p.get("title", "")) for p in custom["products"] if isinstance(p, dict)]
        return f"{len(titles)} product card(s): " + ", ".join(titles[:5])
    if kind == "cart":
        return f"cart card: {custom.get('item_count', '?')} item(s), {custom.get('subtotal', '')}"
    if kind == "order":
        return f"order card: {custom.get('number', '?')} ({custom.get('status_label', '')})"
    return None


def _timestamp(event: dict[str, Any]) -> float | None:
    value = event.get("timestamp")
    return float(value) if isinstance(value, int | float) else None


def transcript(tracker: dict[str, Any]) -> list[Line]:
    lines: list[Line] = []
    events = tracker.get("events")
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict):
            continue
        kind = event.get("event")
        text = event.get("text")
        text = text if isinstance(text, str) else ""
        if kind == "user":
            lines.append(
                Line(sender="user", text=text, agent=None, note=None, timestamp=_timestamp(event))
            )
        elif kind == "bot":
            custom = _custom(event)
            agent = _agent_name(event, custom)
            lines.append(
                Line(
                    sender="agent" if agent else "bot",
                    text=text,
                    agent=agent,
                    note=_note(custom),
                    timestamp=_timestamp(event),
                )
            )
        elif kind in ("pause", "resume"):
            what = "Bot paused (an agent holds the chat)" if kind == "pause" else "Bot resumed"
            lines.append(
                Line(sender="system", text=what, agent=None, note=None, timestamp=_timestamp(event))
            )
    return lines
