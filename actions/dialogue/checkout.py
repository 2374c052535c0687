"""Checkout: start (cart check, prefill for a logged-in customer), validate the form's
answers, show the summary, and place the order on "yes"."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ShopAction, call, guarded
from actions.dialogue.cart import cart_key
from actions.dialogue.formatting import cart_summary, money
from actions.dialogue.policy_text import delivery_time
from shop.api import PAYMENT_METHODS, CheckoutDetails, PaymentMethod

PAYMENT_LABELS: dict[str, str] = {
    "card": "card",
    "paypal": "PayPal",
    "bank_transfer": "bank transfer",
    "cash_on_delivery": "cash on delivery",
}
_PAYMENT_WORDS: tuple[tuple[re.Pattern[str], PaymentMethod], ...] = (
    (re.compile(r"pay\s*pal", re.I), "paypal"),
    (re.compile(r"cash|on delivery|\bcod\b", re.I), "cash_on_delivery"),
    (re.compile(r"bank|transfer|wire|iban", re.I), "bank_transfer"),
    (re.compile(r"card|visa|master|amex|credit|debit", re.I), "card"),
)
CHECKOUT_SLOTS = (
    "email",
    "customer_name",
    "shipping_address",
    "payment_method",
    "checkout_confirmed",
)


def payment_method(value: object) -> PaymentMethod | None:
    if not isinstance(value, str):
        return None
    cleaned = value.strip().lower().replace(" ", "_")
    for method in PAYMENT_METHODS:
        if cleaned == method:
            return method
    for pattern, method in _PAYMENT_WORDS:
        if pattern.search(value):
            return method
    return None


class ActionStartCheckout(ShopAction):
    def name(self) -> str:
        return "action_start_checkout"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        current = services.current()
        cart = await call(current.shop.get_cart, cart_key(tracker))
        if not cart.lines:
            dispatcher.utter_message(
                text="Your cart is empty, so there's nothing to check out "
                "yet. What are you looking for?"
            )
            return [FollowupAction("action_listen")]
        events: list[dict[str, Any]] = [SlotSet("checkout_confirmed", None)]
        customer_id = said.verified_customer(tracker, current.settings.customer_token_secret)
        if customer_id:
            customer = await call(current.shop.get_customer, customer_id)
            if customer is not None:
                events.append(SlotSet("email", customer.email))
                if not said.slot_str(tracker, "customer_name"):
                    events.append(SlotSet("customer_name", customer.name))
        dispatcher.utter_message(text="Let's check out:\n" + cart_summary(cart))
        return events


class ValidateCheckoutForm(FormValidationAction):
    def name(self) -> str:
        return "validate_checkout_form"

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = said.email_in(value)
        if email is None:
            dispatcher.utter_message(text=said.NOT_AN_EMAIL)
        return {"email": email}

    def validate_customer_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = " ".join(value.split()) if isinstance(value, str) else ""
        if len(name) < 2 or not re.search(r"[^\W\d_]", name) or len(name) > 120:
            dispatcher.utter_message(text="Please give the recipient's name, like Marie Dupont.")
            return {"customer_name": None}
        return {"customer_name": name}

    def validate_shipping_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        address = " ".join(value.split()) if isinstance(value, str) else ""
        if len(address) < 8 or not re.search(r"\d", address) or len(address) > 300:
            dispatcher.utter_message(
                text="I need a full address with street number, postcode "
                "and city, like 12 rue de la Paix, 75002 Paris."
            )
            return {"shipping_address": None}
        return {"shipping_address": address}

    def validate_payment_method(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        method = payment_method(value)
        if method is None:
            dispatcher.utter_message(
                text="We take card, PayPal, bank transfer or cash on "
                "delivery. Which one would you like?"
            )
        return {"payment_method": method}


class ActionAskCheckoutConfirmed(ShopAction):
    """Asks for the ``checkout_confirmed`` slot with the order summary."""

    def name(self) -> str:
        return "action_ask_checkout_confirmed"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        shop = services.current().shop
        cart = await call(shop.get_cart, cart_key(tracker))
        shipping = shop.policy.shipping_cents(cart.total_cents)  # what checkout will charge
        method = PAYMENT_LABELS.get(said.slot_str(tracker, "payment_method") or "", "?")
        text = "\n".join(
            [
                "Here's your order:",
                cart_summary(cart),
                "Shipping: " + ("free" if shipping == 0 else money(shipping, cart.currency)),
                f"To pay: {money(cart.total_cents + shipping, cart.currency)} by {method}",
                f"Deliver to: {said.slot_str(tracker, 'customer_name')}, "
                f"{said.slot_str(tracker, 'shipping_address')}",
                f"Confirmation e-mail: {said.slot_str(tracker, 'email')}",
                "Shall I place the order?",
            ]
        )
        dispatcher.utter_message(
            text=text,
            buttons=[
                {"title": "Yes, place the order", "payload": "/affirm"},
                {"title": "No", "payload": "/deny"},
            ],
        )
        return []


class ActionPlaceOrder(Action):
    def name(self) -> str:
        return "action_place_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events = await guarded(self._place(dispatcher, tracker), dispatcher, self.name())
        return [*events, SlotSet("checkout_confirmed", None)]

    async def _place(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("checkout_confirmed") is not True:
            dispatcher.utter_message(
                text="OK, I haven't placed the order. Your cart is kept; "
                "say checkout to start again with new details."
            )
            return [SlotSet("shipping_address", None), SlotSet("payment_method", None)]
        current = services.current()
        method = payment_method(tracker.get_slot("payment_method")) or "card"
        details = CheckoutDetails(
            email=said.slot_str(tracker, "email") or "",
            shipping_name=said.slot_str(tracker, "customer_name") or "",
            shipping_address=said.slot_str(tracker, "shipping_address") or "",
            payment_method=method,
            customer_id=said.verified_customer(tracker, current.settings.customer_token_secret),
        )
        order = await call(current.shop.checkout, cart_key(tracker), details)
        dispatcher.utter_message(
            text=f"Thank you! Your order {order.number} is placed. Total "
            f"{money(order.total_cents, order.currency)} by "
            f"{PAYMENT_LABELS.get(order.payment_method, order.payment_method)}. "
            f"A confirmation is on its way to {order.email}; delivery takes "
            f"{delivery_time(current.shop.policy)} once it ships."
        )
        return [SlotSet("order_number", None)]
