"""Which product the shopper means: an ordinal into the shown results, a name, or the
product already in focus."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import call
from shop.api import Product
from shop.errors import ProductNotFound

ASK_WHICH = (
    "Which product do you mean? Search for something, or pick one of the results "
    '("the second one").'
)


_WORD = re.compile(r"[a-z0-9]+")
_ORDINAL_WORDS = re.compile(
    r"\b(first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\b", re.IGNORECASE
)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2}


def best_title_match(text: str, products: list[Product]) -> Product | None:
    """The product whose title shares the most words with ``text`` (at least one)."""
    wanted = _words(text)
    scored = [(len(wanted & _words(f"{p.title} {p.brand}")), p) for p in products]
    scored = [(score, p) for score, p in scored if score > 0]
    if not scored:
        return None
    scored.sort(key=lambda item: -item[0])
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    return scored[0][1]


async def product_by_id(product_id: str | None) -> Product | None:
    if not product_id:
        return None
    try:
        return await call(services.current().shop.get_product, product_id)
    except ProductNotFound:
        return None


async def chosen_from_results(tracker: Tracker) -> Product | None:
    """The product picked from ``last_results`` by ordinal or by name, if any."""
    shown = said.slot_list(tracker, "last_results")
    if not shown:
        return None
    ordinal = said.entity(tracker, "ordinal")
    if ordinal is None:
        match = _ORDINAL_WORDS.search(said.text(tracker))
        ordinal = match.group(1) if match else None
    index = said.parse_ordinal(ordinal, len(shown))
    if index is not None:
        return await product_by_id(shown[index])
    name = said.entity(tracker, "product") or said.text(tracker)
    products = await call(services.current().shop.get_products, shown)
    return best_title_match(name, products)


async def product_in_focus(tracker: Tracker) -> Product | None:
    """The product the shopper is talking about now: picked in this message, or in focus."""
    picked = await chosen_from_results(tracker)
    if picked is not None:
        return picked
    return await product_by_id(said.slot_str(tracker, "product_in_focus"))


async def product_in_focus_or_ask(
    tracker: Tracker, dispatcher: CollectingDispatcher
) -> Product | None:
    """The product in focus; when there is none, asks the shopper which one and gives None."""
    product = await product_in_focus(tracker)
    if product is None:
        dispatcher.utter_message(text=ASK_WHICH)
    return product
