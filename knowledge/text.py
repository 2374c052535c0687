"""Text normalisation shared by the query parser, the lexical indexes and the FAQ.

One tokenizer for documents and queries, so that "Shoes", "shoe" and "SHOES" meet in
the BM25 index and in the parser's vocabulary look-ups.
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?")

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


def words(text: str) -> list[str]:
    """Folded word tokens in order, stop words kept (the parser needs them)."""
    return _TOKEN_RE.findall(fold(text).replace("-", " "))


def tokens(text: str) -> list[str]:
    """Index/query terms: folded, singular, stop words removed."""
    return [singular(w) for w in words(text) if w not in STOPWORDS]


def normalise_term(text: str) -> str:
    """A vocabulary term in comparable form: "Running Shoes" -> "running shoe"."""
    return " ".join(singular(w) for w in words(text))
