"""Which product the shopper means: the one a card's button names by id, one of the shown
results (by ordinal, price, colour, brand or name, see ``references.pick``), or the product
already in focus ("it"); for a question about "this one", else the product of the page the
shopper is viewing (the widget's ``metadata.page.product_id``)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import references, services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import call
from actions.dialogue.faq import confident_entry, utter_answer
from actions.dialogue.references import best_title_match
from knowledge.api import SearchFilters
from shop.api import Product
from shop.errors import ProductNotFound

__all__ = [
    "ASK_WHICH",
    "ASK_WHICH_AFTER_ANSWER",
    "answer_or_ask_which",
    "best_title_match",
    "chosen_from_results",
    "page_product",
    "page_product_meant",
    "product_asked_about",
    "product_by_id",
    "product_in_focus",
    "product_in_focus_or_ask",
    "product_named",
]

ASK_WHICH = (
    "Which product do you mean? Search for something, or pick one of the results "
    '("the second one").'
)
ASK_WHICH_AFTER_ANSWER = (
    "If you have a particular product in mind, tell me which one and I'll look it up."
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
    """The product the shopper is talking about now: named by a card's button, picked in
    this message, or in focus."""
    named = await product_by_id(said.button_product_id(tracker))
    if named is not None:
        return named
    picked = await chosen_from_results(tracker)
    if picked is not None:
        return picked
    return await product_by_id(said.slot_str(tracker, "product_in_focus"))


async def page_product(tracker: Tracker) -> Product | None:
    """The product of the page the shopper is on, when the shop has it (else None)."""
    return await product_by_id(said.page_product_id(tracker))


async def page_product_meant(tracker: Tracker) -> Product | None:
    """The page's product, when the message points at one product ("is this one
    waterproof?", "do you have it in M?", "is it in stock?"); else None.

    A question without such a word ("do you restock often?", "how long is the warranty on
    a smartwatch?") stays a shop question for the FAQ even on a product page.
    """
    if not references.points_at_focus(said.text(tracker)):
        return None
    return await page_product(tracker)


# How many of the catalog's closest products are looked at for one named in a message.
NAMED_CANDIDATES = 10


async def catalog_candidates(words: str, limit: int = NAMED_CANDIDATES) -> list[Product]:
    """The catalog's products closest to ``words`` (a relevance search), best first."""
    if not words.strip():
        return []
    results = await call(
        services.current().knowledge.products.search,
        words,
        SearchFilters(),
        limit=limit,
        offset=0,
        sort="relevance",
    )
    ids = [hit.product_id for hit in results.hits]
    by_id = {p.id: p for p in await call(services.current().shop.get_products, ids)}
    return [by_id[i] for i in ids if i in by_id]


async def product_named(tracker: Tracker) -> Product | None:
    """The product the message names by its own name, though it was never shown ("is the
    Strata Plus rain jacket in stock in Lyon?"); None unless exactly one product is named
    (``references.named_in``): "the rain jacket" names none."""
    text = said.text(tracker)
    return references.named_in(text, await catalog_candidates(text))


async def product_asked_about(tracker: Tracker) -> Product | None:
    """The product a question is about: the one in focus, else the product of the page the
    shopper is viewing when the question points at it (``page_product_meant``), else the
    one the message names by its name (``product_named``).

    Only questions fall back to the page: a search or "show me the X" names its product,
    and a page behind the chat must not stand in for it.
    """
    return (
        await product_in_focus(tracker)
        or await page_product_meant(tracker)
        or await product_named(tracker)
    )


async def answer_or_ask_which(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, product_question: bool = False
) -> list[dict[str, Any]]:
    """No product in focus: a question the FAQ answers confidently ("how long is the
    warranty on a smartwatch", "can I add something to my order after paying?") gets that
    answer; else "Which product do you mean?". A shopper who points at a product that was
    never shown ("can you send it to Corsica?", "will you match amazon's price on it?")
    mostly asks about the shop's rules, so a confident answer comes first there too, then
    the offer to look at the product they have in mind. A question about a property of
    that product (``product_question``, or an attribute named: "is this one waterproof?")
    needs the product itself."""
    text = said.text(tracker)
    pointing = references.points_at_focus(text)
    about_the_product = pointing and (
        product_question or said.entity(tracker, "attribute") is not None
    )
    entry = None if about_the_product else await confident_entry(text)
    if entry is None:
        dispatcher.utter_message(text=ASK_WHICH)
    else:
        utter_answer(dispatcher, entry)
        if pointing:
            dispatcher.utter_message(text=ASK_WHICH_AFTER_ANSWER)
    return []  # no events: nothing comes into focus


async def product_in_focus_or_ask(
    tracker: Tracker, dispatcher: CollectingDispatcher
) -> Product | None:
    """The product in focus; when there is none, a confident FAQ answer or the question
    which product (``answer_or_ask_which``), and None."""
    product = await product_in_focus(tracker)
    if product is None:
        await answer_or_ask_which(dispatcher, tracker)
    return product
