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
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import handoff, order_checks, services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ORDER_NOT_FOUND, ShopAction, call, guarded
from actions.dialogue.faq import (
    other_business_named,
    sure_faq_entry,
    utter_answer,
    utter_other_business,
)
from actions.dialogue.formatting import day, money, order_status_phrase, variant_phrase
from actions.dialogue.policy_question import asks_about_policy
from actions.dialogue.policy_text import delivery_time, refund_time, return_window
from shop.api import Order, OrderAccess, OrderLine, ShopPolicy, ShopService
from shop.cards import order_payload
from shop.errors import OrderNotFound

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


# Offered under a policy answer, so the shopper who did mean "do it" is one click away.
START_BUTTONS = {
    "track": {"title": "Track an order", "payload": "/track_order"},
    "cancel": {"title": "Cancel an order", "payload": "/cancel_order"},
    "return": {"title": "Start a return", "payload": "/return_item"},
    "refund": {"title": "Check a refund", "payload": "/refund_status"},
}


class ActionStartOrderRequest(Action):
    """Remembers what the shopper wants to do with an order and clears the last request.

    A question about the rules ("can I return worn shoes?", no order number) that the FAQ
    answers confidently gets that answer and a button to start the request instead: the
    form would otherwise ask for an order number the shopper never meant to give.
    """

    def name(self) -> str:
        return "action_start_order_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        tagged = said.entity(tracker, "order_number")
        # the NLU tags any number as one ("2 tracking numbers for 1 order?", "do I get the
        # 9.90 back?"): only a number of an order's shape makes this about one order
        given = tagged if tagged and ORDER_NUMBER.search(tagged) else None
        message = said.text(tracker)
        other = None if given else await other_business_named(message)
        if other:  # "where is my amazon parcel": no order of ours to ask for
            utter_other_business(dispatcher, other)
            return [FollowupAction("action_listen")]
        handoff.offer_if_upset_or_order_problem(dispatcher, tracker)  # damaged, angry...
        purpose = PURPOSES.get(said.intent(tracker) or "", "track")
        if not given and asks_about_policy(message):
            entry = await sure_faq_entry(message)  # other businesses checked above
            if entry is not None:
                utter_answer(dispatcher, entry, buttons=[START_BUTTONS[purpose]])
                return [FollowupAction("action_listen")]
        events: list[dict[str, Any]] = [SlotSet("order_purpose", purpose)]
        events += [
            SlotSet(name, None) for name in REQUEST_SLOTS if not (name == "order_number" and tagged)
        ]  # a tagged number of the wrong shape stays for the form, which says what is wrong
        email = said.entity(tracker, "email")
        if email:
            events.append(SlotSet("order_email", email))
        if not tagged and _OTHER_NUMBER.search(message):
            dispatcher.utter_message(text=FORMAT_HINT)
        return events


def _required(
    purpose: str | None, order: Order | None, verified: bool, shop: ShopService
) -> list[str]:
    """The form's slots; what to ask after verification is the shop's decision."""
    slots = ["order_number"] if verified else ["order_number", "order_email"]
    if order is None:
        return slots
    if purpose == "cancel" and shop.can_cancel(order):
        slots.append("cancel_confirmed")
    if purpose == "return" and shop.can_return(order).allowed:
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
        handoff.offer_if_upset_or_order_problem(dispatcher, tracker)  # any answer in the form
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
        purpose = tracker.get_slot("order_purpose")
        order = None
        if said.slot_str(tracker, "order_status") and purpose in ("cancel", "return"):
            order = await _current_order(tracker)  # verified: the shop decides what follows
        return _required(purpose, order, verified, services.current().shop)

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
        reset = [SlotSet("order_number", None), SlotSet("order_status", None)]
        if access.customer_id is None:
            reset.append(SlotSet("order_email", None))
        if not await order_checks.checks_allowed(tracker):  # too many failures: no lookup
            dispatcher.utter_message(text=order_checks.TOO_MANY_CHECKS)
            return [*events, *reset]
        try:
            order = await call(services.current().shop.get_order, number, access)
        except OrderNotFound:
            await order_checks.record_failure(tracker)
            dispatcher.utter_message(text=not_found_text(access) + " Let's try again.")
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


def tracking_text(order: Order, rules: ShopPolicy) -> str:
    text = f"Order {order.number} is {order_status_phrase(order)}."
    shipment = order.shipment
    if shipment is not None and order.status in ("shipped", "delivered"):
        text += f" Carrier: {shipment.carrier} (tracking {shipment.tracking_number})."
        last = shipment.last_event
        if last is not None:
            text += f" Last update {day(last.at)}: {last.description}, {last.location}."
        if order.status == "shipped" and shipment.eta is not None:
            text += f" Expected delivery: {day(shipment.eta)}."
    elif order.status in rules.cancellable_statuses:
        text += f" It will ship from our warehouse soon; delivery takes {delivery_time(rules)}."
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
            dispatcher.utter_message(
                text=tracking_text(order, shop.policy), json_message=order_payload(order)
            )
        return []

    async def _cancel(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order: Order, access: OrderAccess
    ) -> None:
        shop = services.current().shop
        if not await call(shop.can_cancel, order):
            dispatcher.utter_message(
                text=f"Order {order.number} is already {order.status}, so it can't be "
                f"cancelled any more. You can return it within {return_window(shop.policy)}.",
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
        cancelled = await call(shop.cancel_order, order.number, access)
        refund = ""
        if order.status == "paid":
            refund = (
                f" The {money(cancelled.total_cents, cancelled.currency)} will be refunded "
                f"to your original payment method {refund_time(shop.policy)}."
            )
        dispatcher.utter_message(text=f"Order {order.number} is cancelled.{refund}")

    async def _return(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order: Order, access: OrderAccess
    ) -> None:
        shop = services.current().shop
        eligibility = await call(shop.can_return, order)
        window = eligibility.window_days
        if eligibility.verdict == "cancel_instead":
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
        if eligibility.verdict == "not_delivered_yet":
            label = ", with a free return label" if shop.policy.free_returns else ""
            dispatcher.utter_message(
                text=f"Order {order.number} is still on its way. Once it's delivered you have "
                f"{window} days to return it{label}."
            )
            return
        if eligibility.verdict == "window_closed":
            delivered = eligibility.delivered_at
            on = f" on {delivered:%d %B %Y}" if delivered else ""
            dispatcher.utter_message(
                text=f"I can't open a return for order {order.number}: it was delivered{on}, "
                f"more than {window} days ago (returns are accepted within {window} days of "
                "delivery)."
            )
            return
        if not eligibility.allowed:
            dispatcher.utter_message(text=f"Order {order.number} is already {order.status}.")
            return
        sku = said.slot_str(tracker, "return_sku")
        reason = said.slot_str(tracker, "return_reason") or "-"
        request = await call(shop.start_return, order.number, access, reason=reason, sku=sku)
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
                        f"Refund of {amount}: on its way, {refund_time(shop.policy)} "
                        f"of {day(refund.created_at)}."
                    )
            dispatcher.utter_message(text=f"Order {order.number}:\n" + "\n".join(lines))
            return
        returns = await call(shop.returns, order.number, access)
        if returns:
            latest = returns[-1]
            dispatcher.utter_message(
                text=f"There's no refund on order {order.number} yet. Your return "
                f"{latest.rma} is {latest.status}; the refund is sent "
                f"{refund_time(shop.policy)} of the parcel reaching us."
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
