"""How money and dates read to a shopper or an agent, the same on every screen (chat
messages, cards, the storefront, the agent desk)."""

from __future__ import annotations

from datetime import date, datetime


def money(cents: int, currency: str) -> str:
    """``4990, "EUR"`` -> ``"49.90 EUR"``."""
    return f"{cents / 100:.2f} {currency}"


def day(value: date | datetime) -> str:
    """``2026-11-03`` -> ``"3 Nov 2026"``."""
    return value.strftime("%d %b %Y").lstrip("0")
