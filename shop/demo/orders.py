"""Deterministic demo order history: every order status, shipments, returns and refunds.

Times are relative to the anchor (the seeding day at midnight UTC): "delivered 12 days
ago" stays true relative to that anchor, whatever day the database is seeded.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

from shop import policy
from shop.api import Product

Row = dict[str, Any]
Stock = dict[tuple[str, str], list[int]]  # (sku, location) -> [on_hand, reserved]

# status plan -> (order status, share); "delivered" appears twice: recent and older.
PLANS: tuple[tuple[str, str, float], ...] = (
    ("pending", "pending", 7),
    ("paid", "paid", 9),
    ("shipped", "shipped", 12),
    ("delivered_recent", "delivered", 17),
    ("delivered_old", "delivered", 18),
    ("cancelled", "cancelled", 10),
    ("returned", "returned", 11),
    ("refunded", "refunded", 16),
)
MIN_PER_PLAN = 3
HUBS = {
    "Colissimo": "Colissimo hub, Wissous",
    "DHL": "DHL hub, Roissy-en-France",
    "UPS": "UPS hub, Paris Nord",
    "Chronopost": "Chronopost hub, Chilly-Mazarin",
}
WAREHOUSES = (("WH-PARIS", "Paris"), ("WH-LILLE", "Lille"))


@dataclass
class OrderHistory:
    orders: list[Row] = field(default_factory=list)
    lines: list[Row] = field(default_factory=list)
    reservations: list[Row] = field(default_factory=list)
    shipments: list[Row] = field(default_factory=list)
    events: dict[int, list[Row]] = field(default_factory=dict)  # order number -> events
    returns: list[Row] = field(default_factory=list)
    refunds: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class _Item:
    sku: str
    product_id: str
    title: str
    size: str | None
    colour: str | None
    price_cents: int


@dataclass
class _Draft:
    plan: str
    status: str
    created_at: datetime
    updated_at: datetime
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    return_at: datetime | None = None
    received_at: datetime | None = None
    refunded_at: datetime | None = None


def _plan_counts(total: int) -> list[str]:
    weights = sum(p[2] for p in PLANS)
    counts = [max(MIN_PER_PLAN, round(total * p[2] / weights)) for p in PLANS]
    while sum(counts) > total and max(counts) > MIN_PER_PLAN:
        counts[counts.index(max(counts))] -= 1
    while sum(counts) < total:
        counts[counts.index(min(counts))] += 1
    plans: list[str] = []
    for (plan, _, _), count in zip(PLANS, counts, strict=True):
        plans.extend([plan] * count)
    return plans


class _Timeline:
    def __init__(self, rng: random.Random, anchor: datetime) -> None:
        self.rng = rng
        self.anchor = anchor

    def ago(self, low_days: float, high_days: float) -> datetime:
        seconds = int(self.rng.uniform(low_days * 86400, high_days * 86400))
        return self.anchor - timedelta(seconds=seconds)

    def later(self, start: datetime, low_days: float, high_days: float) -> datetime:
        seconds = int(self.rng.uniform(low_days * 86400, high_days * 86400))
        return start + timedelta(seconds=seconds)

    def draft(self, plan: str) -> _Draft:
        status = next(p[1] for p in PLANS if p[0] == plan)
        if plan in ("pending", "paid"):
            created = self.ago(0.05, 3)
            return _Draft(plan, status, created, created)
        if plan == "shipped":
            shipped = self.ago(0.2, 3)
            created = shipped - timedelta(seconds=int(self.rng.uniform(0.2, 1.5) * 86400))
            return _Draft(plan, status, created, shipped, shipped_at=shipped)
        if plan == "cancelled":
            created = self.ago(1, 250)
            return _Draft(plan, status, created, self.later(created, 0.02, 1))
        delivered_ago = {
            "delivered_recent": (1, 25),
            "delivered_old": (35, 400),
            "returned": (8, 27),
            "refunded": (20, 300),
        }[plan]
        delivered = self.ago(*delivered_ago)
        shipped = delivered - timedelta(seconds=int(self.rng.uniform(1.2, 4) * 86400))
        created = shipped - timedelta(seconds=int(self.rng.uniform(0.2, 1.5) * 86400))
        draft = _Draft(plan, status, created, delivered, shipped_at=shipped, delivered_at=delivered)
        if plan in ("returned", "refunded"):
            draft.return_at = self.later(delivered, 0.5, 4)
            draft.received_at = min(
                self.later(draft.return_at, 2, 4), self.anchor - timedelta(hours=2)
            )
            draft.updated_at = draft.received_at
        if plan == "refunded":
            assert draft.received_at is not None
            draft.refunded_at = min(
                self.later(draft.received_at, 1, 4), self.anchor - timedelta(hours=1)
            )
            draft.updated_at = draft.refunded_at
        return draft


def _tracking_number(rng: random.Random, carrier: str) -> str:
    digits = string.digits
    if carrier == "Colissimo":
        return "6A" + "".join(rng.choice(digits) for _ in range(11))
    if carrier == "DHL":
        return "".join(rng.choice(digits) for _ in range(10))
    if carrier == "UPS":
        return "1Z" + "".join(rng.choice(string.ascii_uppercase + digits) for _ in range(16))
    return "XY" + "".join(rng.choice(digits) for _ in range(9)) + "FR"


def _events(
    carrier: str,
    warehouse_city: str,
    city: str,
    shipped: datetime,
    delivered: datetime | None,
    until: datetime,
    rng: random.Random,
) -> list[Row]:
    steps = [
        (shipped, f"{warehouse_city} warehouse", f"Parcel handed over to {carrier}"),
        (shipped + timedelta(hours=rng.randint(5, 12)), HUBS[carrier], "In transit"),
        (shipped + timedelta(hours=rng.randint(20, 34)), city, "Arrived at the delivery depot"),
    ]
    if delivered is not None:
        out = delivered - timedelta(hours=rng.randint(2, 5))
        steps.append((max(out, steps[-1][0] + timedelta(minutes=30)), city, "Out for delivery"))
        steps.append(
            (
                max(delivered, steps[-1][0] + timedelta(minutes=30)),
                city,
                rng.choice(
                    ("Delivered", "Delivered to a parcel locker", "Delivered to the neighbour")
                ),
            )
        )
    return [
        {"at": at, "location": where, "description": what}
        for at, where, what in steps
        if at <= until
    ]


def _rma(rng: random.Random, used: set[str]) -> str:
    alphabet = string.ascii_uppercase + string.digits
    while True:
        code = "RMA-" + "".join(rng.choice(alphabet) for _ in range(6))
        if code not in used:
            used.add(code)
            return code


def _items(products: list[Product]) -> list[_Item]:
    return [
        _Item(v.sku, p.id, p.title, v.size, v.colour, v.price_cents)
        for p in products
        for v in p.variants
    ]


def _reserve(
    rng: random.Random, items: list[_Item], stock: Stock, quantity: int, taken: set[str]
) -> tuple[_Item, str] | None:
    candidates = chain((rng.choice(items) for _ in range(40)), items)  # random, then any
    for item in candidates:
        if item.sku in taken:
            continue
        for code, _city in WAREHOUSES:
            on_hand, reserved = stock.get((item.sku, code), [0, 0])
            if on_hand - reserved >= quantity:
                stock[(item.sku, code)][1] += quantity
                return item, code
    return None


def generate_orders(
    rng: random.Random,
    anchor: datetime,
    count: int,
    customers: list[Row],
    products: list[Product],
    stock: Stock,
    currency: str,
) -> OrderHistory:
    timeline = _Timeline(rng, anchor)
    items = _items(products)
    plans = _plan_counts(count)
    drafts = [timeline.draft(plan) for plan in plans]
    drafts.sort(key=lambda d: d.created_at)
    history = OrderHistory()
    used_rmas: set[str] = set()
    for number, draft in enumerate(drafts, start=policy.FIRST_ORDER_NUMBER):
        customer = rng.choice(customers)
        if draft.status == "pending":
            payment = rng.choice(("bank_transfer", "cash_on_delivery"))
        elif draft.status == "paid":
            payment = rng.choice(("card", "card", "paypal"))
        else:
            payment = rng.choices(
                ("card", "paypal", "bank_transfer", "cash_on_delivery"), (55, 25, 10, 10)
            )[0]
        lines: list[tuple[_Item, int]] = []
        for _ in range(rng.choices((1, 2, 3), (60, 30, 10))[0]):
            quantity = rng.choices((1, 2, 3), (82, 15, 3))[0]
            taken = {existing.sku for existing, _ in lines}
            if draft.status in policy.CANCELLABLE_STATUSES:
                reserved = _reserve(rng, items, stock, quantity, taken)
                if reserved is None:
                    continue
                item, code = reserved
                history.reservations.append(
                    {
                        "order_number": number,
                        "sku": item.sku,
                        "location_code": code,
                        "quantity": quantity,
                    }
                )
            else:
                item = rng.choice(items)
                if item.sku in taken:
                    continue
            lines.append((item, quantity))
        if not lines:
            if draft.status in policy.CANCELLABLE_STATUSES:
                raise RuntimeError("The demo warehouses ran out of stock to reserve.")
            lines.append((rng.choice(items), 1))
        subtotal = sum(item.price_cents * qty for item, qty in lines)
        shipping = policy.shipping_cents(subtotal)
        history.orders.append(
            {
                "number": number,
                "customer_id": customer["id"],
                "email": customer["email"],
                "status": draft.status,
                "created_at": draft.created_at,
                "updated_at": draft.updated_at,
                "shipping_name": customer["name"],
                "shipping_address": customer["address"],
                "payment_method": payment,
                "subtotal_cents": subtotal,
                "shipping_cents": shipping,
                "total_cents": subtotal + shipping,
                "currency": currency,
                "delivered_at": draft.delivered_at,
            }
        )
        history.lines.extend(
            {
                "order_number": number,
                "sku": item.sku,
                "product_id": item.product_id,
                "title": item.title,
                "size": item.size,
                "colour": item.colour,
                "quantity": qty,
                "unit_price_cents": item.price_cents,
            }
            for item, qty in lines
        )
        if draft.shipped_at is not None:
            carrier = rng.choice(policy.CARRIERS)
            _code, warehouse_city = rng.choice(WAREHOUSES)
            eta_base = draft.delivered_at or draft.shipped_at + timedelta(days=rng.randint(2, 4))
            history.shipments.append(
                {
                    "order_number": number,
                    "carrier": carrier,
                    "tracking_number": _tracking_number(rng, carrier),
                    "shipped_at": draft.shipped_at,
                    "eta": eta_base.date(),
                }
            )
            history.events[number] = _events(
                carrier,
                warehouse_city,
                customer["city"],
                draft.shipped_at,
                draft.delivered_at,
                anchor,
                rng,
            )
        if draft.status == "cancelled" and payment in policy.PAID_ON_ORDER:
            refunded = draft.updated_at + timedelta(days=rng.randint(1, 4))
            done = refunded <= anchor
            history.refunds.append(
                {
                    "order_number": number,
                    "rma": None,
                    "amount_cents": subtotal + shipping,
                    "currency": currency,
                    "status": "processed" if done else "pending",
                    "created_at": draft.updated_at,
                    "processed_at": refunded if done else None,
                }
            )
        if draft.return_at is not None:
            rma = _rma(rng, used_rmas)
            days_left = (
                policy.RETURN_WINDOW_DAYS - (draft.return_at - draft.delivered_at).days
                if draft.delivered_at
                else policy.RETURN_WINDOW_DAYS
            )
            history.returns.append(
                {
                    "rma": rma,
                    "order_number": number,
                    "sku": None,
                    "reason": rng.choice(
                        (
                            "Too small",
                            "Too big",
                            "Not as pictured",
                            "Changed my mind",
                            "Arrived damaged",
                            "Colour differs from the photo",
                        )
                    ),
                    "status": "closed" if draft.status == "refunded" else "received",
                    "created_at": draft.return_at,
                    "received_at": draft.received_at,
                    "instructions": policy.return_instructions(rma, days_left=max(days_left, 1)),
                }
            )
            history.refunds.append(
                {
                    "order_number": number,
                    "rma": rma,
                    "amount_cents": subtotal,
                    "currency": currency,
                    "status": "processed" if draft.refunded_at else "pending",
                    "created_at": draft.received_at,
                    "processed_at": draft.refunded_at,
                }
            )
    return history
