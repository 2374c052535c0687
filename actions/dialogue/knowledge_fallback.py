"""When the NLU is unsure, try what the shop knows before asking the shopper to rephrase.

The rule ``intent: nlu_fallback -> action_knowledge_fallback`` (bot/data/rules.yml, outside
forms; the forms keep their own nlu_fallback rules) runs this action. It tries, in order:

1. a confident FAQ answer (``FaqIndex.ask`` with its fit check, as ``action_answer_faq``);
2. a product search, when the message names things the catalog sells (a category, product
   type or brand the query parser found in the catalog's vocabulary): the search adapter
   ``action_search_products`` answers it, so results read as for any other search;
3. else the two-stage fallback, as a follow-up action: ``action_two_stage_fallback`` is a
   Rasa loop action, and a loop action run as a follow-up activates itself (Rasa 3.6
   ``LoopAction.run`` adds ``ActiveLoop`` when the loop is not active yet), so the
   "Did you want to ...?" / rephrase / give-up steps behave as before; unless the message
   reads upset or reports an order problem, or the bot has misunderstood the shopper again
   (``actions.dialogue.handoff``): then a person is offered instead of another guess.
   Answers (1 and 2) to an upset message get that offer after them.

Keyboard mashing is never searched or answered: the same gibberish test as the NLU's
out-of-vocabulary rule (embedding-model words and the mashing test of ``bot.components``,
without the NLU training words, which live in the Rasa model) sends it straight to step 3.
The FAQ's own words count as words there: "gdpr" is no keyboard mashing when the privacy
entry says "GDPR".
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import handoff, services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ShopAction, call
from actions.dialogue.faq import confident_entry, utter_answer
from actions.dialogue.search import ActionSearchProducts, understand
from bot.components.gibberish import GibberishTest, build_gibberish_test
from knowledge.api import ParsedQuery
from knowledge.errors import FaqDataError
from knowledge.faq_data import load_faq

logger = logging.getLogger(__name__)

TWO_STAGE_FALLBACK = "action_two_stage_fallback"
# facets that name a thing for sale; a colour, size, material or price alone does not
_THING_FACETS = ("category", "subcategory", "brand")


def gibberish_test() -> GibberishTest:
    """The test with the FAQ's own words as known words: a shop's acronyms and names
    ("GDPR", "RGPD", a carrier) are words to it even where the embedding model splits them."""
    return _gibberish_test(services.current().settings.faq_path)


@cache
def _gibberish_test(faq_path: Path) -> GibberishTest:
    """Built once per process and FAQ file, like the FAQ index (an edited FAQ needs a
    restart of the action server); reading the tokenizer's ~21,700 words takes a second."""
    try:
        entries = load_faq(faq_path)
    except (OSError, FaqDataError) as error:  # unreadable or broken: the FAQ index says so
        logger.warning("FAQ words left out of the gibberish test: %s", error)
        entries = ()
    words = [text for e in entries for text in (e.topic, e.question, e.answer, *e.alternates)]
    return build_gibberish_test(words)


def names_catalog_things(parsed: ParsedQuery) -> bool:
    """True if the query parser found a category, product type or brand of the catalog,
    as a sure filter or as an uncertain boost."""
    return any(
        getattr(filters, facet) is not None
        for filters in (parsed.filters, parsed.boosts)
        for facet in _THING_FACETS
    )


class ActionKnowledgeFallback(ShopAction):
    def name(self) -> str:
        return "action_knowledge_fallback"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        message = said.text(tracker)
        if not message or message.startswith("/"):
            return fall_back(dispatcher, tracker)
        gibberish = await call(gibberish_test)  # the first call reads the tokenizer file
        if gibberish.is_gibberish(message):
            logger.info("nlu_fallback on keyboard mashing: %r", gibberish.assess(message))
            return fall_back(dispatcher, tracker)
        entry = await confident_entry(message)
        if entry is not None:
            logger.info("nlu_fallback answered from FAQ entry %s", entry.id)
            utter_answer(dispatcher, entry)
            handoff.offer_if_upset_or_order_problem(dispatcher, tracker)
            return []
        parsed, _ = await understand(tracker)
        if names_catalog_things(parsed):
            logger.info("nlu_fallback searched as products: %r", parsed.text)
            events = await ActionSearchProducts().act(dispatcher, tracker, domain)
            handoff.offer_if_upset_or_order_problem(dispatcher, tracker)
            return events
        return fall_back(dispatcher, tracker)


def fall_back(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """Nothing answers the message: offer a person if the shopper is upset, reports an
    order problem or was misunderstood again, else start the two-stage fallback."""
    if handoff.offer_if_upset_or_order_problem(dispatcher, tracker, try_again=True):
        return []
    if handoff.misunderstood_again(tracker):
        handoff.offer_after_misunderstandings(dispatcher)
        return []
    return [FollowupAction(TWO_STAGE_FALLBACK)]
