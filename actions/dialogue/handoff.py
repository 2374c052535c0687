"""Asking for a person: record the request and tell the shopper what really happens.

There is no agent desk yet: nobody joins the chat. The request goes into the hand-off
queue with the shopper's e-mail, and a member of the team replies by e-mail within the
time the shop's policy states (``ShopPolicy.handoff_reply_hours``). The e-mail is the
logged-in customer's, or one given in this conversation (checkout, an order question, or
this very message); without one the request is recorded and the shopper is asked to
send the request again with an address, since a reply needs one.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ShopAction, call

EMAIL_SLOTS = ("email", "order_email")


def _reason(tracker: Tracker) -> str:
    """The shopper's last real sentence before (or in) the request, for the agent."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        text = event.get("text")
        if isinstance(text, str) and text.strip() and not text.startswith("/"):
            return text.strip()[:500]
    return "asked for a person"


async def _contact_email(tracker: Tracker, customer_id: str | None) -> str | None:
    """Where the team can reply: this message, the account, or an address given earlier."""
    given = said.email_in(said.entity(tracker, "email"))
    if given:
        return given
    if customer_id:
        customer = await call(services.current().shop.get_customer, customer_id)
        if customer is not None and customer.email:
            return customer.email
    for slot in EMAIL_SLOTS:
        known = said.email_in(tracker.get_slot(slot))
        if known:
            return known
    return None


def reply_text(email: str | None, reply_hours: int) -> str:
    """What the shopper is told: no live agent, a reply by e-mail within the stated time."""
    when = f"within {reply_hours} hours"
    if email:
        return (
            "I've passed your request to our customer service team. Nobody can join this "
            f"chat yet: a member of the team will reply by e-mail to {email} {when}. "
            "Meanwhile I'm happy to keep helping here."
        )
    return (
        "I've noted your request for a person. Nobody can join this chat yet: a member "
        f"of our team replies by e-mail {when}, so I need your e-mail address. Send it "
        'with your request, like "talk to a person, my e-mail is name@example.com".'
    )


class ActionRequestHandoff(ShopAction):
    def name(self) -> str:
        return "action_request_handoff"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        current = services.current()
        customer_id = said.verified_customer(tracker, current.settings.customer_token_secret)
        email = await _contact_email(tracker, customer_id)
        await call(
            current.handoff.request,
            tracker.sender_id,
            reason=_reason(tracker),
            customer_id=customer_id,
            channel=said.channel(tracker),
            contact_email=email,
        )
        reply_hours = current.shop.policy.handoff_reply_hours
        dispatcher.utter_message(text=reply_text(email, reply_hours))
        return []
