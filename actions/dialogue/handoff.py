"""Handing the conversation to a person: record the request, tell the shopper."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ShopAction, call


def _reason(tracker: Tracker) -> str:
    """The shopper's last real sentence before (or in) the request, for the agent."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        text = event.get("text")
        if isinstance(text, str) and text.strip() and not text.startswith("/"):
            return text.strip()[:500]
    return "asked for a person"


class ActionRequestHandoff(ShopAction):
    def name(self) -> str:
        return "action_request_handoff"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        current = services.current()
        customer_id = said.verified_customer(tracker, current.settings.customer_token_secret)
        await call(
            current.handoff.request,
            tracker.sender_id,
            reason=_reason(tracker),
            customer_id=customer_id,
            channel=said.channel(tracker),
        )
        dispatcher.utter_message(
            text="I've asked a colleague to join. A person will pick up this conversation "
            "here as soon as possible; you can keep chatting with me meanwhile."
        )
        return []
