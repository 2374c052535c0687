"""Order requests: track, cancel, return, refund status, and the customer's order list.

Every request about one order goes through ``order_request_form``: the order number,
then the e-mail on the order (skipped for a verified logged-in customer). The shop checks
both before anything about the order is said; a wrong e-mail and an unknown number get
the same answer, and the shopper can try again.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ORDER_NOT_FOUND, ShopAction, call, guarded
from actions.dialogue.formatting import day, money, order_status_phrase, variant_phrase
from shop.api import Order, OrderAccess, OrderLine
from shop.errors import OrderNotFound
from shop.policy import CANCELLABLE_STATUSES

ORDER_NUMBER = re.compile(r"(?<!\d)(\d{5,8})(?!\d)")
_OTHER_NUMBER = re.compile(r"(?<![\d@.])#?(\d{1,4}|\d{9,})(?![\d@])")
FORMAT_HINT = (
    "Order numbers have 5 to 8 digits, like 10023 (you'll find it in your confirmation e-mail)."
)
PURPOSES = {
    "track_order": "track",
    "cancel_order": "cancel",
    "return_item": "return",
    "refund_status": "refund",
}
REQUEST_SLOTS = ("order_number", "order_status", "cancel_confirmed", "return_sku", "return_reason")


def order_access(tracker: Tracker, *, email: str | None = None) -> OrderAccess | None:
    """Who asks: the verified customer, else the e-mail given in the chat, else nobody."""
    secret = services.current().settings.customer_token_secret
    customer_id = said.verified_customer(tracker, secret)
    if customer_id:
        return OrderAccess(customer_id=customer_id)
    email = email or said.slot_str(tracker, "order_email")
    return OrderAccess(email=email) if email else None


def not_found_text(access: OrderAccess) -> str:
    if access.customer_id:
        return "I couldn't find an order with that number on your account."
    return ORDER_NOT_FOUND


class ActionStartOrderRequest(Action):
    """Remembers what the shopper wants to do with an order and clears the last request."""

    def name(self) -> str:
        return "action_start_order_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        purpose = PURPOSES.get(said.intent(tracker) or "", "track")
        events: list[dict[str, Any]] = [SlotSet("order_purpose", purpose)]
        given = said.entity(tracker, "order_number")
        events += [
            SlotSet(name, None) for name in REQUEST_SLOTS if not (name == "order_number" and given)
        ]
        email = said.entity(tracker, "email")
        if email:
            events.append(SlotSet("order_email", email))
        if not given and _OTHER_NUMBER.search(said.text(tracker)):
            dispatcher.utter_message(text=FORMAT_HINT)
        return events


def _required(purpose: str | None, status: str | None, verified: bool) -> list[str]:
    slots = ["order_number"] if verified else ["order_number", "order_email"]
    if status is None:
        return slots
    if purpose == "cancel" and status in CANCELLABLE_STATUSES:
        slots.append("cancel_confirmed")
    if purpose == "return" and status == "delivered":
        slots += ["return_sku", "return_reason"]
    return slots


def _line_for(order: Order, value: str) -> OrderLine | None:
    cleaned = value.strip()
    for line in order.lines:
        if line.sku == cleaned:
            return line
    for word in cleaned.lower().split():
        index = said.parse_ordinal(word.strip(".,!?"), len(order.lines))
        if index is not None:
            return order.lines[index]
    words = {w for w in re.findall(r"[a-z0-9]+", cleaned.lower()) if len(w) > 2}
    matches = [
        line for line in order.lines if words & set(re.findall(r"[a-z0-9]+", line.title.lower()))
    ]
    return matches[0] if len(matches) == 1 else None


class ValidateOrderRequestForm(FormValidationAction):
    def name(self) -> str:
        return "validate_order_request_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return await guarded(super().run(dispatcher, tracker, domain), dispatcher, self.name())

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        access = order_access(tracker)
        verified = access is not None and access.customer_id is not None
        return _required(
            tracker.get_slot("order_purpose"), said.slot_str(tracker, "order_status"), verified
        )

    def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = ORDER_NUMBER.search(str(value)) if isinstance(value, (str, int)) else None
        if found is None:
            dispatcher.utter_message(text=FORMAT_HINT)
            return {"order_number": None}
        return {"order_number": found.group(1), "order_status": None}

    def validate_order_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = said.email_in(value)
        if email is None:
            dispatcher.utter_message(text=said.NOT_AN_EMAIL)
            return {"order_email": None}
        return {"order_email": email, "order_status": None}

    async def validate_return_sku(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        order = await _current_order(tracker)
        line = _line_for(order, str(value)) if order is not None else None
        if line is None:
            dispatcher.utter_message(text="Which item is it? Please pick one of the buttons.")
            return {"return_sku": None}
        return {"return_sku": line.sku}

    def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reason = " ".join(value.split()) if isinstance(value, str) else ""
        if len(reason) < 2:
            dispatcher.utter_message(text='A few words are enough, like "too small".')
            return {"return_reason": None}
        return {"return_reason": reason[:300]}

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Per-slot checks, then one ownership check of the order with the shop."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        values = dict(tracker.slots)
        for event in events:
            if event.get("event") == "slot":
                values[event["name"]] = event.get("value")
        number = values.get("order_number")
        access = order_access(tracker, email=values.get("order_email"))
        if not isinstance(number, str) or access is None or values.get("order_status"):
            return events
        try:
            order = await call(services.current().shop.get_order, number, access)
        except OrderNotFound:
            dispatcher.utter_message(text=not_found_text(access) + " Let's try again.")
            reset = [SlotSet("order_number", None), SlotSet("order_status", None)]
            if access.customer_id is None:
                reset.append(SlotSet("order_email", None))
            return [*events, *reset]
        verified = [SlotSet("order_status", order.status)]
        if values.get("order_purpose") == "return" and len(order.lines) == 1:
            verified.append(SlotSet("return_sku", order.lines[0].sku))
        return [*events, *verified]


async def _current_order(tracker: Tracker) -> Order | None:
    number = said.slot_str(tracker, "order_number")
    access = order_access(tracker)
    if number is None or access is None:
        return None
    try:
        return await call(services.current().shop.get_order, number, access)
    except OrderNotFound:
        return None


class ActionAskReturnSku(ShopAction):
    def name(self) -> str:
        return "action_ask_return_sku"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        order = await _current_order(tracker)
        if order is None:
            dispatcher.utter_message(text="Which item would you like to return?")
            return []
        buttons = [
            {
                "title": f"{line.title}{variant_phrase(line.size, line.colour)}",
                "payload": f'/inform{{"sku": "{line.sku}"}}',
            }
            for line in order.lines
        ]
        dispatcher.utter_message(
            text=f"Which item from order {order.number} do you want to return?", buttons=buttons
        )
        return []


def tracking_text(order: Order) -> str:
    text = f"Order {order.number} is {order_status_phrase(order)}."
    shipment = order.shipment
    if shipment is not None and order.status in ("shipped", "delivered"):
        text += f" Carrier: {shipment.carrier} (tracking {shipment.tracking_number})."
        last = shipment.last_event
        if last is not None:
            text += f" Last update {day(last.at)}: {last.description}, {last.location}."
        if order.status == "shipped" and shipment.eta is not None:
            text += f" Expected delivery: {day(shipment.eta)}."
    elif order.status in CANCELLABLE_STATUSES:
        text += " It will ship from our warehouse soon; delivery takes 2-4 business days."
    return text


class ActionHandleOrderRequest(Action):
    """Answers the verified order request, then forgets it (the e-mail is kept)."""

    def name(self) -> str:
        return "action_handle_order_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events = await guarded(self._answer(dispatcher, tracker), dispatcher, self.name())
        return [
            *events,
            *(SlotSet(name, None) for name in REQUEST_SLOTS),
            SlotSet("order_purpose", None),
        ]

    async def _answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        number = said.slot_str(tracker, "order_number")
        access = order_access(tracker)
        if number is None or access is None or not said.slot_str(tracker, "order_status"):
            dispatcher.utter_message(text="Let's try that again: which order is it about?")
            return []
        shop = services.current().shop
        purpose = tracker.get_slot("order_purpose")
        order = await call(shop.get_order, number, access)
        if purpose == "cancel":
            await self._cancel(dispatcher, tracker, order, access)
        elif purpose == "return":
            await self._return(dispatcher, tracker, order, access)
        elif purpose == "refund":
            await self._refund(dispatcher, order, access)
        else:
            dispatcher.utter_message(text=tracking_text(order))
        return []

    async def _cancel(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order: Order, access: OrderAccess
    ) -> None:
        if order.status not in CANCELLABLE_STATUSES:
            dispatcher.utter_message(
                text=f"Order {order.number} is already {order.status}, so it can't be "
                "cancelled any more. You can return it within 30 days of delivery with "
                "a free return label.",
                buttons=[
                    {
                        "title": "Start a return",
                        "payload": f'/return_item{{"order_number": "{order.number}"}}',
                    }
                ],
            )
            return
        if tracker.get_slot("cancel_confirmed") is not True:
            dispatcher.utter_message(text=f"OK, order {order.number} stays as it is.")
            return
        cancelled = await call(services.current().shop.cancel_order, order.number, access)
        refund = ""
        if order.status == "paid":
            refund = (
                f" The {money(cancelled.total_cents, cancelled.currency)} will be refunded "
                "to your original payment method within 5 business days."
            )
        dispatcher.utter_message(text=f"Order {order.number} is cancelled.{refund}")

    async def _return(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order: Order, access: OrderAccess
    ) -> None:
        if order.status in CANCELLABLE_STATUSES:
            dispatcher.utter_message(
                text=f"Order {order.number} hasn't shipped yet, so you can simply cancel it.",
                buttons=[
                    {
                        "title": "Cancel it",
                        "payload": f'/cancel_order{{"order_number": "{order.number}"}}',
                    }
                ],
            )
            return
        if order.status == "shipped":
            dispatcher.utter_message(
                text=f"Order {order.number} is still on its way. Once it's delivered you have "
                "30 days to return it, with a free return label."
            )
            return
        if order.status != "delivered":
            dispatcher.utter_message(text=f"Order {order.number} is already {order.status}.")
            return
        sku = said.slot_str(tracker, "return_sku")
        reason = said.slot_str(tracker, "return_reason") or "-"
        request = await call(
            services.current().shop.start_return, order.number, access, reason=reason, sku=sku
        )
        item = next((line.title for line in order.lines if line.sku == sku), "your order")
        dispatcher.utter_message(
            text=f"Return {request.rma} is open for {item}. {request.instructions}"
        )

    async def _refund(
        self, dispatcher: CollectingDispatcher, order: Order, access: OrderAccess
    ) -> None:
        shop = services.current().shop
        refunds = await call(shop.refunds, order.number, access)
        if refunds:
            lines = []
            for refund in refunds:
                amount = money(refund.amount_cents, refund.currency)
                if refund.status == "processed" and refund.processed_at is not None:
                    lines.append(f"Refund of {amount}: paid back on {day(refund.processed_at)}.")
                else:
                    lines.append(
                        f"Refund of {amount}: on its way, within 5 business days "
                        f"of {day(refund.created_at)}."
                    )
            dispatcher.utter_message(text=f"Order {order.number}:\n" + "\n".join(lines))
            return
        returns = await call(shop.returns, order.number, access)
        if returns:
            latest = returns[-1]
            dispatcher.utter_message(
                text=f"There's no refund on order {order.number} yet. Your return "
                f"{latest.rma} is {latest.status}; the refund is sent within 5 business "
                "days of the parcel reaching us."
            )
            return
        dispatcher.utter_message(text=f"There's no refund or return on order {order.number}.")


class ActionListOrders(ShopAction):
    def name(self) -> str:
        return "action_list_orders"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        secret = services.current().settings.customer_token_secret
        customer_id = said.verified_customer(tracker, secret)
        if customer_id is None:
            dispatcher.utter_message(
                text="To see all your orders, please log in on the website. I can also look "
                "up one order with its number and your e-mail.",
                buttons=[{"title": "Track an order", "payload": "/track_order"}],
            )
            return []
        orders = await call(
            services.current().shop.list_orders, OrderAccess(customer_id=customer_id), 5
        )
        if not orders:
            dispatcher.utter_message(text="You have no orders yet.")
            return []
        lines = [
            f"- {o.number} ({day(o.created_at)}): {o.status}, {money(o.total_cents, o.currency)}"
            for o in orders
        ]
        dispatcher.utter_message(text="Your recent orders:\n" + "\n".join(lines))
        return []
