"""Out of scope for the NLU, yet a question the shop's FAQ answers without doubt.

The intent classifiers learn ``out_of_scope`` from chat about anything but the shop ("write
me a poem", "what's the weather in Lyon", other companies' services). A shop question put
in words the training examples never used ("can I buy a voucher for my niece", "what time
do you open on saturday") can land there too, and "that's outside what I can do" is then a
wrong answer to a question the FAQ knows. So the rule ``intent: out_of_scope ->
action_out_of_scope`` (outside forms) asks the FAQ first, with a higher bar than an
``ask_faq`` question gets: the entry must pass the fit check *and* reach
``OUT_OF_SCOPE_FAQ_CONFIDENCE``, because here two classifiers have already said the
message is not about the shop. Otherwise the usual reply runs as a follow-up action
(``utter_out_of_scope``), so the tracker reads as before: the handoff triggers count it as
a misunderstanding, the benchmarks as kept out.

The bar was read off the first and fresh held-out sets (docs/benchmarks.md, "Ninth
round"): of the messages the NLU put out of scope there, two shop questions and none of the
out-of-scope ones had a sure FAQ entry at 0.8 and up; from 0.75, another company's store
hours (0.78) got the shop's, and from 0.55, 14 out-of-scope messages would have had an
answer.

A message about another business ("where is my amazon parcel") gets the reply that says
so (``knowledge.other_business``), not the general one.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import handoff
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ShopAction
from actions.dialogue.faq import (
    other_business_named,
    sure_faq_entry,
    utter_answer,
    utter_other_business,
)

logger = logging.getLogger(__name__)

OUT_OF_SCOPE_FAQ_CONFIDENCE = 0.8
UTTER_OUT_OF_SCOPE = "utter_out_of_scope"


class ActionOutOfScope(ShopAction):
    def name(self) -> str:
        return "action_out_of_scope"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        message = said.text(tracker)
        # a button's payload ("No, let me rephrase" sends /out_of_scope) is no question
        if message and not message.startswith("/"):
            other = await other_business_named(message)
            if other:  # "where is my amazon parcel": say why, rather than "outside what I do"
                utter_other_business(dispatcher, other)
                return []
            entry = await sure_faq_entry(message, min_confidence=OUT_OF_SCOPE_FAQ_CONFIDENCE)
            if entry is not None:
                logger.info("out_of_scope answered from FAQ entry %s", entry.id)
                utter_answer(dispatcher, entry)
                handoff.offer_if_upset_or_order_problem(dispatcher, tracker)
                return []
        return [FollowupAction(UTTER_OUT_OF_SCOPE)]
