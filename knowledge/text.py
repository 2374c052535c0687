"""Text normalisation shared by the query parser, the lexical indexes and the FAQ.

One tokenizer for documents and queries, so that "Shoes", "shoe" and "SHOES" meet in
the BM25 index and in the parser's vocabulary look-ups.
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?")
# A measure written after a number, in one spelling: "30 in.", "30in", '30"' and
# "30 inches" all become "30 inch", so "in" after a number is not lost as a stop word.
UNITS: dict[str, str] = {
    "in": "inch",
    "inch": "inch",
    "inches": "inch",
    "ft": "ft",
    "feet": "ft",
    "foot": "ft",
    "mm": "mm",
    "cm": "cm",
    "m": "m",
    "lb": "lb",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
    "oz": "oz",
    "gal": "gal",
    "gallon": "gal",
    "gallons": "gal",
    "qt": "qt",
    "v": "volt",
    "volt": "volt",
    "volts": "volt",
    "w": "watt",
    "watt": "watt",
    "watts": "watt",
}
_GLUED_UNIT_RE = re.compile(
    r"(?<=\d)(" + "|".join(sorted(UNITS, key=len, reverse=True)) + r")\b|(?<=\d)\s*\"", re.I
)

# Words that carry no meaning for product or FAQ retrieval.
STOPWORDS: frozenset[str] = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "from",
        "by",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "will",
        "shall",
        "should",
        "have",
        "has",
        "had",
        "any",
        "some",
        "please",
        "show",
        "find",
        "looking",
        "look",
        "want",
        "need",
        "get",
        "got",
        "there",
        "what",
        "which",
        "who",
        "how",
        "where",
        "when",
        "much",
        "many",
        "me",
        "us",
        "them",
        "they",
        "as",
        "if",
        "into",
        "about",
        "than",
        "so",
        "just",
        "also",
    ]
)


def fold(text: str) -> str:
    """Lower case, accents removed ("Écru" -> "ecru"), typographic dashes made plain."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("\u2019", "'").lower()


def singular(word: str) -> str:
    """A crude English singular, applied the same way to documents and queries."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _unglue(match: re.Match[str]) -> str:
    return f" {match.group(1) or 'inch'}"


def words(text: str) -> list[str]:
    """Folded word tokens in order, stop words kept (the parser needs them)."""
    folded = _GLUED_UNIT_RE.sub(_unglue, fold(text))
    return _TOKEN_RE.findall(folded.replace("-", " "))


def _is_number(word: str) -> bool:
    return word[:1].isdigit() and word.replace(".", "").replace(",", "").isdigit()


def tokens(text: str) -> list[str]:
    """Index/query terms: folded, singular, stop words removed, units after numbers kept."""
    terms: list[str] = []
    previous = ""
    for word in words(text):
        if _is_number(previous) and word in UNITS:
            terms.append(UNITS[word])
        elif word not in STOPWORDS:
            terms.append(singular(word))
        previous = word
    return terms


def normalise_term(text: str) -> str:
    """A vocabulary term in comparable form: "Running Shoes" -> "running shoe"."""
    return " ".join(singular(w) for w in words(text))
