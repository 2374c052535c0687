"""Product details, questions about the product in focus, and stock per location."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import references, services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ShopAction, call
from actions.dialogue.card_replies import products_card
from actions.dialogue.focus import (
    ASK_WHICH,
    answer_or_ask_which,
    best_title_match,
    catalog_candidates,
    product_asked_about,
    product_in_focus,
)
from actions.dialogue.formatting import listing, money, product_details, variant_phrase
from actions.dialogue.search_state import SearchState
from shop.api import Availability, Product
from shop.locations import match_location

# question words -> the catalog detail that answers them
_ASPECTS = (
    ("sizes", re.compile(r"\bsizes?\b|\bfit\b")),
    ("colours", re.compile(r"\bcolou?rs?\b")),
    ("material", re.compile(r"\bmaterials?\b|\bmade (of|from)\b|\bfabric\b")),
    ("price", re.compile(r"\bprice\b|\bcost\b|\bhow much\b")),
    ("brand", re.compile(r"\bbrand\b|\bwho makes\b")),
)
_YES = {"yes", "true", "y"}
_NO = {"no", "false", "n"}


def _aspect(tracker: Tracker, product: Product) -> str | None:
    """The detail asked about: an attribute key of the product or a built-in aspect."""
    attribute = (said.entity(tracker, "attribute") or "").lower()
    question = said.text(tracker).lower()
    keys = {key.lower(): key for key in product.attributes}
    if attribute in keys:
        return keys[attribute]
    for name, pattern in _ASPECTS:
        if attribute == name.rstrip("s") or attribute == name or pattern.search(question):
            return name
    for lowered, key in keys.items():
        if lowered in question or lowered.replace("_", " ") in question:
            return key
    return attribute or None


def answer(product: Product, aspect: str | None, currency: str) -> str:
    title = product.title
    if aspect == "sizes":
        return (
            f"The {title} comes in sizes {listing(product.sizes, 20)}."
            if product.sizes
            else f"The {title} comes in one size."
        )
    if aspect == "colours":
        return (
            f"The {title} comes in {listing(product.colours, 12)}."
            if product.colours
            else f"The {title} comes in a single colour."
        )
    if aspect == "material":
        material = product.material or product.attributes.get("material")
        return (
            f"The {title} is made of {material}."
            if material
            else f"The product details don't say what the {title} is made of."
        )
    if aspect == "price":
        return f"The {title} costs from {money(product.price_from_cents, currency)}."
    if aspect == "brand":
        return f"The {title} is made by {product.brand}."
    if aspect and aspect in product.attributes:
        value = product.attributes[aspect]
        label = aspect.replace("_", " ")
        if value.strip().lower() in _YES:
            return f"Yes, the {title} is {label}."
        if value.strip().lower() in _NO:
            return f"No, the {title} is not {label}."
        return f"The {title}'s {label}: {value}."
    known = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in product.attributes.items())
    about = f" about {aspect}" if aspect else ""
    return f"The product details don't say anything{about} for the {title}." + (
        f" Here's what I know: {known}." if known else ""
    )


async def present_product(
    dispatcher: CollectingDispatcher, product: Product
) -> list[dict[str, Any]]:
    """Show one product's details and put it in focus ("it" means it from now on)."""
    currency = services.current().shop.currency
    dispatcher.utter_message(
        text=product_details(product, currency),
        buttons=[
            {"title": "Add to cart", "payload": "/add_to_cart"},
            {"title": "In stock in a store?", "payload": "/check_availability"},
            {"title": "Back to results", "payload": "/show_more"},
        ],
        image=product.image_url,
        json_message=await products_card([product]),
    )
    return [SlotSet("product_in_focus", product.id)]


class ActionSelectProduct(ShopAction):
    def name(self) -> str:
        return "action_select_product"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        product = await product_in_focus(tracker)
        if product is None:
            name = said.entity(tracker, "product")
            if name:
                candidates = await catalog_candidates(name, limit=5)
                product = best_title_match(name, candidates) or (
                    candidates[0] if candidates else None
                )
        if product is None:
            dispatcher.utter_message(text=ASK_WHICH)
            return []
        return await present_product(dispatcher, product)


def refine_instead(tracker: Tracker) -> list[dict[str, Any]]:
    """ "do you have it in green" after a list with nothing in focus means the list in
    green: hand over to the refinement (no events when the message is not that)."""
    asked = said.entity(tracker, "colour") or said.entity(tracker, "size")
    if asked and SearchState.from_slot(tracker.get_slot("search_state")).active:
        return [FollowupAction("action_refine_search")]
    return []


class ActionAnswerProductQuestion(ShopAction):
    def name(self) -> str:
        return "action_answer_product_question"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        product = await product_asked_about(tracker)
        colour = said.entity(tracker, "colour")
        size = said.entity(tracker, "size")
        if product is None:
            return refine_instead(tracker) or await answer_or_ask_which(
                dispatcher, tracker, product_question=True
            )
        text = said.text(tracker)
        if colour and references.asks_for_value(text, colour):
            dispatcher.utter_message(text=references.colour_answer(product, colour))
        elif size and references.asks_for_value(text, size):
            dispatcher.utter_message(text=references.size_answer(product, size))
        else:
            currency = services.current().shop.currency
            dispatcher.utter_message(text=answer(product, _aspect(tracker, product), currency))
        return [SlotSet("product_in_focus", product.id)]


def _choice(tracker: Tracker, name: str, offered: tuple[str, ...]) -> str | None:
    """A size or colour said now (an entity, or one of the product's sizes written in the
    message: "add it in M") or used as a search filter, if the product has it."""
    by_lower = {value.lower(): value for value in offered}
    said_now = said.entity(tracker, name)
    if said_now and said_now.lower() in by_lower:
        return by_lower[said_now.lower()]
    if name == "size":
        written = references.size_in(said.text(tracker), offered)
        if written is not None:
            return written
    else:
        written = references.colour_in(said.text(tracker), offered)
        if written is not None:
            return written
    filters = SearchState.from_slot(tracker.get_slot("search_state")).filters
    remembered = filters.size if name == "size" else filters.colour
    if remembered and remembered.lower() in by_lower:
        return by_lower[remembered.lower()]
    return None


def describe_availability(
    product: Product,
    availability: Availability,
    *,
    size: str | None,
    colour: str | None,
    location_code: str | None,
) -> str:
    lines = [f"{product.title}{variant_phrase(size, colour)}:"]
    stores = [s for s in availability.per_location if s.location.kind == "store"]
    if location_code:
        stores = [s for s in availability.per_location if s.location.code == location_code]
    for stock in stores:
        count = stock.available
        lines.append(
            f"- {stock.location.name}: " + (f"{count} available" if count else "out of stock")
        )
    if availability.in_stock_online:
        lines.append(
            f"- Online: in stock, delivered in {availability.delivery_days_min}-"
            f"{availability.delivery_days_max} business days."
        )
    else:
        lines.append(
            f"- Online: out of stock right now; delivery in about "
            f"{availability.delivery_days_min}-{availability.delivery_days_max} "
            "business days after restocking."
        )
    return "\n".join(lines)


class ActionCheckAvailability(ShopAction):
    def name(self) -> str:
        return "action_check_availability"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        product = await product_asked_about(tracker)
        if product is None:
            return refine_instead(tracker) or await answer_or_ask_which(dispatcher, tracker)
        shop = services.current().shop
        known = await call(shop.locations)  # read once, matched against each phrasing
        location = None
        for candidate in [*said.entities(tracker, "location"), said.text(tracker)]:
            location = match_location(candidate, known)
            if location is not None:
                break
        if location is None:
            location = next(
                (loc for loc in known if loc.city.lower() in said.text(tracker).lower()), None
            )
        size = _choice(tracker, "size", product.sizes)
        colour = _choice(tracker, "colour", product.colours)
        availability = await call(shop.availability, product.id, size=size, colour=colour)
        dispatcher.utter_message(
            text=describe_availability(
                product,
                availability,
                size=size,
                colour=colour,
                location_code=location.code if location else None,
            )
        )
        return [SlotSet("product_in_focus", product.id)]
