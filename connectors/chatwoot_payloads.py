"""Chatwoot's agent-bot wire format, read and written without Rasa (standard library only).

An Agent Bot in Chatwoot is a webhook URL attached to an inbox. Chatwoot POSTs every
message of that inbox's conversations to it and the bot answers through Chatwoot's
application API; ``connectors/chatwoot.py`` is the Rasa side of that, this module the rules
it follows, kept apart so they can be tested on any Python. Sources (Chatwoot's own code,
read for this module):

- ``app/listeners/agent_bot_listener.rb``: ``message_created`` and ``message_updated`` are
  sent for messages that are ``incoming`` or ``outgoing`` (``webhook_sendable?``), as
  ``Message#webhook_data`` merged with ``"event"``;
- ``app/models/message.rb`` ``webhook_data``: ``id``, ``content``, ``message_type``
  ("incoming" | "outgoing" | "activity" | "template"), ``content_type``, ``private``,
  ``content_attributes``, ``sender`` (a contact: ``type`` "contact", ``email``...),
  ``conversation`` (``id`` is the display id the API uses, ``status``: "pending" while a
  bot holds it, "open" once people do, "resolved", "snoozed"; ``meta.sender`` the contact),
  ``account`` (``id``);
- ``POST /api/v1/accounts/{account}/conversations/{id}/messages`` with the header
  ``api_access_token`` (an Agent Bot's token may call it: ``BOT_ACCESSIBLE_ENDPOINTS`` in
  ``app/controllers/concerns/access_token_auth_helper.rb``) and a body ``{"content",
  "message_type": "outgoing", "private": false, "content_type"?, "content_attributes"?}``;
- options: ``content_type`` "input_select" with ``content_attributes.items`` =
  ``[{"title", "value"}]`` (``ContentAttributeValidator``: exactly those keys; Chatwoot's
  "interactive messages" guide). The web widget answers a choice by updating that message
  with ``content_attributes.submitted_values`` = ``[{"title", "value"}]``, which reaches
  the bot as ``message_updated`` of the bot's own (outgoing) message;
- hand-off: ``POST .../conversations/{id}/toggle_status`` ``{"status": "open"}``; from an
  Agent Bot on a pending conversation Chatwoot records a bot hand-off
  (``ConversationsController#toggle_status``, ``pending_to_open_by_bot?``).

What the adapter answers: an incoming, non-private message of a **pending** conversation,
and a choice submitted on an options message. Everything else (agents' messages, private
notes, the bot's own messages coming back, conversations people hold) is ignored, so the
bot is silent as soon as a conversation is open.

The contact's e-mail is passed on for the agent's convenience only: in Chatwoot a visitor
can type any address into the widget, so it proves nothing about who writes.
"""

from __future__ import annotations

import hmac
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from connectors.inbound import clean_text

CHANNEL_NAME = "chatwoot"
SENDER_PREFIX = "chatwoot"
DEFAULT_MAX_MESSAGE_CHARS = 2000
# Query parameter of the Agent Bot's webhook URL (the one thing Chatwoot lets you set), or
# the header a proxy in front of Rasa may add instead, that carries the shared secret.
SECRET_QUERY_PARAMETER = "secret"
SECRET_HEADER = "X-Chatwoot-Bot-Secret"
# Chatwoot's numbering of message types in push events; webhooks use the names.
_MESSAGE_TYPES = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}
# Hand-off states (docs/widget.md, custom payload "handoff") that ask for a person.
HANDOFF_REQUEST_STATES = frozenset({"queued", "offline"})
MAX_EMAIL_CHARS = 254
MAX_CHOICE_ITEMS = 10
CHOOSE_PROMPT = "Please choose:"


class ChatwootConfigError(ValueError):
    """The Chatwoot channel is switched on (CHATWOOT_URL) but cannot work as configured."""


@dataclass(frozen=True)
class ChatwootSettings:
    """Where Chatwoot is and how the bot proves itself to it, and Chatwoot to the bot."""

    url: str  # base URL of the Chatwoot installation, no trailing slash
    api_token: str  # the Agent Bot's access token (secret)
    webhook_secret: str | None  # shared secret of the webhook URL (secret); None: not checked
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS

    def __repr__(self) -> str:  # never print the secrets
        return f"ChatwootSettings(url={self.url!r}, max_message_chars={self.max_message_chars})"

    @classmethod
    def from_sources(
        cls, credentials: Mapping[str, Any] | None, env: Mapping[str, str]
    ) -> ChatwootSettings | None:
        """The settings from credentials.yml, else the environment; None when switched off.

        The channel is on when a URL is given (``url`` or CHATWOOT_URL); then the token
        (``api_token`` or CHATWOOT_API_TOKEN) is required. The secret (``webhook_secret`` or
        CHATWOOT_WEBHOOK_SECRET) is optional.
        """
        given = dict(credentials or {})

        def pick(key: str, variable: str) -> str:
            value = given.get(key)
            if value is None or value == "":
                value = env.get(variable, "")
            return str(value).strip()

        url = pick("url", "CHATWOOT_URL").rstrip("/")
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ChatwootConfigError(
                f"CHATWOOT_URL must be the http(s) address of Chatwoot, e.g. "
                f"https://chat.example.com; got {url!r}."
            )
        if parts.query or parts.fragment:
            raise ChatwootConfigError(f"CHATWOOT_URL must not have a query or fragment: {url!r}.")
        token = pick("api_token", "CHATWOOT_API_TOKEN")
        if not token:
            raise ChatwootConfigError(
                "CHATWOOT_URL is set but CHATWOOT_API_TOKEN is not: copy the Agent Bot's "
                "access token from Chatwoot (docs/chatwoot.md), or unset CHATWOOT_URL."
            )
        secret = pick("webhook_secret", "CHATWOOT_WEBHOOK_SECRET") or None
        raw_limit = given.get("max_message_chars") or DEFAULT_MAX_MESSAGE_CHARS
        try:
            limit = int(raw_limit)
        except (TypeError, ValueError):
            raise ChatwootConfigError(
                f"max_message_chars must be a whole number; got {raw_limit!r}."
            ) from None
        if limit < 1:
            raise ChatwootConfigError(f"max_message_chars must be positive; got {limit}.")
        return cls(url=url, api_token=token, webhook_secret=secret, max_message_chars=limit)


def secret_matches(expected: str | None, given: str | None) -> bool:
    """True when no secret is configured, or ``given`` equals it (constant-time compare)."""
    if expected is None:
        return True
    if not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


@dataclass(frozen=True)
class ChatwootTurn:
    """One thing the shopper said in a pending Chatwoot conversation, for Rasa."""

    kind: Literal["message", "choice"]  # typed text, or an option picked on our message
    account_id: int
    conversation_id: int  # the display id: the one in the dashboard and the API paths
    message_id: int
    text: str  # cleaned (connectors.inbound.clean_text)
    inbox_id: int | None = None
    contact_id: int | None = None
    contact_email: str | None = None  # unverified: the visitor may have typed it

    @property
    def sender_id(self) -> str:
        return sender_id(self.account_id, self.conversation_id)

    @property
    def dedup_key(self) -> tuple[str, int, int]:
        """Chatwoot may deliver an event twice; a turn is answered once."""
        return (self.kind, self.account_id, self.message_id)

    def metadata(self) -> dict[str, Any]:
        """Rasa message metadata: the Chatwoot ids, and the contact's e-mail when known."""
        chatwoot: dict[str, Any] = {
            "account_id": self.account_id,
            "conversation_id": self.conversation_id,
            "message_id": self.message_id,
        }
        if self.inbox_id is not None:
            chatwoot["inbox_id"] = self.inbox_id
        if self.contact_id is not None:
            chatwoot["contact_id"] = self.contact_id
        if self.contact_email:
            chatwoot["contact_email"] = self.contact_email
        return {"chatwoot": chatwoot}


@dataclass(frozen=True)
class Ignored:
    """An event the bot does not answer, and why (logged, and echoed to Chatwoot)."""

    reason: str


def sender_id(account_id: int, conversation_id: int) -> str:
    """The Rasa conversation id of a Chatwoot conversation: one tracker per conversation."""
    return f"{SENDER_PREFIX}-{account_id}-{conversation_id}"


def _id(value: Any) -> int | None:
    """A Chatwoot id: a positive int, or its decimal string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isdigit() and len(value) <= 18:
        number = int(value)
        return number if number > 0 else None
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _message_type(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _MESSAGE_TYPES.get(value)
    return None


def _email(value: Any) -> str | None:
    """A plausible e-mail address, or None (Chatwoot does not verify it either)."""
    if not isinstance(value, str):
        return None
    email = value.strip()
    if not email or len(email) > MAX_EMAIL_CHARS or any(ch.isspace() for ch in email):
        return None
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain:
        return None
    return email


def _contact(payload: Mapping[str, Any], conversation: Mapping[str, Any]) -> dict[str, Any]:
    """The contact of the conversation: the message's sender when it is one, else meta."""
    sender = _dict(payload.get("sender"))
    if sender.get("type") == "contact":
        return sender
    return _dict(_dict(conversation.get("meta")).get("sender"))


def _chosen_value(payload: Mapping[str, Any]) -> str | None:
    """The value the shopper picked on an options message, if it is one we offered."""
    attributes = _dict(payload.get("content_attributes"))
    submitted = attributes.get("submitted_values")
    if not isinstance(submitted, list) or not submitted:
        return None
    picked = _dict(submitted[0]).get("value")
    offered = {
        item.get("value")
        for item in attributes.get("items") or []
        if isinstance(item, dict) and isinstance(item.get("value"), str)
    }
    if isinstance(picked, str) and picked in offered:
        return picked
    return None


def parse_event(payload: Any) -> ChatwootTurn | Ignored:
    """What the bot should do with one webhook event: a turn for Rasa, or Ignored(reason)."""
    if not isinstance(payload, dict):
        return Ignored("the event is not a JSON object")
    event = payload.get("event")
    if event not in ("message_created", "message_updated"):
        return Ignored(f"event {event!r} needs no answer")
    conversation = _dict(payload.get("conversation"))
    status = conversation.get("status")
    if status != "pending":
        # people hold the conversation (open), or it is closed: the bot stays quiet
        return Ignored(f"the conversation is {status!r}, not pending")
    if payload.get("private") is True:
        return Ignored("a private note")
    account_id = _id(_dict(payload.get("account")).get("id"))
    conversation_id = _id(conversation.get("id"))
    message_id = _id(payload.get("id"))
    if account_id is None or conversation_id is None or message_id is None:
        return Ignored("the event lacks an account, conversation or message id")
    message_type = _message_type(payload.get("message_type"))

    kind: Literal["message", "choice"]
    if event == "message_created":
        if message_type != "incoming":
            # the bot's own messages, agents' replies, activity and templates
            return Ignored(f"message type {message_type!r}: not the shopper's")
        content = payload.get("content")
        text = clean_text(content) if isinstance(content, str) else ""
        kind = "message"
    else:
        if payload.get("content_type") != "input_select":
            return Ignored("an update of a message that offers no options")
        chosen = _chosen_value(payload)
        if chosen is None:
            return Ignored("no option we offered was chosen")
        text = clean_text(chosen)
        kind = "choice"

    contact = _contact(payload, conversation)
    return ChatwootTurn(
        kind=kind,
        account_id=account_id,
        conversation_id=conversation_id,
        message_id=message_id,
        text=text,
        inbox_id=_id(conversation.get("inbox_id")) or _id(_dict(payload.get("inbox")).get("id")),
        contact_id=_id(contact.get("id")),
        contact_email=_email(contact.get("email")),
    )


# --- what the bot sends to Chatwoot -------------------------------------------------------


def messages_url(base_url: str, account_id: int, conversation_id: int) -> str:
    return f"{base_url}/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages"


def toggle_status_url(base_url: str, account_id: int, conversation_id: int) -> str:
    return f"{base_url}/api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_status"


HANDOFF_STATUS_BODY: dict[str, Any] = {"status": "open"}


def text_message(text: str) -> dict[str, Any]:
    """The body of a plain bot message for Chatwoot's messages API."""
    return {"content": text, "message_type": "outgoing", "private": False}


def choice_items(buttons: Any) -> list[dict[str, str]]:
    """Rasa buttons / quick replies (``title``, ``payload``) as Chatwoot options."""
    items: list[dict[str, str]] = []
    for button in buttons if isinstance(buttons, list) else []:
        if not isinstance(button, dict):
            continue
        title, payload = button.get("title"), button.get("payload")
        if isinstance(title, str) and title.strip() and isinstance(payload, str) and payload:
            items.append({"title": title.strip(), "value": payload})
    return items[:MAX_CHOICE_ITEMS]


def bot_message(text: str | None, buttons: Any = None) -> dict[str, Any] | None:
    """The Chatwoot message for one Rasa bot message (text, buttons); None if it is empty.

    With buttons it is an options message (``input_select``): the widget shows them as
    buttons and other channels as they can (Chatwoot's channel table); the text stays the
    message content, so a channel that shows no options still shows the question.
    """
    content = text.strip() if isinstance(text, str) else ""
    items = choice_items(buttons)
    if items:
        return {
            "content": content or CHOOSE_PROMPT,
            "message_type": "outgoing",
            "private": False,
            "content_type": "input_select",
            "content_attributes": {"items": items},
        }
    if content:
        return text_message(content)
    return None


def is_handoff_request(custom: Any) -> bool:
    """True for the custom payload of a bot message that hands the shopper to people
    (docs/widget.md: ``{"type": "handoff", "state": "queued" | "offline", ...}``)."""
    return (
        isinstance(custom, dict)
        and custom.get("type") == "handoff"
        and custom.get("state") in HANDOFF_REQUEST_STATES
    )


class RecentKeys:
    """The last ``size`` keys seen, to answer an event Chatwoot delivers twice only once."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._keys: OrderedDict[tuple[str, int, int], None] = OrderedDict()

    def seen_before(self, key: tuple[str, int, int]) -> bool:
        """True if ``key`` was seen already; remembers it either way."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return True
        self._keys[key] = None
        if len(self._keys) > self._size:
            self._keys.popitem(last=False)
        return False
