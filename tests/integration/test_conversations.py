"""End-to-end conversations through the real Rasa server and action server.

Each test talks like a shopper (``stack.say``) and checks what a shopper would notice:
product names and prices, order numbers, status words, and the effects in the shop
database (``stack.shop``). Expected values are read from the shop, never hard-coded.
"""

from __future__ import annotations

import re
import urllib.parse
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.dialogue.order_checks import TOO_MANY_CHECKS
from scripts.stackctl import get_json
from shop.api import OrderAccess
from shop.db import HandoffRequestRow
from tests.actions.orders_db import account_of, an_order

if TYPE_CHECKING:
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def new_sender() -> str:
    return f"conv-{uuid.uuid4().hex[:10]}"


def tracker(stack: Stack, sender: str) -> dict[str, Any]:
    # Rasa's --auth-token is checked on the ?token= query parameter
    url = (
        f"{stack.rasa_url}/conversations/{urllib.parse.quote(sender, safe='')}/tracker?"
        + urllib.parse.urlencode({"token": stack.token})
    )
    status, body = get_json(url)
    assert status == 200 and isinstance(body, dict), (status, body)
    return body


def slots(stack: Stack, sender: str) -> dict[str, Any]:
    found = tracker(stack, sender).get("slots")
    assert isinstance(found, dict)
    return found


def euros(cents: int) -> str:
    return f"{cents / 100:.2f} EUR"


def bot_actions_of_last_turn(stack: Stack, sender: str) -> list[str]:
    """The actions and responses ("utter_...") Rasa ran after the shopper's last message:
    a response has several wordings, so tests check which response was given."""
    events = tracker(stack, sender)["events"]
    last_user = max(i for i, e in enumerate(events) if e.get("event") == "user")
    names = []
    for event in events[last_user:]:
        if event.get("event") == "action":
            names.append(event["name"])
        elif event.get("event") == "bot":
            names.append((event.get("metadata") or {}).get("utter_action") or "(text)")
    return names


def no_active_form(stack: Stack, sender: str) -> bool:
    return not (tracker(stack, sender).get("active_loop") or {}).get("name")


def test_product_discovery_with_refinement(stack: Stack) -> None:
    sender = new_sender()
    reply = stack.say(sender, "running shoes under 80 in size 42")
    first = slots(stack, sender)
    shown = stack.shop.get_products(first["last_results"])
    assert shown, reply
    for product in shown:
        assert product.title in reply
        assert euros(product.price_from_cents) in reply
        assert "42" in product.sizes
        assert product.price_from_cents <= 8000

    reply = stack.say(sender, "any in blue?")
    blue = slots(stack, sender)
    filters = blue["search_state"]["filters"]
    assert (filters["colour"], filters["size"], filters["price_max_cents"]) == ("blue", "42", 8000)
    for product in stack.shop.get_products(blue["last_results"]):
        assert "blue" in product.colours
        assert product.title in reply
    assert "?" not in reply.split("\n")[0]  # answers, doesn't re-ask


def test_show_more_then_cheaper_ones(stack: Stack) -> None:
    sender = new_sender()
    stack.say(sender, "t-shirts")
    page_one = slots(stack, sender)["last_results"]
    reply = stack.say(sender, "show more")
    page_two = slots(stack, sender)["last_results"]
    assert page_two and not set(page_one) & set(page_two)
    for product in stack.shop.get_products(page_two):
        assert product.title in reply

    # relevance pages of a broad query: the catalog has cheaper t-shirts than these
    cheapest = min(p.price_from_cents for p in stack.shop.get_products(page_two))
    reply = stack.say(sender, "cheaper ones")
    shown = stack.shop.get_products(slots(stack, sender)["last_results"])
    prices = [p.price_from_cents for p in shown]
    assert reply.startswith(f"Cheaper than {euros(cheapest)}, lowest price first")
    assert prices and max(prices) < cheapest and prices == sorted(prices)
    for product in shown:
        assert product.title in reply


def test_selecting_a_product_and_asking_about_it(stack: Stack) -> None:
    sender = new_sender()
    reply = stack.say(sender, "is it waterproof?")
    assert "Which product" in reply
    stack.say(sender, "rain jackets")
    shown = slots(stack, sender)["last_results"]
    reply = stack.say(sender, "tell me about the second one")
    second = stack.shop.get_product(shown[1])
    assert slots(stack, sender)["product_in_focus"] == second.id
    assert second.title in reply
    reply = stack.say(sender, "what sizes does it come in?")
    for size in second.sizes[:4]:
        assert size in reply
    reply = stack.say(sender, "what material is it?")
    assert second.material  # every demo product has one
    assert second.material in reply

    reply = stack.say(sender, "is it in stock at the Lyon store?")
    availability = stack.shop.availability(second.id)
    lyon = next(s for s in availability.per_location if s.location.code == "ST-LYON")
    assert "Lyon store" in reply
    assert (f"{lyon.available} available" if lyon.available else "out of stock") in reply
    assert "Online" in reply


def _product_with_sizes(stack: Stack) -> Any:
    for product in stack.shop.iter_products():
        if (
            "42" in product.sizes
            and len(product.colours) <= 1
            and stack.shop.availability(product.id, size="42").online_available >= 3
        ):
            return product
    raise AssertionError("the demo catalog has no single-colour product in size 42 in stock")


def _focus(stack: Stack, sender: str, product_id: str) -> None:
    """Puts a product in focus the way a shopper would: search its name, pick it."""
    product = stack.shop.get_product(product_id)
    stack.say(sender, product.title)
    shown = slots(stack, sender)["last_results"]
    assert product_id in shown, (product.title, shown)
    stack.say(sender, f'/select_product{{"ordinal": "{shown.index(product_id) + 1}"}}')
    assert slots(stack, sender)["product_in_focus"] == product_id


def test_cart_and_checkout_create_an_order(stack: Stack) -> None:
    sender = new_sender()
    product = _product_with_sizes(stack)
    _focus(stack, sender, product.id)
    reply = stack.say(sender, "add 2 in size 42 to my cart")
    cart = stack.shop.get_cart(sender)
    assert [(line.product_id, line.size, line.quantity) for line in cart.lines] == [
        (product.id, "42", 2)
    ]
    assert euros(cart.total_cents) in reply
    reply = stack.say(sender, "what's in my cart?")
    assert f"2 x {product.title}" in reply

    reply = stack.say(sender, "checkout")
    assert "e-mail" in reply
    assert "name" in stack.say(sender, "zoe.checkout@example.com")
    assert "address" in stack.say(sender, "Zoe Martin")
    # a shop question in the middle of the form, then back to it
    reply = stack.say(sender, "how long does delivery take?")
    assert "business days" in reply
    assert "address" in reply.split("\n")[-1]  # then back to the question it was on
    reply = stack.say(sender, "12 rue de la Paix, 75002 Paris")
    assert "pay" in reply
    reply = stack.say(sender, '/inform{"payment_method": "card"}')
    assert "Shall I place the order?" in reply
    assert "Zoe Martin" in reply
    reply = stack.say(sender, "yes")
    number = re.search(r"order (\d{5,8})", reply)
    assert number, reply
    order = stack.shop.get_order(number.group(1), OrderAccess(email="zoe.checkout@example.com"))
    assert [(line.product_id, line.quantity) for line in order.lines] == [(product.id, 2)]
    assert euros(order.total_cents) in reply
    assert stack.shop.get_cart(sender).lines == ()
    assert order.customer_id is None  # a guest checkout: no account is made or attached


def test_stop_leaves_the_checkout_form(stack: Stack) -> None:
    sender = new_sender()
    product = _product_with_sizes(stack)
    stack.shop.add_to_cart(sender, product.id, quantity=1, size="42")
    assert "e-mail" in stack.say(sender, "checkout")
    stack.say(sender, "never mind")
    assert "utter_stopped" in bot_actions_of_last_turn(stack, sender)
    assert no_active_form(stack, sender)


def test_order_tracking_asks_the_email_first_and_leaks_nothing(stack: Stack) -> None:
    order = an_order(stack.shop, "shipped")
    record = stack.shop.get_order(str(order.number), OrderAccess(email=order.email))
    assert record.shipment is not None
    sender = new_sender()
    reply = stack.say(sender, f"where is my order {order.number}?")
    assert "e-mail" in reply
    assert "shipped" not in reply and record.shipment.carrier not in reply
    reply = stack.say(sender, "someone.else@example.com")
    assert "couldn't find an order with that number for that e-mail" in reply
    assert "shipped" not in reply
    stack.say(sender, str(order.number))
    reply = stack.say(sender, order.email)
    assert f"Order {order.number} is shipped" in reply
    assert record.shipment.carrier in reply
    last = record.shipment.last_event
    assert last is not None and last.description in reply

    sender = new_sender()
    stack.say(sender, "where is my order?")
    assert "5 to 8 digits" in stack.say(sender, "abc")
    assert "5 to 8 digits" in stack.say(sender, "12")


def test_a_verified_customer_is_not_asked_for_an_email(stack: Stack) -> None:
    order = an_order(stack.shop, "shipped")
    sender = new_sender()
    token = {"customer_token": stack.sign_customer(account_of(order))}
    reply = stack.say(sender, f"where is my order {order.number}?", metadata=token)
    assert f"Order {order.number} is shipped" in reply
    sender = new_sender()
    reply = stack.say(
        sender, f"where is my order {order.number}?", metadata={"customer_id": order.customer_id}
    )
    assert "e-mail" in reply and "shipped" not in reply


def test_cancel_refused_once_shipped_and_done_when_paid(stack: Stack) -> None:
    shipped = an_order(stack.shop, "shipped")
    sender = new_sender()
    stack.say(sender, f"cancel my order {shipped.number}")
    reply = stack.say(sender, shipped.email)
    assert "can't be cancelled" in reply
    assert "return" in reply

    paid = an_order(stack.shop, "paid")
    sender = new_sender()
    stack.say(sender, f"cancel my order {paid.number}")
    reply = stack.say(sender, paid.email)
    assert f"cancel order {paid.number}" in reply
    reply = stack.say(sender, "yes")
    assert f"Order {paid.number} is cancelled" in reply
    assert (
        stack.shop.get_order(str(paid.number), OrderAccess(email=paid.email)).status == "cancelled"
    )


def test_a_return_gets_an_rma(stack: Stack) -> None:
    order = an_order(stack.shop, "delivered", lines=1, delivered_within_days=20)
    sender = new_sender()
    stack.say(sender, f"I want to return the item from order {order.number}")
    reply = stack.say(sender, order.email)
    assert "Why" in reply
    reply = stack.say(sender, "it is too small")
    returns = stack.shop.returns(str(order.number), OrderAccess(email=order.email))
    assert len(returns) == 1
    assert f"Return {returns[0].rma} is open" in reply


def test_a_return_after_the_window_is_refused(stack: Stack) -> None:
    order = an_order(stack.shop, "delivered", lines=1, delivered_before_days=40)
    sender = new_sender()
    stack.say(sender, f"I want to return the item from order {order.number}")
    reply = stack.say(sender, order.email)  # no reason asked: the shop says no at once
    window = stack.shop.policy.return_window_days
    assert f"I can't open a return for order {order.number}" in reply
    assert f"more than {window} days ago" in reply
    assert stack.shop.returns(str(order.number), OrderAccess(email=order.email)) == []


def test_faq_small_talk_help_and_a_person(stack: Stack) -> None:
    sender = new_sender()
    assert "business days" in stack.say(sender, "how long does delivery take?")
    assert "PayPal" in stack.say(sender, "can I pay with PayPal?")
    assert stack.say(sender, "hi")
    assert "bot" in stack.say(sender, "are you a bot?")
    assert "find products" in stack.say(sender, "what can you do?")
    reply = stack.say(sender, "I want to talk to a person")
    hours = stack.shop.policy.handoff_reply_hours
    # the desk is open (DESK_HOURS=always) and no agent has a desk page open (the desk and
    # browser tests, whose agents log in, run after this module)
    assert "Nobody from our team is online right now" in reply
    assert f"replies by e-mail within {hours} hours" in reply
    assert "I need your e-mail address" in reply
    with Session(stack.shop._engine) as session:
        requests = session.scalars(
            select(HandoffRequestRow).where(HandoffRequestRow.conversation_id == sender)
        ).all()
    assert [(r.status, r.contact_email) for r in requests] == [("open", None)]


@pytest.mark.parametrize("gibberish", ["asdkjh qwpoeiru", "zxqv bnmlk wwer", "fjfjfjfj"])
def test_gibberish_gets_the_two_stage_fallback(stack: Stack, gibberish: str) -> None:
    sender = new_sender()
    replies = stack.send(sender, gibberish)
    texts = " ".join(r.get("text") or "" for r in replies)
    buttons = [b for r in replies for b in r.get("buttons") or []]
    assert "Did you want to" in texts
    assert {"title": "No, let me rephrase", "payload": "/out_of_scope"} in buttons
    assert any(b["title"] == "Yes" and b["payload"].startswith("/") for b in buttons)
    stack.say(sender, "/out_of_scope")
    assert "utter_ask_rephrase" in bot_actions_of_last_turn(stack, sender)
    assert "find products" in stack.say(sender, "what can you do?")


def test_chat_about_anything_else_gets_the_out_of_scope_reply_after_the_faq_is_asked(
    stack: Stack,
) -> None:
    sender = new_sender()
    reply = stack.say(sender, "write me a poem about the sea")
    assert reply.startswith("Sorry, that's outside what I can do.")
    # action_out_of_scope asked the FAQ, found nothing sure, handed over to the response
    assert bot_actions_of_last_turn(stack, sender)[:3] == [
        "action_out_of_scope",
        "utter_out_of_scope",
        "utter_out_of_scope",
    ]


def test_another_companys_parcel_gets_the_own_shop_reply_and_no_order_form(
    stack: Stack,
) -> None:
    sender = new_sender()
    reply = stack.say(sender, "where is my amazon parcel, it should have come yesterday")
    expected = "I can only answer for our own shop, so I can't help with amazon."
    assert reply[: len(expected)] == expected
    assert no_active_form(stack, sender)
    assert "order number" in stack.say(sender, "ok and where is my order from you?")


def test_goodbye_leaves_the_order_form(stack: Stack) -> None:
    sender = new_sender()
    assert "order number" in stack.say(sender, "where is my order?")
    reply = stack.say(sender, "thanks, bye")
    assert "5 to 8 digits" not in reply  # not taken as a wrong order number
    assert "utter_goodbye" in bot_actions_of_last_turn(stack, sender)
    assert no_active_form(stack, sender)


def test_failed_order_checks_are_limited_in_a_conversation(stack: Stack) -> None:
    order = an_order(stack.shop, "shipped")
    sender = new_sender()
    stack.say(sender, f"where is my order {order.number}?")
    for attempt in range(5):  # VerificationLimits.max_per_conversation
        reply = stack.say(sender, f"guess{attempt}@example.com")
        assert "couldn't find an order with that number for that e-mail" in reply
        stack.say(sender, str(order.number))
    reply = stack.say(sender, order.email)
    assert reply.startswith(TOO_MANY_CHECKS)
    assert "shipped" not in reply
