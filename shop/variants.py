"""Choosing a product variant from what a shopper said ("size 42", "in blue")."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from shop.errors import VariantNotFound

_COLOUR_ALIASES = {"gray": "grey", "navy blue": "navy", "dark blue": "navy"}
_LETTER_SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL")
# option names that mean size or colour in the exports merchants send (any other option,
# "Wood", "Metal", "Fabric", is kept under its own name)
SIZE_OPTION_NAMES = ("size", "taille", "shoe size", "eu size", "größe", "talla", "ring size")
COLOUR_OPTION_NAMES = ("color", "colour", "couleur", "farbe", "colore")


class HasOptions(Protocol):
    @property
    def sku(self) -> str: ...
    @property
    def size(self) -> str | None: ...
    @property
    def colour(self) -> str | None: ...


def option_kind(name: str | None) -> str | None:
    """'Size' -> 'size', 'Color'/'Colour' -> 'colour', anything else ('Wood') -> None."""
    if not name:
        return None
    key = " ".join(name.split()).casefold()
    if key in SIZE_OPTION_NAMES:
        return "size"
    if key in COLOUR_OPTION_NAMES:
        return "colour"
    return None


def normalise_size(size: str) -> str:
    """'EU 42', 'size 42', ' 42 ' -> '42'; 'xl' -> 'XL'."""
    text = re.sub(r"^(eu|size|taille)\s*", "", size.strip(), flags=re.IGNORECASE).strip()
    text = re.sub(r"[.,]0$", "", text)
    return text.upper()


def normalise_colour(colour: str) -> str:
    text = " ".join(colour.strip().lower().split())
    return _COLOUR_ALIASES.get(text, text)


def size_sort_key(size: str) -> tuple[int, float, str]:
    """Numeric sizes in numeric order, then letter sizes S < M < L, then the rest."""
    try:
        return (0, float(size.replace(",", ".")), size)
    except ValueError:
        pass
    upper = size.upper()
    if upper in _LETTER_SIZES:
        return (1, float(_LETTER_SIZES.index(upper)), size)
    return (2, 0.0, size)


def sorted_sizes(sizes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(sizes), key=size_sort_key))


V = TypeVar("V", bound=HasOptions)


def choose_variant(
    product_id: str, variants: Sequence[V], *, size: str | None, colour: str | None
) -> V:
    """The one variant matching ``size``/``colour``.

    A product with a single variant needs no choice. An option the product does not have
    (a size for headphones) is ignored. Raises ``VariantNotFound`` when nothing matches
    (listing what exists) or when several variants match (``ambiguous=True``, listing
    the choices left).
    """
    if not variants:
        raise VariantNotFound(product_id, size=size, colour=colour)
    if len(variants) == 1 and size is None and colour is None:
        return variants[0]
    candidates = list(variants)
    if size and any(v.size for v in variants):
        wanted_size = normalise_size(size)
        candidates = [v for v in candidates if v.size and normalise_size(v.size) == wanted_size]
    if colour and any(v.colour for v in variants):
        wanted_colour = normalise_colour(colour)
        candidates = [
            v for v in candidates if v.colour and normalise_colour(v.colour) == wanted_colour
        ]
    if len(candidates) == 1:
        return candidates[0]
    pool = candidates or list(variants)
    raise VariantNotFound(
        product_id,
        size=size,
        colour=colour,
        ambiguous=bool(candidates),
        available_sizes=sorted_sizes(v.size for v in pool if v.size),
        available_colours=tuple(sorted({v.colour for v in pool if v.colour})),
    )
