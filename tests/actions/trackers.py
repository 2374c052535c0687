"""Hand-built rasa-sdk trackers, as Rasa would send them to the action server."""

from __future__ import annotations

import itertools
import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from shop.identity import sign_customer

SECRET = "unit-test-secret"
_senders = itertools.count(1)


def new_sender() -> str:
    return f"unit-{next(_senders)}"


def entity(name: str, value: str, role: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"entity": name, "value": value}
    if role:
        found["role"] = role
    return found


def tracker(
    text: str = "",
    *,
    intent: str = "inform",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    sender: str = "unit-0",
    active_loop: str | None = None,
    new_slots: dict[str, Any] | None = None,
    input_channel: str | None = None,
) -> Tracker:
    """The tracker after a user message; ``new_slots`` were just extracted from it."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "intent_ranking": [{"name": intent, "confidence": 0.99}],
        "entities": entities or [],
        "metadata": metadata or {},
    }
    extracted = [{"event": "slot", "name": k, "value": v} for k, v in (new_slots or {}).items()]
    return Tracker(
        sender,
        {**(slots or {}), **(new_slots or {})},
        latest,
        [
            {"event": "user", "text": text, "parse_data": latest, "input_channel": input_channel},
            *extracted,
        ],
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def token(customer_id: str) -> str:
    return sign_customer(customer_id, SECRET, ttl_seconds=600, now=time.time())


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def buttons(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    return [b for m in dispatcher.messages for b in m.get("buttons") or []]


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e.get("value") for e in events if e.get("event") == "slot"}


ORDER_FORM = "order_request_form"
# the order form as the domain declares it (bot/domain/orders.yml), for actions that read it
ORDER_FORM_DOMAIN: dict[str, Any] = {
    "forms": {
        ORDER_FORM: {
            "required_slots": [
                "order_number",
                "order_email",
                "cancel_confirmed",
                "return_sku",
                "return_reason",
            ]
        }
    }
}
