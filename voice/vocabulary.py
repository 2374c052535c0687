"""The catalog's words for the ear: a prompt that biases the recogniser towards them, and a
conservative corrector for the brand and product names it still mishears.

Whisper knows English, not the shop's brands: "Nordpeak" comes back as "nord peak" or
"nordpeek", "Fjordwear" as "fjord wear". Two remedies, both built from the catalog itself:

- ``prompt()``: brands and product types, most frequent first, as whisper's initial prompt
  (it spells what it has just "read" the same way);
- ``correct()``: after recognition, a window of one to three words whose letters, run
  together, match a brand or product word exactly ("nord peak" -> "Nordpeak", "ear buds" ->
  "earbuds") or nearly (rapidfuzz ratio at a cutoff that grows as names get shorter:
  "nordpeek" -> "Nordpeak") takes the catalog spelling.

Conservative on purpose: a wrong "fix" is worse than none, since the NLU copes with
"nordpeek" as an unknown word but not with a sentence changed under it. So a word that is
ordinary English (a list kept here) or already a catalog word (a product type, a model name
of a title) is never changed on its own, a window may not start or end with a function word
("the", "a", "in" ...), names of five letters or fewer are only matched exactly, and a
near match must beat the second best target clearly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process
from sqlalchemy import make_url, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from shop.db import ProductRow, create_engine_from_url
from shop.taxonomy import path_from_key
from shop.vocabulary import number_forms


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Ordinary words the corrector never touches on their own (with the catalog's own words).
# Function words (the first block) may not start or end a corrected window either.
FUNCTION_WORDS = _words(
    """
    a an the and or but nor of in on at to for from by with without into onto off up down
    out over under about above below between than then so as if is are was were be been am
    do does did have has had can could will would shall should may might must i me my mine
    you your yours he him his she her hers it its we us our they them their this that these
    those there here what which who whom whose when where why how not no yes yeah ok okay
    please some any all each every both either neither one ones other another such same
    just only also too very more most less least much many few
    """
)
COMMON_WORDS = FUNCTION_WORDS | _words(
    """
    add added adding ask asked back bad bag bags bar base be bear beat bed best better big
    bit black blue board boat boats body book boot both bottle bottom box boy brand bring
    brown buy buying by call came card care carry case cash cat change cheap cheaper check
    checkout child children city clean clear close coat cold colour color come cool core cost
    could count course cover crest cross cup cut dark day days deal dear deep deliver
    delivery did different dog done door double down dress drive dry each early earth east
    easy eat edge else email end enough even ever every eye face fair fall far fast feel few
    field fill find fine fire first fit five fix flat floor fly food foot for form four free
    fresh friend front full fun game garden get girl give glass go going gold good got great
    green grey gray ground group grow half hand happy hard harbor harbour hat have head hear
    heart heat heavy help here high hill hold home hope hot hour house how huge idea inch
    item items jacket jeans just keep key kid kids kind king know lady lamp land large last
    late later leather left leg less let light like line link list little live long look lot
    love low made mail main make man many map mark match me mean men mind mine miss money
    month moon more morning move much must name near need never new next nice night nine
    north nothing now number off office oh old once open order orders other out over own
    pack page pair pants paper park part pay peak peek people perfect phone pick piece pink
    place plain plan play plus point pop power price prime pro purple put quick quite rain
    ran rather read ready real red rest return ride right ring river road rock room round
    row run running safe said sale same say sea second see seem sell send set seven shape
    she shirt shoe shoes shop short show side sign size sky small smart snow so soft some
    soon sorry sound south speak star start stay step still stock stop store storm story
    street strong such summer summit sun sure swift table take talk team tell ten than thank
    thanks that thing think third three through time tiny today told tomorrow top total
    town track trail tree trip true try turn two under until up use very wait walk want
    warm watch water way wear weather week well west what white why wide wild will wind
    window winter wish woman women wood word work world would write wrong yard year yellow
    yes yet young zero
    """
)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ALNUM = re.compile(r"[^\W_]+")
# words of one window may be apart by spaces or a hyphen ("nord-peak"), not punctuation
_JOINABLE_GAP = re.compile(r"[\s-]*")
_MAX_WINDOW = 3


class VocabularyUnavailable(Exception):
    """The catalog could not be read for the ear's vocabulary."""

    def __init__(self, database_url: str, reason: str) -> None:
        self.database_url = database_url
        self.reason = reason
        super().__init__(
            f"Cannot read the catalog's brands and product names from {database_url}: "
            f"{reason}. Seed or import the shop first (python -m shop seed)."
        )


def _key(text: str) -> str:
    """Letters and digits only, lower case: "Ardent & Co" -> "ardentco"."""
    return "".join(_ALNUM.findall(text.casefold()))


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _cutoff(key: str) -> float | None:
    """The rapidfuzz ratio a near match of ``key`` needs; None: exact matches only."""
    if len(key) >= 8:
        return 85.0  # one letter wrong in "nordpeak" scores 87.5
    if len(key) >= 6:
        return 90.0  # one letter missing or added, not a changed one
    return None


@dataclass(frozen=True)
class _Target:
    spelling: str  # what the corrected text says
    family: str  # the brand, or the product word whose singular or plural this is
    cutoff: float | None


@dataclass(frozen=True)
class _Word:
    text: str
    start: int
    end: int


class CatalogVocabulary:
    """Brands and product words of one catalog, for whisper's prompt and for corrections."""

    def __init__(
        self,
        *,
        brands: Counter[str],
        words: Counter[str],
        protected: frozenset[str],
    ) -> None:
        # brand spelling -> how many products name it; product word (lower case) -> count
        self._brands = brands
        self._words = words
        self._protected = protected | COMMON_WORDS
        targets: dict[str, _Target] = {}
        for word in sorted(words, key=lambda w: (-words[w], w)):
            for form in number_forms(word):
                targets.setdefault(_key(form), _Target(form, word, _cutoff(_key(form))))
        for brand in sorted(brands, key=lambda b: (-brands[b], b)):
            # a brand wins over a product word with the same letters; "&" is said "and"
            for form in {brand, brand.replace("&", " and ")}:
                targets[_key(form)] = _Target(brand, brand, _cutoff(_key(form)))
        targets.pop("", None)
        self._targets = targets
        self._keys = list(targets)

    # builders -----------------------------------------------------------------------

    @classmethod
    def from_names(
        cls, names: Iterable[str], *, brands: Iterable[str] = (), words: Iterable[str] = ()
    ) -> CatalogVocabulary:
        """From product titles, brands and product words (types, category names).

        Each brand and word counts once per time it is given and once per title that names
        it, so passing one per product (as the database does) orders them by frequency.
        A title's other words (model names: "Swift", "Tempo") are catalog words too: they
        are never "corrected" into something else.
        """
        titles = [" ".join(name.split()) for name in names if name.strip()]
        brand_counts: Counter[str] = Counter()
        spelling: dict[str, str] = {}
        for brand in brands:
            text = " ".join(brand.split())
            if _key(text):
                spelling.setdefault(text.casefold(), text)
                brand_counts[spelling[text.casefold()]] += 1
        word_counts: Counter[str] = Counter()
        for word in words:
            text = _fold(word)
            if _key(text):
                word_counts[text] += 1
        folded_titles = [f" {_fold(title)} " for title in titles]
        for counts in (brand_counts, word_counts):
            for term in list(counts):
                needle = f" {term.casefold()} "
                counts[term] += sum(needle in title for title in folded_titles)
        brand_words = {w for brand in brand_counts for w in _WORD.findall(brand.casefold())}
        protected = {
            w
            for text in (*titles, *word_counts)
            for w in _WORD.findall(text.casefold())
            if w not in brand_words
        }
        return cls(brands=brand_counts, words=word_counts, protected=frozenset(protected))

    @classmethod
    def from_shop_database(cls, database_url: str) -> CatalogVocabulary:
        """Read titles, brands, product types and category names from the shop database.

        Read only: one SELECT through the shop's own models and engine settings.
        Raises ``VocabularyUnavailable`` when the database cannot be read.
        """
        url = make_url(database_url)
        path = url.database or ""
        local_file = url.get_backend_name() == "sqlite" and path not in ("", ":memory:")
        if local_file and not path.startswith("file:") and not Path(path).expanduser().is_file():
            # the engine would create an empty file (and its folder): read only, so no
            raise VocabularyUnavailable(database_url, f"there is no database file at {path}")
        engine = create_engine_from_url(database_url)
        try:
            with Session(engine) as session:
                rows = session.execute(
                    select(
                        ProductRow.title,
                        ProductRow.brand,
                        ProductRow.product_type,
                        ProductRow.category_path,
                    )
                ).all()
        except SQLAlchemyError as error:
            orig = getattr(error, "orig", None)  # the driver's own message, if any
            reason = str(orig) if orig is not None else type(error).__name__
            raise VocabularyUnavailable(database_url, reason) from error
        finally:
            engine.dispose()
        titles: list[str] = []
        brands: list[str] = []
        words: list[str] = []
        for title, brand, product_type, category_key in rows:
            titles.append(title)
            if brand:
                brands.append(brand)
            if product_type:
                words.append(product_type)
            category = path_from_key(category_key)
            if category:
                words.append(category[-1])  # the most specific category ("rain jackets")
        return cls.from_names(titles, brands=brands, words=words)

    # the prompt ---------------------------------------------------------------------

    @property
    def brands(self) -> tuple[str, ...]:
        """Brands, most frequent first."""
        return tuple(sorted(self._brands, key=lambda b: (-self._brands[b], b)))

    def prompt(self, max_chars: int = 400) -> str:
        """Whisper's initial prompt: brands and product types, most frequent first
        ("Ardent & Co, Nordpeak, Maison Verre, running shoes, ..."), at most ``max_chars``.

        Three brands to one product type: whisper spells ordinary product words right
        already, brands are what it needs to have "read". A product word whose singular or
        plural was already named is left out ("rain jackets" after "rain jacket").
        """
        kinds: list[str] = []
        named: set[str] = set()
        for word in sorted(self._words, key=lambda w: (-self._words[w], w)):
            forms = {_fold(form) for form in number_forms(word)}
            if not forms & named:
                kinds.append(word)
            named |= forms
        brands = list(self.brands)
        terms: list[str] = []
        while brands or kinds:
            terms.extend(brands[:3])
            terms.extend(kinds[:1])
            del brands[:3], kinds[:1]
        prompt = ""
        for term in terms:
            longer = f"{prompt}, {term}" if prompt else term
            if len(longer) <= max_chars:  # else a shorter term further on may still fit
                prompt = longer
        return prompt

    # corrections --------------------------------------------------------------------

    def correct(self, text: str) -> str:
        """Misheard brand and product names -> catalog spelling; anything else unchanged.

        "a nord peak rain jacket" -> "a Nordpeak rain jacket"; "nordpeek" -> "Nordpeak";
        "I need a coat for the rain" is left alone.
        """
        # e-mail addresses and links keep every letter
        kept = [m.span() for m in re.finditer(r"\S*[@/]\S*", text)]
        words = [
            _Word(m.group(), m.start(), m.end())
            for m in _WORD.finditer(text)
            if not any(start <= m.start() < end for start, end in kept)
        ]
        pieces: list[str] = []
        position = 0
        i = 0
        while i < len(words):
            found = self._best_window(text, words, i)
            if found is None:
                i += 1
                continue
            size, spelling = found
            pieces.append(text[position : words[i].start])
            pieces.append(spelling)
            position = words[i + size - 1].end
            i += size
        pieces.append(text[position:])
        return "".join(pieces)

    def _windows(self, text: str, words: list[_Word], start: int) -> Iterator[list[_Word]]:
        for size in range(1, _MAX_WINDOW + 1):
            window = words[start : start + size]
            if len(window) < size:
                return
            if size > 1 and not _JOINABLE_GAP.fullmatch(text[window[-2].end : window[-1].start]):
                return
            yield window

    def _best_window(self, text: str, words: list[_Word], start: int) -> tuple[int, str] | None:
        """The longest window at ``start`` that is a catalog name, or a clear near match."""
        best: tuple[float, int, str] | None = None
        for window in self._windows(text, words, start):
            folded = [w.text.casefold() for w in window]
            if folded[0] in FUNCTION_WORDS or folded[-1] in FUNCTION_WORDS:
                continue
            if any(not w.isalpha() for w in folded):
                continue  # digits: sizes, quantities, order numbers
            key = "".join(_key(w) for w in folded)
            spelling = self._match(key, folded)
            if spelling is None:
                continue
            score = 100.0 if _key(spelling) == key else 99.0
            if best is None or (score, len(window)) > (best[0], best[1]):
                best = (score, len(window), spelling)
        if best is None:
            return None
        _score, size, spelling = best
        original = text[words[start].start : words[start + size - 1].end]
        if spelling == original or (size == 1 and _fold(original) in self._protected):
            return None
        if _fold(spelling) == _fold(original) and spelling.islower():
            return None  # "Rain Jacket" said as a product word: nothing to fix
        return size, spelling

    def _match(self, key: str, folded: list[str]) -> str | None:
        target = self._targets.get(key)
        if target is not None:
            if len(folded) == 1 and folded[0] in self._protected:
                return None
            return target.spelling
        # a near match: never for ordinary words alone, nor for windows of ordinary words
        if all(w in self._protected for w in folded):
            return None
        if len(key) < 5:
            return None
        scored = process.extract(key, self._keys, scorer=fuzz.ratio, limit=2)
        if not scored:
            return None
        best_key, best_score, _ = scored[0]
        best_target = self._targets[best_key]
        if best_target.cutoff is None or best_score < best_target.cutoff:
            return None
        if (
            len(scored) > 1
            and scored[1][1] > best_score - 5
            and self._targets[scored[1][0]].family != best_target.family
        ):
            return None  # two catalog names are about as close: not a clear hearing
        return best_target.spelling


__all__ = ["COMMON_WORDS", "CatalogVocabulary", "VocabularyUnavailable"]
