"""Which product the shopper means: one of the shown results (by ordinal, price, colour,
brand or name, see ``references.pick``), or the product already in focus ("it")."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import references, services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import call
from actions.dialogue.references import best_title_match
from shop.api import Product
from shop.errors import ProductNotFound

__all__ = [
    "ASK_WHICH",
    "best_title_match",
    "chosen_from_results",
    "product_by_id",
    "product_in_focus",
    "product_in_focus_or_ask",
]

ASK_WHICH = (
    "Which product do you mean? Search for something, or pick one of the results "
    '("the second one").'
)


async def product_by_id(product_id: str | None) -> Product | None:
    if not product_id:
        return None
    try:
        return await call(services.current().shop.get_product, product_id)
    except ProductNotFound:
        return None


def what_was_said(tracker: Tracker) -> references.Said:
    return references.Said(
        text=said.text(tracker),
        ordinal=said.entity(tracker, "ordinal"),
        colour=said.entity(tracker, "colour"),
        brand=said.entity(tracker, "brand"),
        product_words=said.entity(tracker, "product"),
    )


async def shown_products(tracker: Tracker) -> list[Product]:
    """The products of ``last_results``, in the order shown."""
    shown = said.slot_list(tracker, "last_results")
    if not shown:
        return []
    products = await call(services.current().shop.get_products, shown)
    by_id = {p.id: p for p in products}
    return [by_id[i] for i in shown if i in by_id]


async def chosen_from_results(tracker: Tracker) -> Product | None:
    """The product picked from ``last_results`` by this message, if it picks exactly one.

    "it" / "that one" with a product in focus picks nothing here: it means the focus.
    """
    message = what_was_said(tracker)
    ordinal = message.ordinal or references.ordinal_in(message.text)
    focus = said.slot_str(tracker, "product_in_focus")
    if focus and references.points_at_focus(message.text) and not ordinal:
        return None
    shown = await shown_products(tracker)
    if not shown:
        return None
    return references.pick(message, shown, ordinal_index=said.parse_ordinal(ordinal, len(shown)))


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
