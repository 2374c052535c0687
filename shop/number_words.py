"""English numbers written as words: "fifty" (50), "forty two" (42), "one hundred and twenty"
(120), "a thousand" (1000).

Shared by the voice gateway's ear (voice/ear.py: whisper's words to the digits the NLU reads)
and the catalog query parser (knowledge/query_parser.py: "under fifty euros", "size forty
two" typed by a shopper). The readers take a list of lower-case words and a position and give
``(value, words used)`` or None; deciding *where* a number is meant (a lone "one" is usually
a pronoun) is the caller's business.
"""

from __future__ import annotations

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}


def small_number(words: list[str], i: int) -> tuple[int, int] | None:
    """1..99 at ``i``: ("twenty", "five") -> (25, 2 words)."""
    if i >= len(words):
        return None
    low = words[i]
    if low in TENS:
        if i + 1 < len(words) and words[i + 1] in UNITS and words[i + 1] != "zero":
            return TENS[low] + UNITS[words[i + 1]], 2
        return TENS[low], 1
    if low in TEENS:
        return TEENS[low], 1
    if low in UNITS:
        return UNITS[low], 1
    return None


def below_thousand(words: list[str], i: int) -> tuple[int, int] | None:
    """1..999 ("one hundred and twenty", "a hundred", "twelve hundred" is 1200)."""
    first = small_number(words, i)
    if i < len(words) and words[i] == "a" and i + 1 < len(words) and words[i + 1] == "hundred":
        first = (1, 1)
    if first is None:
        return None
    value, used = first
    if i + used < len(words) and words[i + used] == "hundred" and value < 100:
        value *= 100
        used += 1
        j = i + used
        if j + 1 < len(words) and words[j] == "and" and small_number(words, j + 1):
            j += 1
        rest = small_number(words, j)
        if rest is not None:
            value += rest[0]
            used = j + rest[1] - i
    return value, used


def cardinal(words: list[str], i: int) -> tuple[int, int] | None:
    """A number said as words at ``i``, up to 999,999: (value, words used)."""
    head = below_thousand(words, i)
    if head is None:
        if i + 1 < len(words) and words[i] == "a" and words[i + 1] == "thousand":
            head = (1, 1)
        else:
            return None
    value, used = head
    if i + used < len(words) and words[i + used] == "thousand":
        value *= 1000
        used += 1
        j = i + used
        if j + 1 < len(words) and words[j] == "and" and small_number(words, j + 1):
            j += 1
        rest = below_thousand(words, j)
        if rest is not None:
            value += rest[0]
            used = j + rest[1] - i
    return value, used
