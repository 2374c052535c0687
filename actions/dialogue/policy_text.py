"""How the shop's rules read in chat: every figure comes from ``ShopService.policy``.

The dialogue never writes "30 days" or "2-4 business days" itself: a merchant who changes
a figure in the shop changes what the bot says, and the FAQ is tested against the same
figures (tests/actions/test_shop_policy.py).
"""

from __future__ import annotations

from shop.api import ShopPolicy


def days(span: tuple[int, int]) -> str:
    """(2, 4) -> "2-4"; (1, 1) -> "1"."""
    low, high = span
    return str(low) if low == high else f"{low}-{high}"


def delivery_time(rules: ShopPolicy) -> str:
    return f"{days(rules.standard_delivery_days)} business days"


def return_window(rules: ShopPolicy) -> str:
    """ "30 days of delivery with a free return label" (the label only if returns are free)."""
    label = " with a free return label" if rules.free_returns else ""
    return f"{rules.return_window_days} days of delivery{label}"


def refund_time(rules: ShopPolicy) -> str:
    return f"within {rules.refund_business_days} business days"
