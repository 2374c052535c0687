"""Canned replies an agent can drop into the reply box (and edit before sending).

The shop's rules in them are read from ``ShopPolicy``, never restated, so the agent's
quick answers agree with the bot's and the FAQ.
"""

from __future__ import annotations

from dataclasses import dataclass

from shop.api import ShopPolicy
from shop.display import money


@dataclass(frozen=True)
class CannedReply:
    title: str
    text: str


def canned_replies(rules: ShopPolicy, currency: str) -> tuple[CannedReply, ...]:
    low, high = rules.standard_delivery_days
    return (
        CannedReply("Greeting", "Hi, thanks for waiting! How can I help you today?"),
        CannedReply("Checking", "Let me check that for you, it will take a minute."),
        CannedReply(
            "Delivery times",
            f"Standard delivery takes {low}-{high} business days, express "
            f"{rules.express_delivery_days}. Shipping is free from "
            f"{money(rules.free_shipping_from_cents, currency)}.",
        ),
        CannedReply(
            "Returns",
            f"You can return items within {rules.return_window_days} days of delivery"
            + (", and the return label is free." if rules.free_returns else ".")
            + f" Refunds arrive within {rules.refund_business_days} business days"
            " of the parcel reaching us.",
        ),
        CannedReply("Anything else", "Is there anything else I can help you with?"),
        CannedReply(
            "Goodbye",
            "Thanks for chatting with us! I'll hand you back to the shop assistant now.",
        ),
    )
