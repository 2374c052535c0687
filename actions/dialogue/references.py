"""What a shopper's words point at among the products just shown: plain Python, no Rasa.

After a list of results a shopper says "the second", "the cheapest one", "the green one",
"the Nordpeak one", "the Trail one" or "it"; after one product was shown, "it" or "that
one" means that product, and "same in blue" or "do you have it in green" asks about it.
The adapters (``actions/dialogue/focus.py`` and the search, cart and product actions) read
the tracker and call these functions with the message, the NLU's entity values and the
shop's product records.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from shop.api import Product

_WORD = re.compile(r"[a-z0-9]+")
_ORDINAL_WORDS = re.compile(
    r"\b(first|second|third|fourth|fifth|sixth|last|1st|2nd|3rd|4th|5th|6th)\b", re.IGNORECASE
)
# "the cheapest one", "the least expensive", "lowest price one": one product, the cheapest
_CHEAPEST = re.compile(
    r"\b(cheapest|least\s+expensive|lowest[\s-]price[sd]?|most\s+affordable|cheapo)\b",
    re.IGNORECASE,
)
_DEAREST = re.compile(
    r"\b(most\s+expensive|priciest|dearest|highest[\s-]price[sd]?)\b", re.IGNORECASE
)
# several products meant: "cheapest ones", "any in blue?", "show me those in red"
_PLURAL = re.compile(
    r"\b(ones|any|anything|others|other\s+ones|them|those|these|options|all)\b", re.IGNORECASE
)
# one product already talked about: "it", "that one", "this", "same"
_PRONOUN = re.compile(r"\b(it|its|that\s+one|this\s+one|that|this|same)\b", re.IGNORECASE)
_COMES_IN = re.compile(r"\bcomes?\s+in\b|\bavailable\s+in\b", re.IGNORECASE)
# words of a reference that never name a product
_REFERENCE_WORDS = frozenset(
    {
        *("the", "one", "ones", "that", "this", "and", "what", "how", "please"),
        *("take", "want", "like", "show", "tell", "more", "about", "looks", "look", "nice"),
        *("add", "cart", "basket", "size", "colour", "color", "buy", "get", "have"),
    }
)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if len(w) > 2}


def ordinal_in(text: str) -> str | None:
    """An ordinal word written in the message ("the second"), for when the NLU found none."""
    match = _ORDINAL_WORDS.search(text)
    return match.group(1) if match else None


def wants_cheapest_one(text: str) -> bool:
    """ "the cheapest one", "the least expensive": one product, not a cheaper search."""
    return bool(_CHEAPEST.search(text)) and not _PLURAL.search(text)


def wants_dearest_one(text: str) -> bool:
    return bool(_DEAREST.search(text)) and not _PLURAL.search(text)


_THE_X_ONE = re.compile(r"\bthe\s+(?:[\w-]+\s+){1,3}one\b", re.IGNORECASE)


def picks_one(text: str) -> bool:
    """ "the brown one", "the Nordpeak one": one of the results shown is meant, even when the
    NLU reads the colour or brand as a refinement."""
    return bool(_THE_X_ONE.search(text)) and not means_several(text)


def means_several(text: str) -> bool:
    """The words point at several products ("any in blue?", "those in red")."""
    return bool(_PLURAL.search(text))


def points_at_focus(text: str) -> bool:
    """ "it", "that one", "same in blue": the product already talked about."""
    return bool(_PRONOUN.search(text)) and not means_several(text)


def names_catalog_words(text: str, names: Sequence[str]) -> bool:
    """Whether ``text`` has a word of one of the catalog's category ``names`` (plural or
    singular): "headphones" names "wireless headphones", "less expensive" names nothing."""
    known = {w for name in names for w in _WORD.findall(name.casefold()) if len(w) > 2}
    known |= {w[:-1] for w in known if w.endswith("s")}
    return any(w in known or w.rstrip("s") in known for w in _words(text))


def category_named(text: str, names: Sequence[str]) -> str | None:
    """The one category name that a word of ``text`` (5+ letters, plural or singular)
    belongs to: "headphones" -> "Wireless headphones". None when the message's words are in
    several names ("jackets": rain and softshell jackets) or in none."""
    wanted = {w for w in _words(text) if len(w) >= 5}
    wanted |= {w[:-1] for w in wanted if w.endswith("s")}
    found = set()
    for name in names:
        words = {w for w in _WORD.findall(name.casefold()) if len(w) >= 5}
        words |= {w[:-1] for w in words if w.endswith("s")}
        if wanted & words:
            found.add(name)
    return found.pop() if len(found) == 1 else None


def best_title_match(text: str, products: Sequence[Product]) -> Product | None:
    """The product whose title and brand share the most words with ``text`` (at least one
    word that is not part of the reference itself); None when two tie."""
    wanted = _words(text) - _REFERENCE_WORDS
    scored = [(len(wanted & _words(f"{p.title} {p.brand}")), p) for p in products]
    scored = [(score, p) for score, p in scored if score > 0]
    if not scored:
        return None
    scored.sort(key=lambda item: -item[0])
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    return scored[0][1]


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def _name_words(product: Product) -> set[str]:
    """The words of the title that tell the product apart from others of its kind: not the
    brand, not the words of its category or type, numbers kept ("Blue Harbor Strata 4 Rain
    Jacket" in "Rain jackets" -> strata, 4)."""
    generic = _words(" ".join((product.brand, product.product_type, *product.category_path)))
    generic = {_stem(w) for w in generic}
    title = (w for w in _WORD.findall(product.title.casefold()) if len(w) > 2 or w.isdigit())
    return {w for w in map(_stem, title) if w not in generic}


def named_in(text: str, products: Sequence[Product]) -> Product | None:
    """The product of ``products`` the message names by its own name: every word that sets
    its title apart ("is the Strata Plus rain jacket in stock", "trailmark aura boots"), and
    its brand when the message names one of theirs; of several, the one with the most such
    words ("aura 2" is the Aura 2, not the Aura). None when none is, or two tie."""
    said = {_stem(w) for w in _WORD.findall(text.casefold())}
    brands = {p.brand.casefold() for p in products if p.brand}
    wanted_brands = {b for b in brands if _words(b) and _words(b) <= _words(text)}
    named = [
        (len(words), p)
        for p in products
        if (words := _name_words(p))
        and words <= said
        and (not wanted_brands or p.brand.casefold() in wanted_brands)
    ]
    if not named:
        return None
    named.sort(key=lambda item: -item[0])
    if len(named) > 1 and named[0][0] == named[1][0]:
        return None
    return named[0][1]


def _only(products: Sequence[Product]) -> Product | None:
    return products[0] if len(products) == 1 else None


def with_colour(colour: str, products: Sequence[Product]) -> list[Product]:
    wanted = colour.casefold()
    return [p for p in products if wanted in (c.casefold() for c in p.colours)]


def colour_in(text: str, colours: Sequence[str]) -> str | None:
    """One of ``colours`` written in the message, in its catalog spelling ("in Green")."""
    words = f" {' '.join(_WORD.findall(text.casefold()))} "
    found = [c for c in colours if f" {' '.join(_WORD.findall(c.casefold()))} " in words]
    return max(found, key=len) if found else None


def colour_named(text: str, products: Sequence[Product]) -> str | None:
    """A colour of one of ``products`` written in the message ("the green one")."""
    return colour_in(text, sorted({c for p in products for c in p.colours}))


def brand_named(text: str, products: Sequence[Product]) -> str | None:
    """A brand of one of ``products`` written in the message ("the Nordpeak one")."""
    words = f" {' '.join(_WORD.findall(text.casefold()))} "
    found = [
        p.brand
        for p in products
        if p.brand and f" {' '.join(_WORD.findall(p.brand.casefold()))} " in words
    ]
    return found[0] if found else None


@dataclass(frozen=True)
class Said:
    """What the message says that can pick a product: its text and the NLU's values."""

    text: str
    ordinal: str | None = None
    colour: str | None = None
    brand: str | None = None
    product_words: str | None = None


def pick(said: Said, shown: Sequence[Product], *, ordinal_index: int | None) -> Product | None:
    """The one shown product the message picks, in this order: an ordinal ("the second"),
    the cheapest or dearest one, a colour only one of them has ("the green one"), a brand
    only one of them has ("the Nordpeak one"), then words of one title ("the Trail one").
    A colour asked for ("do you have it in green") picks nothing: it refines or asks.

    ``ordinal_index`` is the ordinal already read as an index into ``shown`` (the tracker
    reader knows the ordinal words). None when nothing picks exactly one product.
    """
    if not shown:
        return None
    if ordinal_index is not None and 0 <= ordinal_index < len(shown):
        return shown[ordinal_index]
    if wants_cheapest_one(said.text):
        return min(shown, key=lambda p: (p.price_from_cents, shown.index(p)))
    if wants_dearest_one(said.text):
        return max(shown, key=lambda p: (p.price_from_cents, -shown.index(p)))
    colour = said.colour or colour_named(said.text, shown)
    if colour and not asks_for_value(said.text, colour):  # "in green" asks, never picks
        chosen = _only(with_colour(colour, shown))
        if chosen is not None:
            return chosen
    brand = said.brand or brand_named(said.text, shown)
    if brand:
        chosen = _only([p for p in shown if p.brand.casefold() == brand.casefold()])
        if chosen is not None:
            return chosen
    return best_title_match(said.product_words or said.text, shown)


def size_in(text: str, offered: Sequence[str]) -> str | None:
    """One of the product's sizes written in the message: "in size M", "in M", "a 42".

    Only the product's own sizes count, and a one-letter size needs "size" or "in" before
    it, so the "a" or "s" of a sentence is never read as a size.
    """
    folded = text.casefold()
    for size in sorted(offered, key=len, reverse=True):
        code = re.escape(size.casefold())
        lead = r"\b(?:size|sz|in)\s+" if len(size) == 1 else r"(?:\b(?:size|sz|in)\s+)?"
        if re.search(rf"{lead}(?:size\s+)?{code}(?![\w.])", folded) or re.search(
            rf"\bsize\s+{code}(?![\w.])", folded
        ):
            return size
    return None


def asks_for_value(text: str, value: str) -> bool:
    """ "does it come in green", "got it in size M": the value is asked of the product,
    not used to pick it ("is the green one in stock?")."""
    code = re.escape(value.casefold())
    return bool(
        re.search(rf"\b(?:in|size)\s+(?:size\s+)?{code}(?![\w.])", text.casefold())
        or (_COMES_IN.search(text) and re.search(rf"\b{code}(?![\w.])", text.casefold()))
    )


def colour_answer(product: Product, colour: str) -> str:
    """Whether ``product`` comes in ``colour``, in the shopper's words."""
    has = [c for c in product.colours if c.casefold() == colour.casefold()]
    if has:
        return f"Yes, the {product.title} comes in {has[0]}."
    if not product.colours:
        return f"No, the {product.title} comes in a single colour."
    return f"No, the {product.title} comes in {', '.join(product.colours)}, not in {colour}."


def size_answer(product: Product, size: str) -> str:
    """Whether ``product`` comes in ``size``."""
    has = [s for s in product.sizes if s.casefold() == size.casefold()]
    if has:
        return f"Yes, the {product.title} comes in size {has[0]}."
    if not product.sizes:
        return f"No, the {product.title} comes in one size."
    return f"No, the {product.title} comes in sizes {', '.join(product.sizes)}, not in {size}."
