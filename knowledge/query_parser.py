"""Split a shopper's words into free text, filters and boosts, by the catalog's own words.

``QueryParser(vocabulary).parse("running shoes under 80 in size 42")`` gives the text
"running shoes", subcategory "running shoes", size "42" and a maximum price of 8000 cents;
"under eighty" and "size forty two", typed as words, read the same (``spelled_numbers``).

Every facet and value comes from the ``CatalogVocabulary`` (category nodes, types,
brands, colours, sizes, materials, option names and values, synonyms and plurals):
nothing is fixed in code, so a word the catalog does not have stays plain text. A word is
a filter only when the reading is sure; an uncertain one (a colour word in a catalog where
few products have a colour, a value word inside a longer name, a category word that is not
the thing asked for) becomes a boost and stays in the text, so it ranks without excluding.
Matching ignores case, accents and plurals, and corrects small typos in words the catalog
does not know.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from knowledge.api import ParsedQuery, SearchFilters
from knowledge.catalog_table import ANY_OPTION
from knowledge.synonyms import COLOUR_SYNONYMS, SIZE_WORDS
from knowledge.text import STOPWORDS, UNITS, fold, normalise_term, singular
from shop.api import CatalogVocabulary
from shop.number_words import UNITS as NUMBER_UNITS
from shop.number_words import cardinal

_NUM = r"(\d+(?:[.,]\d{1,2})?)"
_CUR = r"(?:€|eur(?:o|os)?\b|\$|dollars?\b|bucks\b)"
_AMOUNT = rf"(?:{_CUR}\s*)?{_NUM}(?:\s*{_CUR})?"
_MAX_WORDS = (
    r"under|below|beneath|less\s+than|cheaper\s+than|lower\s+than|max(?:imum)?|up\s+to|"
    r"at\s+most|no\s+more\s+than|not\s+more\s+than|within|<=?"
)
_MIN_WORDS = r"over|above|more\s+than|at\s+least|min(?:imum)?|starting\s+(?:at|from)|>=?"
# A number followed by a measure is a dimension, not a price ("under 30 in", "over 5 ft");
# "in" is a measure unless a constraint follows ("under 80 in size 42", "50 in blue").
_AFTER_RE = re.compile(r"\s*([a-z]+)\.?\s*([a-z0-9]*)")
_IN_IS_A_WORD = frozenset({"size", "stock", "a", "an", "the", "my", "store", "colour", "color"})

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
_SIZE_WORDS_RE = "|".join(sorted((re.escape(w) for w in SIZE_WORDS), key=len, reverse=True))
_APOSTROPHE_RE = re.compile(r"(\w)'(\w)")
_UNIT_RE = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?")
# Filler words dropped from the free text (beyond the general stop words).
_FILLER = STOPWORDS | frozenset(
    [
        # text-speak: "do u have any ..."
        "u",
        "ur",
        "pls",
        "plz",
        "im",
        "am",
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
        "you",
        "have",
        "sell",
    ]
)
# Words after which a value is surely a constraint: "in oak", "with gold", "colour blue".
_CONSTRAINT_CUES = frozenset({"in", "with", "colour", "color", "finish", "made"})
# Words that open a purpose or a complement: a category after one is not the thing asked
# for ("basket to tidy toys", "cushions for the sofa").
_PREPOSITIONS = frozenset({"for", "to", "with", "of", "from", "on", "at", "like"})
# Words after a category that qualify it rather than name something else ("boots size 47").
_ATTRIBUTE_WORDS = frozenset({"size", "sizes", "sz", *UNITS})
_MAX_NGRAM = 4
_FUZZY_MIN_LEN = 5
_FUZZY_CUTOFF = 0.85
# A facet is a sure filter when at least this share of products has a value for it;
# below, its words boost (the word is more likely part of a name: "painter blue tape").
MIN_FILTER_COVERAGE = 0.3
# Facets in the order they claim a word two facets share: a brand over a category ...
_FIELD_ORDER = ("brand", "subcategory", "category", "material", "colour", "options")
_ALWAYS_TEXT = frozenset({"category", "subcategory"})  # their words also rank


# Numbers typed as words become digits where they are an amount or a size: after a price or
# size word ("under fifty", "size forty two", "between twenty and forty") or before a
# currency ("fifty euros"). A lone "one" ... "nine" needs the currency or "size" ("more than
# one" is no price); a number elsewhere stays a word ("the one in red", "two pairs").
_WORD_RE = re.compile(r"[a-z]+")
_NUMBER_BEFORE = frozenset(
    [
        "under",
        "below",
        "beneath",
        "over",
        "above",
        "around",
        "about",
        "roughly",
        "approximately",
        "max",
        "maximum",
        "budget",
        "between",
        "from",
        "than",
        "most",
        "least",
        "to",
        "costs",
        "cost",
        "pay",
        "spend",
        "size",
        "sz",
        "eu",
    ]
)
_NUMBER_AFTER = frozenset(["euro", "euros", "eur", "bucks", "dollars", "dollar"])


def spelled_numbers(text: str) -> str:
    """``text`` (folded) with its amounts and sizes written as words in digits:
    "shoes in size forty-two under fifty euros" -> "shoes in size 42 under 50 euros"."""
    spans = [(m.start(), m.end()) for m in _WORD_RE.finditer(text)]
    words = [text[start:end] for start, end in spans]
    out: list[str] = []
    done = 0  # text[:done] is in out
    previous_was_number = False
    i = 0
    while i < len(words):
        reading = cardinal(words, i)
        if reading is None or not _joined(text, spans, i, reading[1]):
            previous_was_number = previous_was_number and words[i] in ("and", "to")
            i += 1
            continue
        value, used = reading
        before = words[i - 1] if i else ""
        after = words[i + used] if i + used < len(words) else ""
        lone_digit = used == 1 and words[i] in NUMBER_UNITS
        cued = before in ("size", "sz", "eu") or after in _NUMBER_AFTER
        if cued or (not lone_digit and (before in _NUMBER_BEFORE or previous_was_number)):
            out.append(text[done : spans[i][0]])
            out.append(str(value))
            done = spans[i + used - 1][1]
            previous_was_number = True
        else:
            previous_was_number = False
        i += used
    out.append(text[done:])
    return "".join(out)


def _joined(text: str, spans: list[tuple[int, int]], i: int, used: int) -> bool:
    """Whether the ``used`` words from ``i`` are one number: only spaces or hyphens between."""
    return all(
        text[spans[k][1] : spans[k + 1][0]].strip(" -") == "" for k in range(i, i + used - 1)
    )


def _cents(amount: str) -> int:
    return round(float(amount.replace(",", ".")) * 100)


def _amounts(match: re.Match[str]) -> list[int]:
    return [_cents(g) for g in match.groups() if g is not None]


def _key(text: str) -> tuple[str, ...]:
    return tuple(normalise_term(text).split())


@dataclass(frozen=True)
class _Term:
    field: str  # category | subcategory | brand | colour | material | options
    value: str  # the catalog's own spelling
    option: str = ANY_OPTION  # for "options": the option name


@dataclass
class _Unit:
    word: str  # folded
    start: int
    joined: bool  # written glued to the previous unit with "-"
    used: bool = False  # taken as a filter: not free text


class QueryParser:
    """Parses shopper queries against one catalog's vocabulary (thread-safe, stateless).

    ``coverage``: the share of products with a value for each facet (``CatalogTable.
    coverage()``); facets below ``MIN_FILTER_COVERAGE`` only boost. Without it every facet
    counts as covered.
    """

    def __init__(
        self,
        vocabulary: CatalogVocabulary,
        *,
        known_words: Iterable[str] = (),
        coverage: Mapping[str, float] | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self._coverage = dict(coverage or {})
        self._terms: dict[tuple[str, ...], _Term] = {}
        # a value several options share ("oak" wood and "oak" legs) is matched under any
        owners: dict[str, set[str]] = {}
        for name, values in vocabulary.options:
            for value in values:
                owners.setdefault(normalise_term(value), set()).add(name)
        fields: dict[str, list[_Term]] = {
            "brand": [_Term("brand", v) for v in vocabulary.brands],
            "subcategory": [_Term("subcategory", v) for v in vocabulary.subcategories],
            "category": [_Term("category", v) for v in vocabulary.categories],
            "material": [_Term("material", v) for v in vocabulary.materials],
            "colour": [_Term("colour", v) for v in vocabulary.colours],
            "options": [
                _Term(
                    "options",
                    value,
                    name if len(owners[normalise_term(value)]) == 1 else ANY_OPTION,
                )
                for name, values in vocabulary.options
                for value in values
            ],
        }
        for field in _FIELD_ORDER:
            for term in fields[field]:
                key = _key(term.value)
                if key:
                    self._terms.setdefault(key, term)
        # other surface forms of catalog words: plurals, singulars, synonyms
        for form, word in vocabulary.synonyms:
            target = self._terms.get(_key(word))
            if target is not None and _key(form):
                self._terms.setdefault(_key(form), target)
        # everyday colour words for colours the catalog has ("gray" for "grey")
        catalog_colours = {normalise_term(c): c for c in vocabulary.colours}
        for word, meanings in COLOUR_SYNONYMS.items():
            for meaning in meanings:
                found = catalog_colours.get(normalise_term(meaning))
                if found is not None:
                    self._terms.setdefault(_key(word), _Term("colour", found))
                    break
        self._option_names = {_key(name) for name, _ in vocabulary.options}
        self._sizes = {s.strip().upper(): s for s in vocabulary.sizes}
        self._size_patterns = self._compile_sizes()
        vocab_words = {w for key in self._terms for w in key}
        self._fuzzy_targets = sorted(w for w in vocab_words if len(w) >= _FUZZY_MIN_LEN - 1)
        self._known = vocab_words | {singular(w) for w in known_words} | _FILLER

    def _compile_sizes(self) -> tuple[re.Pattern[str], ...]:
        """Size phrases for the sizes this catalog has, and only those."""
        codes = sorted(
            (re.escape(code.lower()) for code in self._sizes if code), key=len, reverse=True
        )
        if not codes:
            return ()
        code = "(" + "|".join(codes) + ")"
        patterns = [
            rf"\b(?:in\s+)?(?:an?\s+)?(?:size|sz|eu)\b\s*:?\s*{code}(?![\w.])",
            rf"\b(?:in\s+)?(?:an?\s+)?size\s+({_SIZE_WORDS_RE})\b",
            rf"\bin\s+(?:an?\s+)?({_SIZE_WORDS_RE})\b",
            rf"\b{code}\s*eu\b",
        ]
        lettered = [c for c in self._sizes if len(c) >= 2 and c[:1] == "X"]
        if lettered:
            multi = "|".join(
                sorted((re.escape(c.lower()) for c in lettered), key=len, reverse=True)
            )
            patterns.append(rf"\b(?:in\s+)?({multi})\b")
        return tuple(re.compile(p, re.I) for p in patterns)

    # ---------------------------------------------------------------------------------
    def parse(self, text: str) -> ParsedQuery:
        folded = _APOSTROPHE_RE.sub(r"\1\2", fold(text))  # "i'm" -> "im", "nike's" -> "nikes"
        folded = spelled_numbers(folded)
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
        boosts = self._take_terms(units, found)
        free_text = ""
        previous = ""
        for unit in units:
            measure = unit.word in UNITS and previous[:1].isdigit()
            previous = unit.word
            if unit.used or (unit.word in _FILLER and not measure):
                continue
            glue = "-" if unit.joined and free_text else " "
            free_text = f"{free_text}{glue}{unit.word}" if free_text else unit.word
        filters = SearchFilters(**found)  # type: ignore[arg-type]
        return ParsedQuery(
            text=free_text, filters=filters, prefers_cheap=prefers_cheap, boosts=boosts
        )

    # prices, sizes -------------------------------------------------------------------
    @staticmethod
    def _blank(text: str, match: re.Match[str]) -> str:
        return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]

    def _measure_follows(self, text: str, end: int) -> bool:
        after = _AFTER_RE.match(text, end)
        if after is None or after.group(1) not in UNITS:
            return False
        if after.group(1) != "in":
            return True
        following = after.group(2)
        return not (
            following in _IN_IS_A_WORD
            or (singular(following),) in self._terms
            or following in SIZE_WORDS
            or following.upper() in self._sizes
        )

    def _take_prices(self, text: str, found: dict[str, object]) -> str:
        for kind, pattern in _PRICE_PATTERNS:
            position = 0
            while (match := pattern.search(text, position)) is not None:
                if self._measure_follows(text, match.end()):
                    position = match.end()  # "under 30 in": a dimension, not a price
                    continue
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
        for pattern in self._size_patterns:
            match = pattern.search(text)
            if match is None:
                continue
            raw = match.group(1).lower()
            code = SIZE_WORDS.get(raw, raw.upper().replace(",", "."))
            if code == "3XL" and "XXXL" in self._sizes:
                code = "XXXL"
            if code not in self._sizes:
                continue  # a size this catalog does not have: the words stay text
            if "size" not in found:
                found["size"] = self._sizes[code]
            text = self._blank(text, match)
        return text

    # catalog terms -------------------------------------------------------------------
    def _correct_typos(self, units: list[_Unit]) -> None:
        for unit in units:
            word = singular(unit.word)
            if len(word) < _FUZZY_MIN_LEN or word in self._known or not word.isalpha():
                continue
            # same first letter: a slip of the finger, not another word ("chair" is not "hair")
            targets = [t for t in self._fuzzy_targets if t[:1] == word[:1]]
            close = difflib.get_close_matches(word, targets, n=1, cutoff=_FUZZY_CUTOFF)
            if close:
                unit.word = close[0]

    def _covered(self, field: str) -> bool:
        return self._coverage.get(field, 1.0) >= MIN_FILTER_COVERAGE

    def _take_terms(self, units: list[_Unit], found: dict[str, object]) -> SearchFilters:
        """Catalog words to filters (sure readings) or boosts (uncertain ones)."""
        keys = [singular(u.word) for u in units]
        content = [i for i, u in enumerate(units) if u.word not in _FILLER]
        matches: list[tuple[int, int, _Term]] = []
        i = 0
        while i < len(units):
            for n in range(min(_MAX_NGRAM, len(units) - i), 0, -1):
                term = self._terms.get(tuple(keys[i : i + n]))
                if term is None or units[i].word in _FILLER:
                    continue
                matches.append((i, n, term))
                i += n - 1
                break
            i += 1
        matched = {j for start, n, _ in matches for j in range(start, start + n)}
        matched |= {
            j
            for start, n, term in matches
            if term.field == "options"
            for j in self._option_name_units(keys, start, n)
        }
        categorical = [
            j
            for start, n, term in matches
            if term.field in _ALWAYS_TEXT
            for j in range(start, start + n)
        ]
        boosts = SearchFilters()
        for start, n, term in matches:
            window = units[start : start + n]
            sure = self._sure(term, start, n, units, content, matched, categorical)
            if sure and not self._has(found, term):
                self._set(found, term)
                if term.field not in _ALWAYS_TEXT:
                    for unit in window:
                        unit.used = True
                if term.field == "options":  # "oak wood": the option's name goes too
                    for j in self._option_name_units(keys, start, n):
                        units[j].used = True
            elif not sure:
                boosts = self._boost(boosts, term)
        return boosts

    def _sure(
        self,
        term: _Term,
        start: int,
        n: int,
        units: list[_Unit],
        content: list[int],
        matched: set[int],
        categorical: list[int],
    ) -> bool:
        """Whether a catalog word is surely a constraint here, not part of a name."""
        others = [i for i in content if i not in matched]
        cue = start > 0 and units[start - 1].word in _CONSTRAINT_CUES
        if term.field in ("category", "subcategory"):
            # the thing asked for: no plain or category word after it ("sofa" in "sofa
            # table" is not), and not the complement of another word ("basket to tidy toys")
            after = any(
                i >= start + n and units[i].word.isalpha() and units[i].word not in _ATTRIBUTE_WORDS
                for i in [*others, *categorical]
            )
            complement = any(
                units[p].word in _PREPOSITIONS and any(i < p for i in content) for p in range(start)
            )
            return not after and not complement
        if term.field == "brand":
            return self._covered("brand")
        if cue or not others:
            return True  # "in oak", "gold ones?", "blue": nothing else it could name
        if not any(i > start for i in content) and any(i < start for i in others):
            return False  # last, after a plain word: a name ("bed linen", "rugs blue")
        return self._covered(term.field)

    def _option_name_units(self, keys: list[str], start: int, n: int) -> list[int]:
        """The option's own name said beside its value ("oak wood", "wood oak")."""
        return [
            index
            for index in (start - 1, start + n)
            if 0 <= index < len(keys) and (keys[index],) in self._option_names
        ]

    @staticmethod
    def _has(found: dict[str, object], term: _Term) -> bool:
        if term.field == "options":
            taken = found.get("options", ())
            return any(name == term.option for name, _ in taken)  # type: ignore[attr-defined]
        return term.field in found

    @staticmethod
    def _set(found: dict[str, object], term: _Term) -> None:
        if term.field == "options":
            taken: tuple[tuple[str, str], ...] = found.get("options", ())  # type: ignore[assignment]
            found["options"] = (*taken, (term.option, term.value))
        else:
            found[term.field] = term.value

    @staticmethod
    def _boost(boosts: SearchFilters, term: _Term) -> SearchFilters:
        if term.field == "options":
            return replace(boosts, options=(*boosts.options, (term.option, term.value)))
        if getattr(boosts, term.field) is None:
            changes: dict[str, Any] = {term.field: term.value}
            return replace(boosts, **changes)
        return boosts
