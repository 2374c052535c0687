"""Shop questions answered from the merchant's FAQ; unsure answers offer a person."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import handoff, services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ShopAction, call
from knowledge.api import FaqEntry
from knowledge.errors import KnowledgeError

logger = logging.getLogger(__name__)

UNSURE = "I'm not sure I know the answer to that. Would you like me to ask a person from our team?"
UNSURE_WHICH = (
    "I'm not sure which of these you mean. Pick one, or I can ask a person from our team."
)
PERSON_BUTTON = {"title": "Talk to a person", "payload": "/human_handoff"}
# A question about another business ("where is my amazon parcel", "the return policy at
# Decathlon"): the shop's own answer would be wrong, and so would its order form.
OTHER_BUSINESS = (
    "I can only answer for our own shop, so I can't help with {name}. If your question is "
    "about our products, an order placed with us or our rules, tell me a bit more, or ask "
    "me for a person from our team."
)
# An answer that sends the shopper to a person ("ask me to talk to a person": a payment
# taken twice, a problem only the team can check) comes with the button that does it.
_OFFERS_PERSON_RE = re.compile(r"\btalk to a person\b", re.IGNORECASE)


def utter_answer(
    dispatcher: CollectingDispatcher,
    entry: FaqEntry,
    buttons: Sequence[Mapping[str, str]] = (),
) -> None:
    """Say a confident FAQ answer, with ``buttons`` and the person button when the answer
    offers one."""
    shown = [dict(b) for b in buttons]
    if _OFFERS_PERSON_RE.search(entry.answer):
        shown.append(dict(PERSON_BUTTON))
    if shown:
        dispatcher.utter_message(text=entry.answer, buttons=shown)
    else:
        dispatcher.utter_message(text=entry.answer)


async def other_business_named(message: str) -> str | None:
    """Another business the message speaks of (``knowledge.other_business``), as written;
    None if it names none or the knowledge base cannot be reached (logged only)."""
    try:
        return await call(services.current().knowledge.other_business_in, message)
    except KnowledgeError:
        logger.warning("other-business check unavailable for %r", message, exc_info=True)
        return None


def utter_other_business(dispatcher: CollectingDispatcher, name: str) -> None:
    dispatcher.utter_message(text=OTHER_BUSINESS.format(name=name))


async def confident_entry(question: str, min_confidence: float = 0.0) -> FaqEntry | None:
    """The FAQ entry that answers ``question`` confidently (fit check passed, and retrieval
    confidence at least ``min_confidence``), for actions that try the FAQ before their own
    reply; None when none does, when the question is about another business, or when the
    FAQ cannot be reached (the caller's own reply is then the right fallback, so it is
    logged only)."""
    if await other_business_named(question):
        return None
    return await sure_faq_entry(question, min_confidence)


async def sure_faq_entry(question: str, min_confidence: float = 0.0) -> FaqEntry | None:
    """``confident_entry`` for a caller that has already checked the question for another
    business."""
    try:
        results = await call(services.current().knowledge.faq.ask, question)
    except KnowledgeError:
        logger.warning("FAQ unavailable for %r", question, exc_info=True)
        return None
    best = results.best
    if best is None or not best.confident or best.confidence < min_confidence:
        return None
    return best.entry


class ActionAnswerFaq(ShopAction):
    def name(self) -> str:
        return "action_answer_faq"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        question = said.text(tracker)
        if not question or question.startswith("/"):
            dispatcher.utter_message(
                text="What would you like to know? Delivery, payment, returns, warranty..."
            )
            return []
        other = await other_business_named(question)
        if other:
            utter_other_business(dispatcher, other)
            return []
        results = await call(services.current().knowledge.faq.ask, question)
        best = results.best
        if best is not None and best.confident:
            utter_answer(dispatcher, best.entry)
            handoff.offer_if_upset_or_order_problem(dispatcher, tracker)
            return []
        if handoff.offer_if_upset_or_order_problem(dispatcher, tracker):
            return []  # the apology offers a person: no "I'm not sure" on top
        # two entries it may mean, both offered; else the best guess
        offered = results.close_pair or ((best,) if best is not None else ())
        buttons = [{"title": a.entry.question, "payload": a.entry.question} for a in offered]
        buttons.append(dict(PERSON_BUTTON))
        dispatcher.utter_message(text=UNSURE_WHICH if len(offered) > 1 else UNSURE, buttons=buttons)
        return []
