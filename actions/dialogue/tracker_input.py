"""Reading what the shopper said from a rasa-sdk tracker, defensively.

Trackers come over HTTP from Rasa; any field may be missing or of an odd type, so every
reader here returns a clean value or None rather than raising.
"""

from __future__ import annotations

import re
import time
from typing import Any

from rasa_sdk import Tracker

from shop.identity import verify_customer_token
from shop.number_words import cardinal

# quantities said without a number; numbers as words ("two", "twelve") are read by cardinal
_QUANTITY_WORDS = {"a": 1, "an": 1, "a couple": 2, "a pair": 1, "pair": 1}
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "top": 1,
}


def text(tracker: Tracker) -> str:
    """The shopper's words; empty for a button payload ("/intent{...}")."""
    value = tracker.latest_message.get("text") if tracker.latest_message else None
    if not isinstance(value, str) or value.startswith("/"):
        return ""
    return value.strip()


def is_button(tracker: Tracker) -> bool:
    """The message is a button payload ("/intent{...}"), not typed words."""
    value = tracker.latest_message.get("text") if tracker.latest_message else None
    return isinstance(value, str) and value.startswith("/")


def intent(tracker: Tracker) -> str | None:
    found = (tracker.latest_message or {}).get("intent") or {}
    name = found.get("name") if isinstance(found, dict) else None
    return name if isinstance(name, str) else None


def entities(tracker: Tracker, name: str, *, role: str | None = None) -> list[str]:
    """String values of the latest message's ``name`` entities (optionally one role)."""
    values: list[str] = []
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if not isinstance(entity, dict) or entity.get("entity") != name:
            continue
        if role is not None and entity.get("role") != role:
            continue
        value = entity.get("value")
        if isinstance(value, (str, int, float)) and str(value).strip():
            values.append(str(value).strip())
    return values


def entity(tracker: Tracker, name: str, *, role: str | None = None) -> str | None:
    values = entities(tracker, name, role=role)
    return values[0] if values else None


def parse_quantity(value: str | None) -> int | None:
    if not value:
        return None
    cleaned = value.strip().lower()
    if cleaned in _QUANTITY_WORDS:
        return _QUANTITY_WORDS[cleaned]
    words = cleaned.replace("-", " ").split()
    reading = cardinal(words, 0)
    if reading is not None and reading[1] == len(words):
        return reading[0]
    match = re.search(r"\d+", cleaned)
    return int(match.group()) if match else None


def parse_ordinal(value: str | None, count: int) -> int | None:
    """A 0-based index into a list of ``count`` items, or None if ``value`` names none."""
    if not value:
        return None
    cleaned = value.strip().lower().lstrip("#")
    if cleaned in ("last", "last one", "the last"):
        return count - 1 if count else None
    position = _ORDINALS.get(cleaned)
    if position is None:
        match = re.fullmatch(r"(\d+)(st|nd|rd|th)?", cleaned)
        position = int(match.group(1)) if match else None
    if position is None or not 1 <= position <= count:
        return None
    return position - 1


def parse_price_cents(value: str | None) -> int | None:
    if not value:
        return None
    match = re.search(r"\d+(?:[.,]\d{1,2})?", value)
    if not match:
        return None
    return round(float(match.group().replace(",", ".")) * 100)


MAX_ID_CHARS = 200


def button_product_id(tracker: Tracker) -> str | None:
    """The product id a card's button names (``/add_to_cart{"product": "P00042"}``).

    Only on a button payload: in typed words the ``product`` entity is words ("trail
    shoes"), never an id.
    """
    if not is_button(tracker):
        return None
    value = entity(tracker, "product")
    return value if value is not None and len(value) <= MAX_ID_CHARS else None


def page_product_id_in(metadata: object) -> str | None:
    """The product of the page the shopper is on, as the widget sends it in the message's
    metadata: ``{"page": {"url": ..., "product_id": "P00042" or null, "title": ...}}``."""
    page = metadata.get("page") if isinstance(metadata, dict) else None
    value = page.get("product_id") if isinstance(page, dict) else None
    if isinstance(value, str) and value.strip() and len(value.strip()) <= MAX_ID_CHARS:
        return value.strip()
    return None


def page_product_id(tracker: Tracker) -> str | None:
    return page_product_id_in((tracker.latest_message or {}).get("metadata"))


def slot_str(tracker: Tracker, name: str) -> str | None:
    value = tracker.get_slot(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def slot_list(tracker: Tracker, name: str) -> list[str]:
    value = tracker.get_slot(name)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]


def slot_dict(tracker: Tracker, name: str) -> dict[str, Any]:
    value = tracker.get_slot(name)
    return value if isinstance(value, dict) else {}


def _token_candidates(tracker: Tracker) -> list[object]:
    candidates: list[object] = []
    metadata = (tracker.latest_message or {}).get("metadata")
    if isinstance(metadata, dict):
        candidates.append(metadata.get("customer_token"))
    session_metadata = tracker.get_slot("session_started_metadata")
    if isinstance(session_metadata, dict):
        candidates.append(session_metadata.get("customer_token"))
    return candidates


def verified_customer(tracker: Tracker, secret: str, *, now: float | None = None) -> str | None:
    """The logged-in customer's id, only from a token signed with ``secret``.

    An unsigned ``customer_id`` in metadata is ignored on purpose: channels pass client
    metadata through, so only the signature proves who is logged in.
    """
    moment = time.time() if now is None else now
    for token in _token_candidates(tracker):
        customer_id = verify_customer_token(token, secret, now=moment)
        if customer_id:
            return customer_id
    return None


def channel(tracker: Tracker) -> str | None:
    name = tracker.get_latest_input_channel()
    return name if isinstance(name, str) else None


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
NOT_AN_EMAIL = (
    "That doesn't look like an e-mail address (like name@example.com). Could you check it?"
)


def email_in(value: Any) -> str | None:
    """The e-mail address in a slot value, lower-cased, or None."""
    found = EMAIL.search(value) if isinstance(value, str) else None
    return found.group().lower() if found else None
