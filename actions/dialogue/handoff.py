"""Handing a conversation to a person: the request, and the bot's own offers to do so.

**Asking** (``action_request_handoff``): the request goes into the hand-off queue with
what triggered it and a short summary for the agent, then the shopper is told what really
happens next, from the desk's availability (``handoff.availability``):

- the desk is open and agents are online: a person joins this chat, with the expected
  wait ("about 5 minutes"), and the ``handoff``/``queued`` payload;
- closed, nobody online, or the availability cannot be read: a member of the team replies
  by e-mail within the time the shop's policy states (``ShopPolicy.handoff_reply_hours``),
  with the opening hours when closed, and the ``handoff``/``offline`` payload. The e-mail
  is the logged-in customer's, or one given in this conversation (checkout, an order
  question, or this very message); without one the request is recorded and the shopper
  is asked to send it again with an address, since a reply needs one.

**Offering** (the bot's own initiative, ``handoff.triggers`` decides): after the second
misunderstanding in a row (``offer_after_misunderstandings``; a misunderstanding is a
message the NLU did not understand, ``nlu_fallback``, or put outside what the bot does,
``out_of_scope``, where keyboard mashing ends too, that the bot could only answer with a
fallback), and when the shopper's
message reads angry or distressed or reports a damaged, missing or wrong item
(``offer_if_upset_or_order_problem``, called by the order, FAQ and fallback actions). An
offer is a message with a "Talk to a person" button (``/human_handoff``); it never files a
request by itself: handing over costs an agent's time and silences the bot once claimed,
so the shopper decides with one click, even when agents are online. The offer's message
carries its trigger in the bot event's metadata (``handoff_offer``; Rasa stores the extra
keys of a custom action's message there, and the channels do not show them), so the
request that follows the click is filed with that trigger. The domain's fallback
responses (Rasa's give-up ``utter_default``, and ``utter_out_of_scope``) have the button
too but no mark: a request right after two misunderstandings is filed as ``fallbacks``
from the conversation itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ShopAction, call
from shop.errors import ShopUnavailable

# ``handoff.triggers`` is plain Python, but importing anything from the ``handoff`` package
# runs its ``__init__``, which loads the queue and so SQLAlchemy, and the dialogue adapters
# must not load the database library (tests/actions/test_shop_outage.py): the functions
# below import it when they run. Types are imported for type checking only.
if TYPE_CHECKING:
    from handoff import triggers
    from handoff.availability import Availability
    from handoff.queue import HandoffTrigger

logger = logging.getLogger(__name__)

EMAIL_SLOTS = ("email", "order_email")
PERSON_BUTTON = {"title": "Talk to a person", "payload": "/human_handoff"}
# outside forms ``/inform`` gets "Could you say it another way?" (rule inform -> utter_ask_rephrase)
TRY_AGAIN_BUTTON = {"title": "Try again", "payload": "/inform"}
OFFER_KEY = "handoff_offer"  # bot event metadata: the trigger of an offer of a person
OFFERED_TRIGGERS = ("fallbacks", "sentiment", "order_problem")
# actions that mean "the bot could not answer": the two-stage fallback (its "Did you want
# to ...?", "rephrase" and giving up all run inside it), Rasa's default fallback, and "that's
# outside what I can do" (keyboard mashing is classified out_of_scope too)
FALLBACK_ACTIONS = frozenset(
    {"action_two_stage_fallback", "action_default_fallback", "utter_out_of_scope"}
)
SUMMARY_MESSAGES = 3
SUMMARY_MAX = 300

MISUNDERSTOOD = (
    "Sorry, I still don't understand. Would you like to talk to a person from our team, "
    "or try saying it another way?"
)
UPSET = (
    "I'm sorry about this, I can tell it's frustrating. Would you like to talk to a person "
    "from our team?"
)
DISTRESSED = (
    "I'm sorry you're dealing with this. A person from our team can help you directly: "
    "would you like to talk to one?"
)
ORDER_PROBLEMS = {
    "damaged": "I'm sorry your order arrived damaged.",
    "missing": "I'm sorry something is missing from your order.",
    "wrong_item": "I'm sorry you received the wrong item.",
}
ORDER_PROBLEM_OFFER = (
    "A person from our team can sort this out with you: would you like to talk to one?"
)


# --- reading the conversation ---------------------------------------------------------


def _intent_of(event: dict[str, Any]) -> str | None:
    parsed = event.get("parse_data")
    found = parsed.get("intent") if isinstance(parsed, dict) else None
    name = found.get("name") if isinstance(found, dict) else None
    return name if isinstance(name, str) else None


def _not_understood(event: dict[str, Any]) -> bool:
    """The NLU's failure, or out of scope as typed (not the "No, let me rephrase" button,
    which sends ``/out_of_scope``)."""
    text = event.get("text")
    typed = isinstance(text, str) and not text.startswith("/")
    intent = _intent_of(event)
    return intent == "nlu_fallback" or (typed and intent == "out_of_scope")


def _offer_of(event: dict[str, Any]) -> str | None:
    metadata = event.get("metadata")
    offer = metadata.get(OFFER_KEY) if isinstance(metadata, dict) else None
    return offer if offer in OFFERED_TRIGGERS else None


def turns(events: Iterable[dict[str, Any]]) -> list[triggers.Turn]:
    """The shopper's turns since the session started, with how the bot handled each.

    All events, reverted ones included: a misunderstanding Rasa rewinds (the two-stage
    fallback's give-up does) still happened for the shopper.
    """
    from handoff.triggers import Turn

    found: list[Turn] = []
    for event in events:
        kind = event.get("event")
        if kind in ("session_started", "restart"):
            found = []
        elif kind == "user":
            found.append(Turn(_not_understood(event), False))
        elif found and (
            (kind == "action" and event.get("name") in FALLBACK_ACTIONS)
            or (kind == "bot" and _offer_of(event) == "fallbacks")
        ):
            found[-1] = Turn(found[-1].not_understood, True)
    return found


def misunderstood_again(tracker: Tracker) -> bool:
    """True if the bot, falling back on the latest message, has now misunderstood the
    shopper ``FAILURES_BEFORE_OFFER`` times in a row (this message included)."""
    from handoff import triggers

    earlier = turns(tracker.events)[:-1]
    return triggers.nlu_failures_in_a_row(earlier) + 1 >= triggers.FAILURES_BEFORE_OFFER


def offer_answered(tracker: Tracker) -> str | None:
    """The trigger of an offer of a person in the bot's reply to the shopper's previous
    message (other messages may follow it: an order form's next question), if any.

    Read from the applied events: when the two-stage fallback is active, Rasa reverts the
    shopper's click and replays it, and only the applied events put the offer right before
    the replayed message.
    """
    events = tracker.applied_events()
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if not users:
        return None
    for event in reversed(events[: users[-1]]):
        if event.get("event") == "user":
            return None
        offer = _offer_of(event) if event.get("event") == "bot" else None
        if offer is not None:
            return offer
    return None


def requested_trigger(tracker: Tracker) -> HandoffTrigger:
    """Why this request for a person: the offer it accepts, two misunderstandings right
    before it (Rasa's give-up offers a person too), or the shopper simply asked."""
    from handoff import triggers

    offered = offer_answered(tracker)
    if offered is not None:
        return cast("HandoffTrigger", offered)
    earlier = turns(tracker.events)[:-1]
    if triggers.nlu_failures_in_a_row(earlier) >= triggers.FAILURES_BEFORE_OFFER:
        return "fallbacks"
    return "asked"


def shopper_messages(events: Iterable[dict[str, Any]]) -> list[str]:
    """What the shopper typed (button payloads left out), a replayed message once."""
    messages: list[str] = []
    for event in events:
        text = event.get("text") if event.get("event") == "user" else None
        if not isinstance(text, str) or not text.strip() or text.startswith("/"):
            continue
        text = " ".join(text.split())
        if not messages or messages[-1] != text:
            messages.append(text)
    return messages


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def summarize(messages: Sequence[str], limit: int = SUMMARY_MAX) -> str:
    """The last ``SUMMARY_MESSAGES`` messages for the agent's queue, each shortened so the
    whole fits in ``limit`` characters: "where is my order / it's late!!! / a person"."""
    recent = list(messages[-SUMMARY_MESSAGES:])
    if not recent:
        return ""
    separator = " / "
    budget = (limit - len(separator) * (len(recent) - 1)) // len(recent)
    return separator.join(_shorten(message, budget) for message in recent)


def _reason(tracker: Tracker) -> str:
    """The shopper's last real sentence before (or in) the request, for the agent."""
    messages = shopper_messages(tracker.events)
    return messages[-1][:500] if messages else "asked for a person"


# --- offering a person ------------------------------------------------------------------


def offered_this_turn(tracker: Tracker) -> bool:
    """True if an action already offered a person in reply to the latest message (one
    message may pass through several actions: the order request's start, then its end)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and _offer_of(event) is not None:
            return True
    return False


def offer_person(
    dispatcher: CollectingDispatcher, trigger: HandoffTrigger, text: str, *, try_again: bool
) -> None:
    """Say ``text`` with the "Talk to a person" button, marked with ``trigger``."""
    buttons = [dict(PERSON_BUTTON)]
    if try_again:
        buttons.append(dict(TRY_AGAIN_BUTTON))
    dispatcher.utter_message(text=text, buttons=buttons, **{OFFER_KEY: trigger})


def offer_after_misunderstandings(dispatcher: CollectingDispatcher) -> None:
    offer_person(dispatcher, "fallbacks", MISUNDERSTOOD, try_again=True)


def offer_if_upset_or_order_problem(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, try_again: bool = False
) -> HandoffTrigger | None:
    """Offer a person if the shopper's latest message reports an order problem the bot
    cannot solve (damaged, missing, wrong item) or reads angry or distressed; the
    trigger offered, or None (nothing said). An order problem wins: its apology is the
    more useful one, angry or not."""
    from handoff import triggers

    message = said.text(tracker)
    if not message or offered_this_turn(tracker):
        return None
    problem = triggers.order_problem(message)
    if problem is not None:
        text = f"{ORDER_PROBLEMS[problem]} {ORDER_PROBLEM_OFFER}"
        offer_person(dispatcher, "order_problem", text, try_again=try_again)
        logger.info("Offered a person: order problem (%s)", problem)
        return "order_problem"
    mood = triggers.sentiment(message)
    if mood.upset:
        text = DISTRESSED if mood.distress else UPSET
        offer_person(dispatcher, "sentiment", text, try_again=try_again)
        logger.info("Offered a person: sentiment %d %s", mood.score, mood.cues)
        return "sentiment"
    return None


# --- the request ------------------------------------------------------------------------


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


async def _availability(conversation_id: str) -> Availability | None:
    """The desk right now, or None when it cannot be read (then the e-mail flow: a
    request is never lost for want of a wait estimate)."""
    try:
        return await call(services.current().desk.now, conversation_id)
    except ShopUnavailable:
        logger.exception("Desk availability unavailable for %s: e-mail flow", conversation_id)
        return None


def _minutes(count: int) -> str:
    return "a minute" if count <= 1 else f"{count} minutes"


def queued_text(wait_minutes: int) -> str:
    """What the shopper is told when a person will join: the expected wait."""
    return (
        f"A person from our team will join this chat in about {_minutes(wait_minutes)}. "
        "They'll see our conversation, so you won't have to repeat yourself. Meanwhile "
        "I'm happy to keep helping here."
    )


def _why_nobody(availability: Availability | None) -> str:
    if availability is not None and not availability.open_now:
        return f"Our team chats live {availability.hours} and is away now"
    if availability is not None:
        return "Nobody from our team is online right now"
    return "Nobody from our team can join this chat right now"


def reply_text(email: str | None, reply_hours: int, availability: Availability | None) -> str:
    """What the shopper is told when nobody can join: a reply by e-mail within the stated
    time, and why (closed: the opening hours; nobody online)."""
    why = _why_nobody(availability)
    when = f"within {reply_hours} hours"
    if email:
        return (
            f"{why}, so I've passed your request to our customer service team: a member of "
            f"the team will reply by e-mail to {email} {when}. Meanwhile I'm happy to keep "
            "helping here."
        )
    return (
        f"{why}. I've noted your request for a person: a member of our team replies by "
        f"e-mail {when}, so I need your e-mail address. Send it with your request, like "
        '"talk to a person, my e-mail is name@example.com".'
    )


def live(availability: Availability | None) -> int | None:
    """The wait in minutes when a person can join now, else None."""
    if availability is None or not availability.open_now or availability.agents_online < 1:
        return None
    return availability.wait_minutes


# Channels whose conversations live in an external agent desk: the hand-off is the
# channel's job there (connectors/chatwoot.py opens the conversation for Chatwoot's agents
# on the "handoff" payload), and the built-in desk could not reach the shopper.
EXTERNAL_DESK_CHANNELS = frozenset({"chatwoot"})

EXTERNAL_HANDOFF_TEXT = (
    "I'm passing this conversation to our customer service team: a person will answer "
    "you here. Please stay in this chat."
)


class ActionRequestHandoff(ShopAction):
    def name(self) -> str:
        return "action_request_handoff"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if said.channel(tracker) in EXTERNAL_DESK_CHANNELS:
            dispatcher.utter_message(
                text=EXTERNAL_HANDOFF_TEXT,
                json_message={"type": "handoff", "state": "queued"},
            )
            return []
        current = services.current()
        customer_id = said.verified_customer(tracker, current.settings.customer_token_secret)
        email = await _contact_email(tracker, customer_id)
        trigger = requested_trigger(tracker)
        await call(
            current.handoff.request,
            tracker.sender_id,
            reason=_reason(tracker),
            customer_id=customer_id,
            channel=said.channel(tracker),
            contact_email=email,
            trigger=trigger,
            summary=summarize(shopper_messages(tracker.events)),
        )
        logger.info("Hand-off requested for %s (%s)", tracker.sender_id, trigger)
        availability = await _availability(tracker.sender_id)
        wait = live(availability)
        if wait is not None:
            dispatcher.utter_message(
                text=queued_text(wait),
                json_message={"type": "handoff", "state": "queued", "wait_minutes": wait},
            )
            return []
        reply_hours = current.shop.policy.handoff_reply_hours
        dispatcher.utter_message(
            text=reply_text(email, reply_hours, availability),
            json_message={"type": "handoff", "state": "offline", "email": email},
        )
        return []
