"""The two-stage fallback's question: "Did you mean ...?" in words a shopper understands.

Rasa's two-stage fallback asks it on every misunderstanding while it is active; on the
second in a row (the shopper said "No, let me rephrase", then was misunderstood again), or
when the message reads upset or reports an order problem, a person is offered instead
(``actions.dialogue.handoff``). Two misunderstandings with no "No" between them end in
Rasa's own give-up (``utter_default``), which offers a person too.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import handoff

INTENT_WORDS = {
    "greet": "say hello",
    "goodbye": "say goodbye",
    "thank": "say thanks",
    "affirm": "say yes",
    "deny": "say no",
    "bot_challenge": "ask whether I'm a bot",
    "chitchat": "chat a bit",
    "out_of_scope": "ask about something else",
    "help": "know what I can do",
    "search_product": "search for a product",
    "refine_search": "narrow down the results",
    "search_cheaper": "see cheaper products",
    "show_more": "see more results",
    "select_product": "look at one of the products",
    "product_question": "ask about a product",
    "check_availability": "check stock",
    "add_to_cart": "add something to your cart",
    "view_cart": "see your cart",
    "update_cart": "change your cart",
    "checkout": "check out",
    "list_orders": "see your orders",
    "track_order": "track an order",
    "cancel_order": "cancel an order",
    "return_item": "return an item",
    "refund_status": "check a refund",
    "ask_faq": "ask a question about the shop",
    "human_handoff": "talk to a person",
    "inform": "give me some details",
    "stop": "stop what we're doing",
}


class ActionDefaultAskAffirmation(Action):
    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if handoff.offer_if_upset_or_order_problem(dispatcher, tracker, try_again=True):
            return []
        if handoff.misunderstood_again(tracker):
            handoff.offer_after_misunderstandings(dispatcher)
            return []
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        names = [r.get("name") for r in ranking if isinstance(r, dict)]
        candidate = next((n for n in names if isinstance(n, str) and n != "nlu_fallback"), None)
        if candidate is None or candidate not in INTENT_WORDS:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        entities = {
            e["entity"]: e["value"]
            for e in (tracker.latest_message or {}).get("entities") or []
            if isinstance(e, dict)
            and isinstance(e.get("entity"), str)
            and isinstance(e.get("value"), (str, int, float))
        }
        payload = f"/{candidate}" + (json.dumps(entities) if entities else "")
        dispatcher.utter_message(
            text=f"Sorry, I'm not sure I understood. Did you want to {INTENT_WORDS[candidate]}?",
            buttons=[
                {"title": "Yes", "payload": payload},
                {"title": "No, let me rephrase", "payload": "/out_of_scope"},
            ],
        )
        return []
