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
    @property
    def options(self) -> Sequence[Sequence[str]]: ...  # (name, value) pairs


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


def option_value(variant: HasOptions, name: str) -> str | None:
    """The variant's value of the option called ``name`` (case-insensitive), if it has one."""
    wanted = name.casefold()
    for key, value in variant.options:
        if key.casefold() == wanted:
            return value
    return None


def _other_options(pool: Sequence[HasOptions]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Options other than size and colour on which the variants in ``pool`` still differ."""
    values: dict[str, dict[str, None]] = {}
    for variant in pool:
        for name, value in variant.options:
            if option_kind(name) is None:
                values.setdefault(name, {}).setdefault(value, None)
    return tuple((name, tuple(vals)) for name, vals in values.items() if len(vals) > 1)


def choose_variant(
    product_id: str,
    variants: Sequence[V],
    *,
    size: str | None,
    colour: str | None,
    options: Sequence[tuple[str, str]] = (),
) -> V:
    """The one variant matching ``size``/``colour`` and the merchant's other ``options``.

    ``options`` are (name, value) pairs such as ("Wood", "Oak"), compared case-insensitively.
    A product with a single variant needs no choice. An option the product does not have
    (a size for headphones, a wood for a bracelet) is ignored. Raises ``VariantNotFound``
    when nothing matches (listing what exists) or when several variants match
    (``ambiguous=True``, listing the choices left).
    """
    if not variants:
        raise VariantNotFound(product_id, size=size, colour=colour)
    if len(variants) == 1 and size is None and colour is None and not options:
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
    for name, value in options:
        if any(option_value(v, name) is not None for v in variants):
            wanted = value.casefold()
            candidates = [
                v for v in candidates if (option_value(v, name) or "").casefold() == wanted
            ]
    if len(candidates) == 1:
        return candidates[0]
    pool = candidates or list(variants)
    raise VariantNotFound(
        product_id,
        size=size,
        colour=colour,
        options=tuple(options),
        ambiguous=bool(candidates),
        available_sizes=sorted_sizes(v.size for v in pool if v.size),
        available_colours=tuple(sorted({v.colour for v in pool if v.colour})),
        available_options=_other_options(pool),
    )
