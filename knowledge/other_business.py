"""Another business named in a shopper's message, where the message speaks of it.

"where is my amazon package", "what's the return policy at Decathlon?", "how do I redeem a
Steam gift card", "the CAF website": the words are the shop's (package, return policy,
gift card, website), so the FAQ finds its own entries confidently and the order form asks
for an order number, yet the shopper asks about someone else's parcel, rules or service,
which this shop cannot answer for. ``OtherBusinesses.named_in(text)`` finds such a name:

- a listed name (``knowledge/data/other_businesses.txt``, any case) after "at", "on",
  "from", "chez", "sur", or before a business noun ("order", "package", "account", "app",
  "website", "warranty", "gift card", "return policy", "commande", "colis" ...);
- a capitalised name that neither the FAQ nor the catalog uses, before a business noun
  ("my IKEA order", "the McDonald's app", "Apple warranty"), or after "at" at the end of a
  clause ("at Galeries Lafayette?").

A name the shop itself uses is never another business: a listed name counts only if neither
the catalog's brands nor the FAQ's answers (which name the carriers and ways to pay the shop
uses) say it, and a capitalised name only if one of its words is in neither the catalog's
vocabulary nor any phrasing of the FAQ. Capitalised words elsewhere ("my brother lives in
Madrid") and places the FAQ knows before a noun ("the Lyon store") are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

OTHER_BUSINESSES_FILE = Path(__file__).resolve().parent / "data" / "other_businesses.txt"

_NOUNS = (
    r"orders?|packages?|parcels?|deliver(?:y|ies)|accounts?|apps?|application|websites?"
    r"|web ?site|site|online (?:shop|store)|stores?|shops?|warranty|guarantee|gift ?cards?"
    r"|vouchers?|(?:return|returns|refund|delivery|shipping) polic(?:y|ies)|customer service"
    r"|support|subscriptions?|membership|loyalty (?:card|points)|points|promo codes?"
    r"|commandes?|colis|comptes?|appli|magasins?|boutiques?|carte cadeau"
)
_NOUN = rf"(?:{_NOUNS})(?![\w-])"
_POSSESSIVE = r"(?:['’]s)?"
# a capitalised word: "IKEA", "McDonald's", "Galeries", "H&M", "Booking.com"
_CAPITALISED = r"[A-Z][\w&’'.-]*[\w&]"
_CAPITALISED_RUN = re.compile(rf"(?<![\w&'’.-])({_CAPITALISED}(?: {_CAPITALISED}){{0,2}})")
_CLAUSE_END = r"\s*(?:[?!.,;:)]|$)"
_WORD = re.compile(r"[a-zà-ÿ0-9&]+(?:['’][a-z]+)?")
# Capitalised words that name no business: the calendar, and words shoppers capitalise.
_ORDINARY_WORDS = (
    "i i'm i've i'd i'll monday tuesday wednesday thursday friday saturday sunday "
    "january february march april may june july august september october november december "
    "christmas xmas easter noël noel black cyber mother's father's valentine's "
    "ok okay hello hi hey please thanks asap urgent"
)
_ORDINARY = frozenset(_ORDINARY_WORDS.split())


def _words(text: str) -> set[str]:
    return {w.replace("’", "'") for w in _WORD.findall(text.casefold())}


class OtherBusinesses:
    """Finds another business named in a message (see the module's docstring)."""

    def __init__(
        self, names: Iterable[str], *, own_texts: Iterable[str], known_texts: Iterable[str]
    ) -> None:
        """``own_texts``: what the shop says of itself (the FAQ's answers, the catalog's
        brands); ``known_texts``: every word the shop and its shoppers use (the FAQ's
        phrasings and answers, the catalog's vocabulary)."""
        known: set[str] = set(_ORDINARY)
        for text in known_texts:
            known |= _words(text)
        self._known = frozenset(known)
        own = " ".join(" ".join(text.casefold().split()) for text in own_texts)
        listed = sorted(
            {" ".join(n.casefold().split()) for n in names if n.strip()}, key=len, reverse=True
        )
        # a listed name the shop uses itself (a brand it sells, a carrier its FAQ names)
        listed = [n for n in listed if not re.search(rf"(?<!\w){re.escape(n)}(?!\w)", own)]
        self.names = tuple(listed)
        self._listed: re.Pattern[str] | None = None
        if listed:
            alternatives = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in listed)
            name = rf"(?<![\w&])(?:{alternatives}){_POSSESSIVE}(?![\w&])"
            self._listed = re.compile(
                rf"\b(?:at|on|from|chez|sur)\s+(?:the\s+)?({name})|({name})\s+{_NOUN}",
                re.IGNORECASE,
            )
        self._before_noun = re.compile(rf"^{_POSSESSIVE}\s+{_NOUN}", re.IGNORECASE)
        self._after_at = re.compile(r"\bat\s+(?:the\s+)?$", re.IGNORECASE)

    @classmethod
    def from_file(
        cls,
        *,
        own_texts: Iterable[str],
        known_texts: Iterable[str],
        path: Path = OTHER_BUSINESSES_FILE,
    ) -> OtherBusinesses:
        names = [
            line.strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
        return cls(names, own_texts=own_texts, known_texts=known_texts)

    def named_in(self, text: str) -> str | None:
        """The other business the message speaks of, as written; None if it names none."""
        if self._listed is not None:
            found = self._listed.search(text)
            if found:
                return (found.group(1) or found.group(2)).strip()
        if sum(c.isupper() for c in text) > sum(c.islower() for c in text):
            return None  # a shouted message: capitals say nothing about names
        for run in _CAPITALISED_RUN.finditer(text):
            words = run.group(1).split(" ")
            before = text[: run.start()].rstrip()
            first_of_sentence = not before or before[-1] in ".!?"
            start = 1 if first_of_sentence else 0  # capitalised anyway
            after = text[run.end() :]
            # the name may end inside the run ("Apple Store": the noun is capitalised too)
            for end in range(len(words), start, -1):
                name = words[start:end]
                if all(_words(w) <= self._known for w in name):
                    continue
                rest = "".join(" " + w for w in words[end:]) + after
                if self._before_noun.match(rest):
                    return " ".join(name)
                at_start = start == 0 and self._after_at.search(before + " ")
                if end == len(words) and at_start and re.match(_CLAUSE_END, after):
                    return " ".join(name)
        return None
