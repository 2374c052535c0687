"""Shop rules live in the shop: the bot words the shop's figures, the FAQ states the same ones.

A shop built with other figures (``SqlShopService(..., rules=...)``) must change what the
bot says, so no action can hide a figure of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import services
from actions.dialogue.checkout import ActionAskCheckoutConfirmed
from actions.dialogue.orders import ActionHandleOrderRequest, ValidateOrderRequestForm
from settings import PROJECT_ROOT
from shop.api import ShopPolicy
from shop.policy import DEFAULT_POLICY, return_eligibility
from shop.sql_service import SqlShopService
from tests.actions.orders_db import an_order
from tests.actions.trackers import (
    ORDER_FORM,
    ORDER_FORM_DOMAIN,
    new_sender,
    slots_set,
    texts,
    tracker,
)

FAQ_FILE = PROJECT_ROOT / "knowledge" / "data" / "faq.yml"
FORM = ORDER_FORM
DOMAIN = ORDER_FORM_DOMAIN
OTHER_RULES = replace(
    DEFAULT_POLICY,
    standard_delivery_days=(1, 2),
    return_window_days=14,
    free_returns=False,
    refund_business_days=3,
    free_shipping_from_cents=1_000_000,
    standard_shipping_cents=700,
)


@pytest.fixture
def shop_with(world: services.Services) -> Iterator[Any]:
    """Register a shop on the same database with other rules; the default one comes back."""

    def register(rules: ShopPolicy) -> SqlShopService:
        assert isinstance(world.shop, SqlShopService)
        shop = SqlShopService(world.shop._engine, currency=world.shop.currency, rules=rules)
        services.register(replace(world, shop=shop))
        return shop

    yield register
    services.register(world)


def _eur(cents: int) -> str:
    """As the FAQ writes money: "50 EUR", "4.90 EUR"."""
    return f"{cents // 100} EUR" if cents % 100 == 0 else f"{cents / 100:.2f} EUR"


def _answers() -> dict[str, tuple[str, str]]:
    entries = yaml.safe_load(FAQ_FILE.read_text(encoding="utf-8"))["entries"]
    return {e["id"]: (e["topic"], " ".join(e["answer"].split())) for e in entries}


def test_the_faq_states_the_shops_figures() -> None:
    rules = DEFAULT_POLICY
    low, high = rules.standard_delivery_days
    restock_low, restock_high = rules.restock_delivery_days
    window = f"within {rules.return_window_days} days"
    cancellable = " or ".join(rules.cancellable_statuses)
    carriers = ", ".join(rules.carriers[:-1]) + f" and {rules.carriers[-1]}"
    express = "next business day" if rules.express_delivery_days == 1 else "business days"
    expected = {
        "shipping-cost": [
            f"free for orders of {_eur(rules.free_shipping_from_cents)} or more",
            f"it costs {_eur(rules.standard_shipping_cents)}",
            f"costs {_eur(rules.express_shipping_cents)}",
            express,
        ],
        "free-shipping": [
            f"free from {_eur(rules.free_shipping_from_cents)}",
            f"standard shipping is {_eur(rules.standard_shipping_cents)}",
        ],
        "delivery-time": [
            f"{low} to {high} business days",
            f"{restock_low} to {restock_high} business days",
            express,
        ],
        "express-delivery": [
            f"arrives in {rules.express_delivery_days} business day",
            f"costs {_eur(rules.express_shipping_cents)}",
        ],
        "out-of-stock": [f"{restock_low} to {restock_high} business days"],
        "carriers": [carriers],
        "return-policy": [f"{window} of delivery"],
        "return-in-store": [f"{window} of delivery"],
        "return-exceptions": [f"{window} of delivery"],
        "return-late": [f"{window} of delivery"],
        "parcel-damaged": [f"{window} of delivery"],
        "refund-shipping": [window],
        "change-order": [window],
        "cancel-order": [f"while it is {cancellable}", window],
        "refund-time": [f"within {rules.refund_business_days} business days"],
    }
    assert rules.free_returns  # the shop's default: the FAQ must say returns are free
    expected["return-policy"].append("return label is free")
    expected["return-cost"] = ["returns are free"]
    answers = _answers()
    missing = {
        entry: [phrase for phrase in phrases if phrase not in answers[entry][1]]
        for entry, phrases in expected.items()
    }
    assert {entry: gaps for entry, gaps in missing.items() if gaps} == {}


def test_no_faq_answer_states_another_return_window_or_delivery_time() -> None:
    # Catches a new or edited entry with a figure of its own, whatever its id.
    rules = DEFAULT_POLICY
    spans = {rules.standard_delivery_days, rules.restock_delivery_days}
    found = []
    for entry, (topic, answer) in _answers().items():
        for days in re.findall(r"(\d+) days of delivery", answer):
            found.append((entry, int(days) == rules.return_window_days))
        if topic in ("shipping", "delivery", "orders"):
            for low, high in re.findall(r"(\d+) to (\d+) business days", answer):
                found.append((entry, (int(low), int(high)) in spans))
    assert len(found) >= 8
    assert [entry for entry, agrees in found if not agrees] == []


async def test_a_shipped_order_states_the_shops_return_window(shop_with: Any) -> None:
    shop_with(OTHER_RULES)
    order = an_order(services.current().shop, "shipped")
    said = await _answer(
        {
            "order_purpose": "cancel",
            "order_number": str(order.number),
            "order_email": order.email,
            "order_status": "shipped",
        }
    )
    assert "You can return it within 14 days of delivery." in said


async def test_tracking_an_unshipped_order_states_the_shops_delivery_time(shop_with: Any) -> None:
    shop_with(OTHER_RULES)
    order = an_order(services.current().shop, "paid")
    said = await _answer(
        {
            "order_purpose": "track",
            "order_number": str(order.number),
            "order_email": order.email,
            "order_status": "paid",
        }
    )
    assert "delivery takes 1-2 business days" in said


async def test_the_checkout_summary_charges_the_shops_shipping(shop_with: Any) -> None:
    shop = shop_with(OTHER_RULES)
    sender = new_sender()
    product = next(shop.iter_products())
    variant = product.variants[0]
    shop.add_to_cart(sender, product.id, size=variant.size, colour=variant.colour)
    dispatcher = CollectingDispatcher()
    await ActionAskCheckoutConfirmed().run(
        dispatcher, tracker("yes", sender=sender, slots={"payment_method": "card"}), {}
    )
    shop.clear_cart(sender)
    assert "Shipping: 7.00 EUR" in texts(dispatcher)


async def test_whether_an_old_delivery_may_be_returned_is_the_shops_decision(
    shop_with: Any,
) -> None:
    order = an_order(services.current().shop, "delivered", delivered_before_days=60)
    verified = {
        "order_purpose": "return",
        "order_number": str(order.number),
        "order_email": order.email,
        "order_status": "delivered",
    }
    shop_with(replace(DEFAULT_POLICY, return_window_days=3650))
    dispatcher = CollectingDispatcher()
    events = await ValidateOrderRequestForm().run(
        dispatcher, tracker("answer", slots=verified, active_loop=FORM), DOMAIN
    )
    assert slots_set(events)["requested_slot"] == "return_sku"


def test_the_return_window_counts_whole_days_from_delivery() -> None:
    delivered = datetime(2026, 3, 1, 12, tzinfo=UTC)
    rules = DEFAULT_POLICY
    last_day = return_eligibility(
        "delivered", delivered, delivered + timedelta(days=rules.return_window_days), rules
    )
    day_after = return_eligibility(
        "delivered", delivered, delivered + timedelta(days=rules.return_window_days + 1), rules
    )
    assert (last_day.verdict, last_day.days_left) == ("allowed", 1)
    assert day_after.verdict == "window_closed"


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        ("pending", "cancel_instead"),
        ("paid", "cancel_instead"),
        ("shipped", "not_delivered_yet"),
        ("cancelled", "closed"),
        ("returned", "closed"),
        ("refunded", "closed"),
    ],
)
def test_only_a_delivered_order_can_be_returned(status: Any, verdict: str) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert return_eligibility(status, None, now, DEFAULT_POLICY).verdict == verdict


async def _answer(slots: dict[str, Any]) -> str:
    dispatcher = CollectingDispatcher()
    await ActionHandleOrderRequest().run(dispatcher, tracker("", slots=slots), DOMAIN)
    return texts(dispatcher)
