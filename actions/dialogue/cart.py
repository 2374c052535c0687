"""The cart: add the product in focus (asking for a size or colour with buttons when the
product has several), show the cart, change a quantity, remove a line, empty it."""

from __future__ import annotations

import json
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ShopAction, call
from actions.dialogue.focus import best_title_match, product_in_focus_or_ask
from actions.dialogue.formatting import cart_summary, money, variant_phrase
from actions.dialogue.product_info import _choice
from shop.api import Cart, CartLine, Product

_REMOVE = re.compile(r"\b(remove|delete|take out|drop|get rid of)\b", re.IGNORECASE)
_EMPTY = re.compile(r"\b(empty|clear|remove everything|remove all|delete all)\b", re.IGNORECASE)
_QUANTITY = re.compile(r"\b(\d{1,2})\b")

CART_BUTTONS = [
    {"title": "View cart", "payload": "/view_cart"},
    {"title": "Checkout", "payload": "/checkout"},
]


def cart_key(tracker: Tracker) -> str:
    return tracker.sender_id


def _choice_buttons(
    product: Product, slot: str, options: tuple[str, ...], known: dict[str, str | int]
) -> list[dict[str, str]]:
    buttons = []
    for option in options[:12]:
        entities = {**known, slot: option}
        buttons.append({"title": option, "payload": f"/add_to_cart{json.dumps(entities)}"})
    return buttons


class ActionAddToCart(ShopAction):
    def name(self) -> str:
        return "action_add_to_cart"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        product = await product_in_focus_or_ask(tracker, dispatcher)
        if product is None:
            return []
        quantity = said.parse_quantity(said.entity(tracker, "quantity")) or 1
        size = _choice(tracker, "size", product.sizes)
        colour = _choice(tracker, "colour", product.colours)
        if len(product.sizes) == 1:
            size = product.sizes[0]
        if len(product.colours) == 1:
            colour = product.colours[0]
        known: dict[str, str | int] = {"quantity": str(quantity)}
        if colour:
            known["colour"] = colour
        if size:
            known["size"] = size
        focus = [SlotSet("product_in_focus", product.id)]
        if product.sizes and size is None:
            dispatcher.utter_message(
                text=f"Which size of the {product.title}?",
                buttons=_choice_buttons(product, "size", product.sizes, known),
            )
            return focus
        if product.colours and colour is None:
            dispatcher.utter_message(
                text=f"Which colour of the {product.title}?",
                buttons=_choice_buttons(product, "colour", product.colours, known),
            )
            return focus
        shop = services.current().shop
        cart = await call(
            shop.add_to_cart,
            cart_key(tracker),
            product.id,
            quantity=quantity,
            size=size,
            colour=colour,
        )
        dispatcher.utter_message(
            text=f"Added {quantity} x {product.title}{variant_phrase(size, colour)} to your "
            f"cart. Cart total: {money(cart.total_cents, cart.currency)} "
            f"({cart.item_count} item{'s' if cart.item_count != 1 else ''}).",
            buttons=CART_BUTTONS,
        )
        return focus


def say_cart(dispatcher: CollectingDispatcher, cart: Cart) -> None:
    if not cart.lines:
        dispatcher.utter_message(text="Your cart is empty. What are you looking for?")
        return
    dispatcher.utter_message(
        text="In your cart:\n" + cart_summary(cart),
        buttons=[{"title": "Checkout", "payload": "/checkout"}],
    )


class ActionViewCart(ShopAction):
    def name(self) -> str:
        return "action_view_cart"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        cart = await call(services.current().shop.get_cart, cart_key(tracker))
        say_cart(dispatcher, cart)
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
            await call(shop.clear_cart, key)
            dispatcher.utter_message(text="Done, your cart is now empty.")
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
        say_cart(dispatcher, cart)
        return []
