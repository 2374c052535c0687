"""Split a shopper's words into free text and structured filters.

``QueryParser(vocabulary).parse("running shoes under 80 in size 42")`` gives the text
"running shoes", subcategory "running shoes", size "42" and a maximum price of 8000 cents.
Catalog words (categories, subcategories, brands, colours, materials) come from the
``CatalogVocabulary``; matching ignores case, accents and plurals, and corrects small typos
in words the catalog does not know.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from shop.api import CatalogVocabulary
from knowledge.api import ParsedQuery, SearchFilters
from knowledge.synonyms import CLOTHING_SIZES, COLOUR_SYNONYMS, SIZE_WORDS
from knowledge.text import STOPWORDS, fold, normalise_term, singular

_NUM = r"(\d+(?:[.,]\d{1,2})?)"
_CUR = r"(?:€|eur(?:o|os)?\b|\$|dollars?\b|bucks\b)"
_AMOUNT = rf"(?:{_CUR}\s*)?{_NUM}(?:\s*{_CUR})?"
_MAX_WORDS = (
    r"under|below|beneath|less\s+than|cheaper\s+than|lower\s+than|max(?:imum)?|up\s+to|"
    r"at\s+most|no\s+more\s+than|not\s+more\s+than|within|<=?"
)
_MIN_WORDS = r"over|above|more\s+than|at\s+least|min(?:imum)?|starting\s+(?:at|from)|>=?"

_PRICE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("range", re.compile(rf"\b(?:between|from)\s+{_AMOUNT}\s*(?:and|to|-)\s*{_AMOUNT}", re.I)),
    ("range", re.compile(rf"(?<![\w.]){_AMOUNT}\s*(?:-|to)\s*{_AMOUNT}(?=\s*{_CUR})", re.I)),
    ("max", re.compile(rf"(?:\b|(?<=\s)|^)(?:{_MAX_WORDS})\s*(?:the\s+)?{_AMOUNT}", re.I)),
    ("min", re.compile(rf"(?:\b|(?<=\s)|^)(?:{_MIN_WORDS})\s*{_AMOUNT}", re.I)),
    ("max", re.compile(rf"(?<![\w.]){_AMOUNT}\s*(?:or\s+less|or\s+under|max(?:imum)?\b)", re.I)),
    ("min", re.compile(rf"(?<![\w.]){_AMOUNT}\s*(?:or\s+more|\+|and\s+up\b)", re.I)),
    ("around", re.compile(rf"\b(?:around|about|roughly|approximately)\s+{_AMOUNT}", re.I)),
    ("max", re.compile(rf"(?<![\w.])(?:{_CUR}\s*{_NUM}|{_NUM}\s*{_CUR})", re.I)),
)
_CHEAP_RE = re.compile(
    r"\b(?:cheap(?:er|est)?|affordable|inexpensive|budget|low[\s-]cost|bargain)\b", re.I
)
_STOCK_RE = re.compile(
    r"\b(?:(?:that\s+(?:is|are)\s+)?in[\s-]stock|available(?:\s+now|\s+today)?|on\s+stock|"
    r"ready\s+to\s+ship)\b",
    re.I,
)
_SIZE_CODE = r"(xxxl|3xl|xxl|xl|xxs|xs|s|m|l|\d{2}(?:[.,]5)?)"
_SIZE_WORDS_RE = "|".join(sorted((re.escape(w) for w in SIZE_WORDS), key=len, reverse=True))
_SIZE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"\b(?:in\s+)?(?:an?\s+)?(?:size|sz|eu)\s*:?\s*{_SIZE_CODE}\b", re.I),
    re.compile(rf"\b(?:in\s+)?(?:an?\s+)?size\s+({_SIZE_WORDS_RE})\b", re.I),
    re.compile(rf"\bin\s+(?:an?\s+)?({_SIZE_WORDS_RE})\b", re.I),
    re.compile(r"\b(\d{2}(?:[.,]5)?)\s*eu\b", re.I),
    re.compile(r"\b(?:in\s+)?(xxxl|3xl|xxl|xl|xxs|xs)\b", re.I),
)
_APOSTROPHE_RE = re.compile(r"(\w)'(\w)")
_UNIT_RE = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?")
# Filler words dropped from the free text (beyond the general stop words).
_FILLER = STOPWORDS | frozenset(
    [
        "im",
        "dont",
        "me",
        "something",
        "anything",
        "stuff",
        "items",
        "item",
        "products",
        "product",
        "one",
        "ones",
        "buy",
        "need",
        "want",
        "wanted",
        "looking",
        "search",
        "searching",
        "browse",
        "got",
        "euro",
        "euros",
        "eur",
        "price",
        "priced",
        "only",
        "just",
        "like",
        "would",
        "love",
    ]
)
_BASIC_COLOURS = (
    "black",
    "white",
    "grey",
    "gray",
    "blue",
    "red",
    "green",
    "yellow",
    "orange",
    "pink",
    "purple",
    "brown",
    "beige",
    "navy",
)
_MAX_NGRAM = 4
_FUZZY_MIN_LEN = 5
_FUZZY_CUTOFF = 0.85


def _cents(amount: str) -> int:
    return round(float(amount.replace(",", ".")) * 100)


def _amounts(match: re.Match[str]) -> list[int]:
    return [_cents(g) for g in match.groups() if g is not None]


@dataclass(frozen=True)
class _Term:
    field: str  # category | subcategory | brand | colour | material
    value: str  # the catalog's own spelling


@dataclass
class _Unit:
    word: str  # folded
    start: int
    joined: bool  # written glued to the previous unit with "-"
    used: bool = False


class QueryParser:
    """Parses shopper queries against one catalog's vocabulary (thread-safe, stateless)."""

    _FIELD_ORDER = ("brand", "category", "subcategory", "material", "colour")
    _KEEP_IN_TEXT = frozenset({"category", "subcategory"})

    def __init__(self, vocabulary: CatalogVocabulary, *, known_words: Iterable[str] = ()) -> None:
        self.vocabulary = vocabulary
        self._terms: dict[tuple[str, ...], _Term] = {}
        fields: dict[str, Iterable[str]] = {
            "colour": vocabulary.colours,
            "material": vocabulary.materials,
            "category": vocabulary.categories,
            "subcategory": vocabulary.subcategories,
            "brand": vocabulary.brands,
        }
        # Earlier fields win when two fields share a word: a brand over a category ...
        for field in self._FIELD_ORDER:
            for value in fields[field]:
                key = tuple(normalise_term(value).split())
                if key:
                    self._terms.setdefault(key, _Term(field, value))
        catalog_colours = {normalise_term(c): c for c in vocabulary.colours}
        for word in (*_BASIC_COLOURS, *COLOUR_SYNONYMS):
            key = tuple(normalise_term(word).split())
            if key not in self._terms:
                self._terms[key] = _Term("colour", self._catalog_colour(word, catalog_colours))
        self._sizes = {s.strip().upper(): s for s in vocabulary.sizes}
        vocab_words = {w for key in self._terms for w in key}
        self._fuzzy_targets = sorted(w for w in vocab_words if len(w) >= _FUZZY_MIN_LEN - 1)
        self._known = vocab_words | {singular(w) for w in known_words} | _FILLER

    @staticmethod
    def _catalog_colour(word: str, catalog: dict[str, str]) -> str:
        for candidate in (word, *COLOUR_SYNONYMS.get(word, ())):
            found = catalog.get(normalise_term(candidate))
            if found:
                return found
        return word

    # ---------------------------------------------------------------------------------
    def parse(self, text: str) -> ParsedQuery:
        folded = _APOSTROPHE_RE.sub(r"\1\2", fold(text))  # "i'm" -> "im", "nike's" -> "nikes"
        found: dict[str, object] = {}
        folded = self._take_prices(folded, found)
        folded = self._take_sizes(folded, found)
        prefers_cheap = bool(_CHEAP_RE.search(folded))
        folded = _CHEAP_RE.sub(" ", folded)
        if _STOCK_RE.search(folded):
            found["in_stock_only"] = True
            folded = _STOCK_RE.sub(" ", folded)
        units = [
            _Unit(m.group(), m.start(), m.start() > 0 and folded[m.start() - 1] == "-")
            for m in _UNIT_RE.finditer(folded)
        ]
        self._correct_typos(units)
        self._take_terms(units, found)
        remaining = [u for u in units if not u.used and u.word not in _FILLER]
        free_text = ""
        for unit in remaining:
            glue = "-" if unit.joined and free_text else " "
            free_text = f"{free_text}{glue}{unit.word}" if free_text else unit.word
        filters = SearchFilters(**found)  # type: ignore[arg-type]
        return ParsedQuery(text=free_text, filters=filters, prefers_cheap=prefers_cheap)

    # prices, sizes -------------------------------------------------------------------
    @staticmethod
    def _blank(text: str, match: re.Match[str]) -> str:
        return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]

    def _take_prices(self, text: str, found: dict[str, object]) -> str:
        for kind, pattern in _PRICE_PATTERNS:
            while (match := pattern.search(text)) is not None:
                values = _amounts(match)
                if kind == "range" and len(values) == 2:
                    low, high = sorted(values)
                    found["price_min_cents"], found["price_max_cents"] = low, high
                elif kind == "max" and values:
                    found["price_max_cents"] = values[0]
                elif kind == "min" and values:
                    found["price_min_cents"] = values[0]
                elif kind == "around" and values:
                    found["price_min_cents"] = round(values[0] * 0.8)
                    found["price_max_cents"] = round(values[0] * 1.2)
                text = self._blank(text, match)
        return text

    def _take_sizes(self, text: str, found: dict[str, object]) -> str:
        for pattern in _SIZE_PATTERNS:
            match = pattern.search(text)
            if match is None:
                continue
            raw = match.group(1).lower()
            code = SIZE_WORDS.get(raw, raw.upper().replace(",", "."))
            code = "XXXL" if code == "3XL" and "XXXL" in self._sizes else code
            if code not in CLOTHING_SIZES and not code[:2].isdigit():
                continue
            if "size" not in found:
                found["size"] = self._sizes.get(code, code)
            text = self._blank(text, match)
        return text

    # catalog terms -------------------------------------------------------------------
    def _correct_typos(self, units: list[_Unit]) -> None:
        for unit in units:
            word = singular(unit.word)
            if len(word) < _FUZZY_MIN_LEN or word in self._known or not word.isalpha():
                continue
            close = difflib.get_close_matches(word, self._fuzzy_targets, n=1, cutoff=_FUZZY_CUTOFF)
            if close:
                unit.word = close[0]

    def _take_terms(self, units: list[_Unit], found: dict[str, object]) -> None:
        keys = [singular(u.word) for u in units]
        i = 0
        while i < len(units):
            for n in range(min(_MAX_NGRAM, len(units) - i), 0, -1):
                window = units[i : i + n]
                if any(u.used for u in window):
                    continue
                term = self._terms.get(tuple(keys[i : i + n]))
                if term is None or term.field in found:
                    continue
                found[term.field] = term.value
                if term.field not in self._KEEP_IN_TEXT:
                    for unit in window:
                        unit.used = True
                i += n - 1
                break
            i += 1
