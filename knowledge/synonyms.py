"""Everyday words shoppers use for catalog values (colours, sizes)."""

from __future__ import annotations

# A shopper's colour word -> catalog colours to try, in order.
COLOUR_SYNONYMS: dict[str, tuple[str, ...]] = {
    "gray": ("grey", "charcoal"),
    "grey": ("gray", "charcoal"),
    "navy": ("navy blue", "blue"),
    "navy blue": ("navy", "blue"),
    "dark blue": ("navy", "blue"),
    "light blue": ("sky blue", "blue"),
    "sky blue": ("light blue", "blue"),
    "burgundy": ("wine", "red"),
    "maroon": ("burgundy", "red"),
    "crimson": ("red",),
    "scarlet": ("red",),
    "beige": ("sand", "cream"),
    "cream": ("beige", "ivory", "white"),
    "ivory": ("cream", "white"),
    "off white": ("ivory", "cream", "white"),
    "tan": ("camel", "brown"),
    "camel": ("tan", "brown"),
    "khaki": ("olive", "green"),
    "olive": ("khaki", "green"),
    "teal": ("turquoise", "green", "blue"),
    "turquoise": ("teal", "blue"),
    "violet": ("purple",),
    "lilac": ("purple",),
    "purple": ("violet",),
    "gold": ("yellow",),
    "silver": ("grey", "gray"),
    "charcoal": ("grey", "gray", "black"),
}

# Clothing sizes written out.
SIZE_WORDS: dict[str, str] = {
    "extra small": "XS",
    "x small": "XS",
    "small": "S",
    "medium": "M",
    "large": "L",
    "extra large": "XL",
    "x large": "XL",
    "xx large": "XXL",
    "extra extra large": "XXL",
}

CLOTHING_SIZES: tuple[str, ...] = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "3XL")


def colour_candidates(colour: str) -> tuple[str, ...]:
    """``colour`` itself first, then the catalog colours it may mean."""
    key = colour.strip().lower()
    return (key, *COLOUR_SYNONYMS.get(key, ()))
