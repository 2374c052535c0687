"""The cart: add the product in focus (asking for a size, colour or the merchant's other
options such as "Wood" with buttons when the product has several), show the cart, change a
quantity, remove a line, empty it."""

from __future__ import annotations

import json
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ShopAction, call
from actions.dialogue.card_replies import cart_card
from actions.dialogue.focus import best_title_match, product_in_focus_or_ask
from actions.dialogue.formatting import cart_summary, money, variant_phrase
from actions.dialogue.product_info import _choice
from actions.dialogue.search_state import SearchState
from shop.api import Cart, CartLine, Product, Variant
from shop.variants import option_kind

_REMOVE = re.compile(r"\b(remove|delete|take out|drop|get rid of)\b", re.IGNORECASE)
_EMPTY = re.compile(r"\b(empty|clear|remove everything|remove all|delete all)\b", re.IGNORECASE)
_QUANTITY = re.compile(r"\b(\d{1,2})\b")

CART_BUTTONS = [
    {"title": "View cart", "payload": "/view_cart"},
    {"title": "Checkout", "payload": "/checkout"},
]


def cart_key(tracker: Tracker) -> str:
    return tracker.sender_id


# "add the second one in M and check out" (Rasa multi-intent): a question about the size
# keeps the whole request on its buttons, so the checkout still follows the answer.
ADD_AND_CHECKOUT = "add_to_cart+checkout"


def _button_intent(tracker: Tracker) -> str:
    return ADD_AND_CHECKOUT if said.intent(tracker) == ADD_AND_CHECKOUT else "add_to_cart"


def _choice_buttons(
    intent: str, slot: str, options: tuple[str, ...], known: dict[str, str | int]
) -> list[dict[str, str]]:
    buttons = []
    for option in options[:12]:
        entities = {**known, slot: option}
        buttons.append({"title": option, "payload": f"/{intent}{json.dumps(entities)}"})
    return buttons


# Button payloads carry the merchant options chosen so far in one entity, "Wood=Oak;Metal=Gold"
# (an option's name and value come from the catalog, so they are not NLU entities of their own).
OPTION_ENTITY = "option_value"


def _encode_options(chosen: dict[str, str]) -> str:
    return ";".join(f"{name}={value}" for name, value in chosen.items())


def _decode_options(raw: str | None) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for part in (raw or "").split(";"):
        name, sep, value = part.partition("=")
        if sep and name.strip() and value.strip():
            chosen[name.strip()] = value.strip()
    return chosen


_WORD = re.compile(r"[\w-]+")


def _words(text: str) -> str:
    """Lower-case words separated by single spaces, padded, for whole-word containment."""
    return " " + " ".join(_WORD.findall(text.casefold())) + " "


def other_options(product: Product) -> dict[str, tuple[str, ...]]:
    """The product's options other than size and colour that have a choice to make."""
    return {
        name: values
        for name, values in product.option_values.items()
        if option_kind(name) is None and len(values) > 1
    }


def chosen_options(tracker: Tracker, product: Product) -> dict[str, str]:
    """Values of the product's other options the shopper chose: a button, the search
    refinement ("any in oak?"), or the value's own words in this message ("in walnut")."""
    offered = other_options(product)
    by_name = {name.casefold(): name for name in offered}
    chosen: dict[str, str] = {}

    def take(name: str, value: str) -> None:
        real = by_name.get(name.casefold())
        if real is None:
            return
        match = next((v for v in offered[real] if v.casefold() == value.casefold()), None)
        if match is not None:
            chosen.setdefault(real, match)

    for name, value in _decode_options(said.entity(tracker, OPTION_ENTITY)).items():
        take(name, value)
    message = _words(said.text(tracker))
    for name, values in offered.items():
        for value in values:
            if _words(value) in message:
                take(name, value)
    filters = SearchState.from_slot(tracker.get_slot("search_state")).filters
    for name, value in filters.options:
        take(name, value)
    return chosen


def _matching(
    product: Product, size: str | None, colour: str | None, chosen: dict[str, str]
) -> list[Variant]:
    return [
        v
        for v in product.variants
        if (size is None or v.size is None or v.size.casefold() == size.casefold())
        and (colour is None or v.colour is None or v.colour.casefold() == colour.casefold())
        and all((v.option(n) or "").casefold() == val.casefold() for n, val in chosen.items())
    ]


def _undecided_option(
    product: Product, size: str | None, colour: str | None, chosen: dict[str, str]
) -> tuple[str, tuple[str, ...]] | None:
    """The first other option on which the variants still matching differ."""
    pool = _matching(product, size, colour, chosen)
    for name in other_options(product):
        if name in chosen:
            continue
        values = tuple(dict.fromkeys(v for v in (x.option(name) for x in pool) if v))
        if len(values) > 1:
            return name, values
    return None


# "add 2 in size 42": the verb, then the count (the NLU sometimes tags that 2 as a size)
_COUNT_AFTER_VERB = (
    r"\b(?:add|take|get|buy|order|want|need|put|give me)\s+(?:me\s+)?{}\b"
    r"(?!\s*(?:eur|euros?|€|%))"
)


def quantity_said(tracker: Tracker, product: Product) -> int | None:
    """How many the shopper asked for: the ``quantity`` entity, or a number the NLU read as
    a size when it is not one of the product's sizes and follows the verb ("add 2 in size
    42" came back as the sizes 2 and 42)."""
    quantity = said.parse_quantity(said.entity(tracker, "quantity"))
    if quantity is not None:
        return quantity
    text = said.text(tracker).lower()
    offered = {size.lower() for size in product.sizes}
    for value in said.entities(tracker, "size"):
        if (
            value.isdigit()
            and value.lower() not in offered
            and re.search(_COUNT_AFTER_VERB.format(re.escape(value)), text)
        ):
            return int(value)
    return None


class ActionAddToCart(ShopAction):
    def name(self) -> str:
        return "action_add_to_cart"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events, added = await self._add(dispatcher, tracker)
        if not added and said.intent(tracker) == ADD_AND_CHECKOUT:
            # the add needs an answer first: no checkout yet (the buttons carry it on)
            events.append(FollowupAction("action_listen"))
        return events

    async def _add(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> tuple[list[dict[str, Any]], bool]:
        """Add the product meant; the events, and whether it went into the cart."""
        product = await product_in_focus_or_ask(tracker, dispatcher)
        if product is None:
            return [], False
        quantity = quantity_said(tracker, product) or 1
        size = _choice(tracker, "size", product.sizes)
        colour = _choice(tracker, "colour", product.colours)
        if len(product.sizes) == 1:
            size = product.sizes[0]
        if len(product.colours) == 1:
            colour = product.colours[0]
        chosen = chosen_options(tracker, product)
        known: dict[str, str | int] = {"quantity": str(quantity)}
        if colour:
            known["colour"] = colour
        if size:
            known["size"] = size
        if chosen:
            known[OPTION_ENTITY] = _encode_options(chosen)
        focus: list[dict[str, Any]] = [SlotSet("product_in_focus", product.id)]
        intent = _button_intent(tracker)
        if product.sizes and size is None:
            dispatcher.utter_message(
                text=f"Which size of the {product.title}?",
                buttons=_choice_buttons(intent, "size", product.sizes, known),
            )
            return focus, False
        if product.colours and colour is None:
            dispatcher.utter_message(
                text=f"Which colour of the {product.title}?",
                buttons=_choice_buttons(intent, "colour", product.colours, known),
            )
            return focus, False
        undecided = _undecided_option(product, size, colour, chosen)
        if undecided is not None:
            name, values = undecided
            buttons = [
                {
                    "title": value,
                    "payload": f"/{intent}"
                    + json.dumps(
                        {**known, OPTION_ENTITY: _encode_options({**chosen, name: value})}
                    ),
                }
                for value in values[:12]
            ]
            dispatcher.utter_message(
                text=f"Which {name.casefold()} for the {product.title}: {', '.join(values)}?",
                buttons=buttons,
            )
            return focus, False
        shop = services.current().shop
        cart = await call(
            shop.add_to_cart,
            cart_key(tracker),
            product.id,
            quantity=quantity,
            size=size,
            colour=colour,
            options=tuple(chosen.items()),
        )
        extra = ", ".join(chosen.values())
        phrase = variant_phrase(size, colour)
        if extra:
            phrase = f"{phrase[:-1]}, {extra})" if phrase else f" ({extra})"
        dispatcher.utter_message(
            text=f"Added {quantity} x {product.title}{phrase} to your "
            f"cart. Cart total: {money(cart.total_cents, cart.currency)} "
            f"({cart.item_count} item{'s' if cart.item_count != 1 else ''}).",
            buttons=CART_BUTTONS,
            json_message=await cart_card(cart),
        )
        return focus, True


async def say_cart(dispatcher: CollectingDispatcher, cart: Cart) -> None:
    """The cart as text, with its card (an empty cart too: the page's cart count follows)."""
    card = await cart_card(cart)
    if not cart.lines:
        dispatcher.utter_message(
            text="Your cart is empty. What are you looking for?", json_message=card
        )
        return
    dispatcher.utter_message(
        text="In your cart:\n" + cart_summary(cart),
        buttons=[{"title": "Checkout", "payload": "/checkout"}],
        json_message=card,
    )


class ActionViewCart(ShopAction):
    def name(self) -> str:
        return "action_view_cart"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        cart = await call(services.current().shop.get_cart, cart_key(tracker))
        await say_cart(dispatcher, cart)
        return []


async def _target_line(tracker: Tracker, cart: Cart) -> CartLine | None:
    if len(cart.lines) == 1:
        return cart.lines[0]
    index = said.parse_ordinal(said.entity(tracker, "ordinal"), len(cart.lines))
    if index is not None:
        return cart.lines[index]
    shop = services.current().shop
    products = await call(shop.get_products, [line.product_id for line in cart.lines])
    named = best_title_match(said.entity(tracker, "product") or said.text(tracker), products)
    if named is None:
        focus = said.slot_str(tracker, "product_in_focus")
        candidates = [line for line in cart.lines if line.product_id == focus]
        return candidates[0] if len(candidates) == 1 else None
    lines = [line for line in cart.lines if line.product_id == named.id]
    return lines[0] if len(lines) == 1 else None


class ActionUpdateCart(ShopAction):
    def name(self) -> str:
        return "action_update_cart"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        shop = services.current().shop
        key = cart_key(tracker)
        message = said.text(tracker)
        cart = await call(shop.get_cart, key)
        if not cart.lines:
            dispatcher.utter_message(text="Your cart is already empty.")
            return []
        if _EMPTY.search(message):
            emptied = await call(shop.clear_cart, key)
            dispatcher.utter_message(
                text="Done, your cart is now empty.", json_message=await cart_card(emptied)
            )
            return []
        line = await _target_line(tracker, cart)
        if line is None:
            buttons = [
                {
                    "title": f"Remove {item.title}{variant_phrase(item.size, item.colour)}",
                    "payload": f'/update_cart{{"ordinal": "{i + 1}"}}',
                }
                for i, item in enumerate(cart.lines)
            ]
            dispatcher.utter_message(
                text="Which item should I change?\n" + cart_summary(cart), buttons=buttons
            )
            return []
        quantity = said.parse_quantity(said.entity(tracker, "quantity"))
        if quantity is None and not _REMOVE.search(message):
            found = _QUANTITY.search(message)
            quantity = int(found.group(1)) if found else None
        if _REMOVE.search(message) or quantity is None or quantity == 0:
            if (
                quantity is None
                and not _REMOVE.search(message)
                and said.entity(tracker, "ordinal") is None
            ):
                dispatcher.utter_message(
                    text=f"How many {line.title} would you like? (0 removes it)"
                )
                return []
            cart = await call(shop.set_quantity, key, line.sku, 0)
            dispatcher.utter_message(text=f"Removed the {line.title} from your cart.")
        else:
            cart = await call(shop.set_quantity, key, line.sku, quantity)
            dispatcher.utter_message(text=f"Changed the {line.title} to {quantity}.")
        await say_cart(dispatcher, cart)
        return []
