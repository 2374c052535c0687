"""What the shopper hears: Rasa's messages of one turn through voice.speakable.

The messages are built as the bot builds them: cards from shop.cards over shop records
(demo products renamed and repriced, so that the expected sentences can be written out),
texts from the actions' own formatting functions.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest

from actions.dialogue.formatting import cart_summary, product_details
from actions.dialogue.orders import tracking_text
from shop.api import (
    Cart,
    CartLine,
    Order,
    OrderLine,
    Product,
    Shipment,
    TrackingEvent,
    Variant,
)
from shop.cards import cart_payload, order_payload, products_payload
from shop.demo.catalog import demo_products
from shop.policy import DEFAULT_POLICY
from voice.speakable import speech_for, split_sentences

STOREFRONT = "http://127.0.0.1:5057"
CART_BUTTONS = [
    {"title": "View cart", "payload": "/view_cart"},
    {"title": "Checkout", "payload": "/checkout"},
]


def product(index: int, title: str, price_cents: int, *, was_cents: int | None = None) -> Product:
    """A demo product under another title and price."""
    base = demo_products(12, 3)[index]
    variants = tuple(
        dataclasses.replace(v, price_cents=price_cents, compare_at_cents=was_cents)
        for v in base.variants
    )
    return dataclasses.replace(
        base, title=title, brand=title.split()[0], variants=variants, description=""
    )


JACKETS = [
    product(0, "Nordpeak Swift Rain Jacket", 8990),
    product(1, "Fjordwear Crest Rain Jacket", 12000),
    product(2, "Ardent & Co Nova Rain Jacket", 105),
    product(3, "Nordpeak Tempo Rain Jacket", 4500),
]


def products_message(text: str, products: list[Product], **extra: Any) -> dict[str, Any]:
    stock = {p.id: 5 for p in products}
    stock[products[-1].id] = 0
    card = products_payload(products, stock, currency="EUR", storefront_url=STOREFRONT)
    return {"recipient_id": "shopper", "text": text, "custom": card, **extra}


def order(status: str, *, shipped: bool = False) -> Order:
    shipment = None
    if shipped:
        event = TrackingEvent(
            at=datetime(2026, 11, 3, 9, tzinfo=UTC), location="Lyon", description="Out for delivery"
        )
        shipment = Shipment(
            carrier="Colissimo",
            tracking_number="6A12345678901",
            shipped_at=datetime(2026, 11, 1, tzinfo=UTC),
            eta=date(2026, 11, 5),
            events=(event,),
        )
    line = OrderLine("SKU-1", JACKETS[0].id, JACKETS[0].title, "M", "black", 1, 8990)
    return Order(
        number="12186",
        customer_id=None,
        email="maelle.clement@example.com",
        status=status,  # type: ignore[arg-type]
        created_at=datetime(2026, 10, 30, tzinfo=UTC),
        lines=(line,),
        shipping_name="Maelle Clement",
        shipping_address="3 place Bellecour, 69002 Lyon",
        payment_method="card",
        subtotal_cents=8990,
        shipping_cents=0,
        total_cents=8990,
        currency="EUR",
        shipment=shipment,
    )


def a_cart(*quantities: int) -> tuple[Cart, list[Product]]:
    chosen = JACKETS[: len(quantities)]
    lines = []
    for item, quantity in zip(chosen, quantities, strict=True):
        variant: Variant = item.variants[0]
        lines.append(
            CartLine(
                variant.sku,
                item.id,
                item.title,
                "M",
                "black",
                quantity,
                variant.price_cents,
            )
        )
    return Cart(key="shopper", lines=tuple(lines), currency="EUR"), chosen


# products -----------------------------------------------------------------------------


def test_search_results_are_three_options_by_name_and_price() -> None:
    text = (
        "Here are 1-4 of 12 matches for rain jackets (Nordpeak, up to 150.00 EUR):\n"
        "1. Nordpeak Swift Rain Jacket (Nordpeak) - from 89.90 EUR - black, blue\n"
        "2. Fjordwear Crest Rain Jacket (Fjordwear) - from 120.00 EUR\n"
        "3. Ardent & Co Nova Rain Jacket (Ardent & Co) - from 1.05 EUR\n"
        "4. Nordpeak Tempo Rain Jacket (Nordpeak) - from 45.00 EUR - out of stock online\n"
        "Tell me which one interests you, or refine (colour, size, price)."
    )
    buttons = [
        {"title": f"{i}. {p.title}", "payload": "/select_product"} for i, p in enumerate(JACKETS)
    ]
    assert speech_for([products_message(text, JACKETS, buttons=buttons)]) == [
        "I found 12 rain jackets.",
        "The Nordpeak Swift Rain Jacket, 89 euros 90.",
        "The Fjordwear Crest Rain Jacket, 120 euros.",
        "The Ardent and Co Nova Rain Jacket, 1 euro 5.",
        "Say the first, second or third, or ask me to narrow it down.",
    ]


def test_a_card_in_a_message_of_its_own_replaces_the_list_of_the_text_before_it() -> None:
    """Rasa's REST output: the text with its buttons, then the card alone."""
    text = (
        "I found 2 for rain jackets:\n1. Nordpeak Swift Rain Jacket\n2. Fjordwear Crest Rain Jacket"
    )
    card = products_message("", JACKETS[:2])["custom"]
    messages = [
        {"recipient_id": "shopper", "text": text, "buttons": [{"title": "1. A", "payload": "/a"}]},
        {"recipient_id": "shopper", "custom": card},
    ]
    assert speech_for(messages) == [
        "I found 2 rain jackets.",
        "The Nordpeak Swift Rain Jacket, 89 euros 90.",
        "The Fjordwear Crest Rain Jacket, 120 euros, out of stock.",
        "Say the first or second, or ask me to narrow it down.",
    ]


def test_results_for_words_heard_in_the_singular_are_matches_for_them() -> None:
    text = "I found 5 for wireless earbud (under 50.00 EUR):\n1. ...\n2. ..."
    assert speech_for([products_message(text, JACKETS[:2])])[0] == (
        "I found 5 matches for wireless earbud."
    )


def test_results_cheaper_than_a_price_say_so() -> None:
    text = "Cheaper than 89.90 EUR, lowest price first (5 found):\n1. ...\n2. ..."
    assert speech_for([products_message(text, JACKETS[:2])])[0] == (
        "Cheaper than 89 euros 90, lowest price first."
    )


def test_two_results_offer_two_choices_and_say_what_is_out_of_stock() -> None:
    text = "I found 2 for rain jackets:\n1. ...\n2. ...\nTell me which one interests you."
    assert speech_for([products_message(text, [JACKETS[0], JACKETS[3]])]) == [
        "I found 2 rain jackets.",
        "The Nordpeak Swift Rain Jacket, 89 euros 90.",
        "The Nordpeak Tempo Rain Jacket, 45 euros, out of stock.",
        "Say the first or second, or ask me to narrow it down.",
    ]


def test_results_after_a_dropped_filter_say_so() -> None:
    text = "I have no blue ones; here are the others (12):\n1. ...\n2. ..."
    assert speech_for([products_message(text, JACKETS[:2])])[0] == (
        "I have no blue ones; here are the others."
    )


def test_a_card_without_a_count_is_some_options() -> None:
    assert speech_for([products_message("", JACKETS[:3])])[:2] == [
        "Here are some options.",
        "The Nordpeak Swift Rain Jacket, 89 euros 90.",
    ]


def test_one_product_is_read_from_its_details() -> None:
    jacket = product(0, "Nordpeak Swift Rain Jacket", 8990, was_cents=9990)
    jacket = dataclasses.replace(jacket, material="nylon")
    text = product_details(jacket, "EUR")
    message = products_message(text, [jacket], buttons=[{"title": "Add to cart", "payload": "/a"}])
    spoken = speech_for([message])
    assert spoken[0] == f"Nordpeak Swift Rain Jacket by Nordpeak ({jacket.subcategory})."
    assert spoken[1] == "From 89 euros 90 (was 99 euros 90)."
    assert "Material: nylon." in spoken
    assert spoken[-1] == "You can say: Add to cart."


# cart and orders ----------------------------------------------------------------------


def test_an_added_item_says_the_cart_count_and_subtotal() -> None:
    cart, products = a_cart(2)
    message = {
        "text": "Added 2 x Nordpeak Swift Rain Jacket (size M, black) to your cart. "
        "Cart total: 179.80 EUR (2 items).",
        "buttons": CART_BUTTONS,
        "custom": cart_payload(cart, products),
    }
    assert speech_for([message]) == [
        "Added 2 Nordpeak Swift Rain Jacket (size M, black) to your cart.",
        "Your cart has 2 items, 179 euros 80 in total.",
        "You can say: View cart or Checkout.",
    ]


def test_the_cart_is_its_count_and_subtotal_not_its_lines() -> None:
    cart, products = a_cart(2, 1)
    message = {
        "text": "In your cart:\n" + cart_summary(cart),
        "buttons": [{"title": "Checkout", "payload": "/checkout"}],
        "custom": cart_payload(cart, products),
    }
    assert speech_for([message]) == [
        "Your cart has 3 items, 299 euros 80 in total.",
        "You can say: Checkout.",
    ]


def test_an_empty_cart_is_said_once() -> None:
    cart = Cart(key="shopper", lines=(), currency="EUR")
    message = {
        "text": "Your cart is empty. What are you looking for?",
        "custom": cart_payload(cart, []),
    }
    assert speech_for([message]) == ["Your cart is empty.", "What are you looking for?"]


def test_a_shipped_order_reads_its_number_digit_by_digit_without_the_tracking_code() -> None:
    shipped = order("shipped", shipped=True)
    message = {"text": tracking_text(shipped, DEFAULT_POLICY), "custom": order_payload(shipped)}
    assert speech_for([message]) == [
        "Order 1 2 1 8 6 is shipped.",
        "Carrier: Colissimo.",
        "Last update 3 November 2026: Out for delivery, Lyon.",
        "Expected delivery: 5 November 2026.",
    ]


def test_a_paid_order_keeps_the_text_with_its_figures() -> None:
    paid = order("paid")
    message = {"text": tracking_text(paid, DEFAULT_POLICY), "custom": order_payload(paid)}
    low, high = DEFAULT_POLICY.standard_delivery_days
    assert speech_for([message]) == [
        "Order 1 2 1 8 6 is paid and being prepared.",
        f"It will ship from our warehouse soon; delivery takes {low} to {high} business days.",
    ]


def test_an_order_card_alone_says_number_status_and_carrier() -> None:
    message = {"text": "", "custom": order_payload(order("delivered", shipped=True))}
    assert speech_for([message]) == ["Order 1 2 1 8 6 is delivered.", "Carrier: Colissimo."]


def test_the_order_confirmation_reads_number_total_and_email() -> None:
    text = (
        "Thank you! Your order 12186 is placed. Total 89.90 EUR by card. A confirmation is on "
        "its way to maelle.clement@example.com; delivery takes 2-4 business days once it ships."
    )
    assert speech_for([{"text": text}]) == [
        "Thank you!",
        "Your order 1 2 1 8 6 is placed.",
        "Total 89 euros 90 by card.",
        "A confirmation is on its way to maelle dot clement at example dot com; delivery takes "
        "2 to 4 business days once it ships.",
    ]


# people -------------------------------------------------------------------------------


def test_a_queued_handoff_without_text_says_the_wait() -> None:
    message = {"text": "", "custom": {"type": "handoff", "state": "queued", "wait_minutes": 3}}
    assert speech_for([message]) == ["An agent will be with you in about 3 minutes."]


def test_an_agent_message_says_who_speaks() -> None:
    message = {
        "text": "Hello! I can see your order.",
        "custom": {"type": "agent_message", "agent": {"name": "Ana"}},
    }
    assert speech_for([message]) == ["Ana says: Hello!", "I can see your order."]


# plain text ---------------------------------------------------------------------------


def test_markdown_links_urls_tables_and_emoji_are_not_read() -> None:
    text = (
        "**Returns** are free within _30 days_ of delivery 📦.\n"
        "See [our returns page](https://shop.example/returns) for the label.\n"
        "| Carrier | Days |\n|---|---|\n| Colissimo | 2-4 |\n"
        "- Print the label\n"
        "- Drop the parcel at a post office 👍🏽\n"
        "More help at https://shop.example/help"
    )
    assert speech_for([{"text": text}]) == [
        "Returns are free within 30 days of delivery.",
        "See our returns page for the label.",
        "Print the label.",
        "Drop the parcel at a post office.",
        "More help.",
    ]


def test_a_bulleted_list_is_read_as_sentences() -> None:
    text = (
        "Here's what I can do:\n"
        '- find products ("running shoes under 80 in size 42")\n'
        "- manage your cart and check out"
    )
    assert speech_for([{"text": text}]) == [
        "Here's what I can do:",
        'Find products ("running shoes under 80 in size 42").',
        "Manage your cart and check out.",
    ]


def test_abbreviations_and_asides_are_read_as_words() -> None:
    text = "Why are you returning it? (e.g. wrong size, damaged, changed my mind)"
    assert speech_for([{"text": text}]) == [
        "Why are you returning it?",
        "For example wrong size, damaged, changed my mind.",
    ]


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("It costs €49.90.", "It costs 49 euros 90."),
        ("It costs 49.90 EUR.", "It costs 49 euros 90."),
        ("Now €50.00 only.", "Now 50 euros only."),
        ("Shipping is 4.95 EUR below 60.00 EUR.", "Shipping is 4 euros 95 below 60 euros."),
        ("A gift card of 1.00 EUR.", "A gift card of 1 euro."),
        ("Sofas from 1,299.00 EUR.", "Sofas from 1299 euros."),
        ("See order #12186.", "See order 1 2 1 8 6."),
        ("About #10231 and #10234.", "About number 1 0 2 3 1 and number 1 0 2 3 4."),
        ("Size 42 in stock, 3 left.", "Size 42 in stock, 3 left."),
        ("Sizes: 36, 37, 38, 39, 40, 41", "Sizes: 36 to 41."),
        ("Sizes: 38, 40, 42, 44", "Sizes: 38, 40, 42, 44."),
    ],
)
def test_prices_and_order_numbers_read_naturally(written: str, spoken: str) -> None:
    assert speech_for([{"text": written}]) == [spoken]


def test_buttons_offer_at_most_three_things_to_say() -> None:
    buttons = [
        {"title": title, "payload": f"/{title}"}
        for title in ("Track an order", "Return an item", "Talk to a person", "Browse")
    ]
    assert speech_for([{"text": "How can I help?", "buttons": buttons}]) == [
        "How can I help?",
        "You can say: Track an order, Return an item or Talk to a person.",
    ]


def test_messages_of_one_turn_are_spoken_in_order() -> None:
    messages = [
        {"recipient_id": "s", "text": "Done, your cart is now empty."},
        {"recipient_id": "s", "image": "https://shop.example/x.png"},
        {"recipient_id": "s", "text": "Anything else?"},
    ]
    assert speech_for(messages) == ["Done, your cart is now empty.", "Anything else?"]


# sentences ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Hello. How can I help?", ["Hello.", "How can I help?"]),
        (
            "It runs small, e.g. take one size up. Thanks!",
            ["It runs small, e.g. take one size up.", "Thanks!"],
        ),
        ("Shoes No. 5 are back. Great news.", ["Shoes No. 5 are back.", "Great news."]),
        (
            "Our store on St. Catherine Street opens at 10.",
            ["Our store on St. Catherine Street opens at 10."],
        ),
        ("It costs 49.90 EUR. Want it?", ["It costs 49.90 EUR.", "Want it?"]),
        ("The answer is no. Sorry.", ["The answer is no.", "Sorry."]),
        ("Wait... OK then.", ["Wait...", "OK then."]),
        ("First line\nSecond line.", ["First line", "Second line."]),
        ("Delivery takes approx. three days.", ["Delivery takes approx. three days."]),
        ("  \n  ", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences
