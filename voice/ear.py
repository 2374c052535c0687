"""What the shopper said, as the NLU expects to read it: the recogniser's text normalised.

Whisper writes what it hears as a sentence ("Where is my order? One, two, one, eight, six.");
the NLU was trained on typed chat ("where is my order 12186"). ``normalise`` closes that gap
and changes nothing else:

1. e-mail addresses said or spelled: "m a e l l e dot clement at example dot com" ->
   "maelle.clement@example.com" ("underscore", "dash", "plus" too; a domain needs a "dot");
2. numbers said as words become digits ("fifty" -> "50", "twenty five" -> "25", "one
   hundred and twenty" -> "120"); a run of single digits is one number ("one two one eight
   six" -> "12186", also "1 2 1 8 6" and whisper's "1 to 1, 8, 6"), and so is a run of
   groups after "order", "number", "track", "cancel", "return" or "refund" or on its own
   ("twelve one eighty six" -> "12186") when it makes an order number (5 to 8 digits); two
   groups in a price ("under forty nine ninety", "forty nine ninety euros") are euros and
   cents ("49.90");
3. "one" alone stays a word ("that one", "one of those", "one size"), like "first",
   "second" and "someone": the NLU knows them as words;
4. a trailing "." goes (whisper ends every sentence with one); other punctuation and the
   capitals stay, they do the NLU no harm;
5. with a ``CatalogVocabulary``, misheard brand and product names take the catalog spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shop.number_words import TEENS, TENS, UNITS, cardinal
from voice.vocabulary import CatalogVocabulary


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# words after which two numbers are a price ("under forty nine ninety"), and words after one
PRICE_BEFORE = _words(
    "under below over above around about max maximum budget between from costs cost pay spend than"
)
CURRENCY = _words("euro euros eur bucks dollars dollar pounds quid €")
# words before an order number (within a few words): the run is one number
ORDER_CONTEXT = _words(
    "order orders number no track tracking cancel return refund parcel package delivery shipment #"
)
# what may stand before an order number said on its own ("it's one two ...")
FILLERS = _words(
    "it it's its is that's thats the my number order um uh er erm yes yeah sure ok okay so well"
)
ORDER_DIGITS = range(5, 9)  # the shop's order numbers: 5 to 8 digits
# what whisper writes for a digit said among digits
HOMOPHONES = {"to": "2", "too": "2", "for": "4", "oh": "0", "o": "0"}
# words that do not start an e-mail address's digits ("is 23" is not "is23")
FUNCTION_WORDS = _words("is a an the my me to and or at was it's its")

# e-mail parts said aloud
EMAIL_CONNECTORS = {
    "dot": ".",
    "period": ".",
    "point": ".",
    "underscore": "_",
    "dash": "-",
    "hyphen": "-",
    "minus": "-",
    "plus": "+",
}
_TOP_LEVEL = re.compile(r"[a-z]{2,6}")
_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")

# a word with inner dots, hyphens, apostrophes or @ ("maelle.clement@example.com", "49.90",
# "t-shirt", "it's"), or one other character that is not a space
_TOKEN = re.compile(r"[^\W_]+(?:[.'’@+_-][^\W_]+)*|[^\w\s]")


@dataclass
class _Token:
    text: str
    gap: str  # the spaces and punctuation before it (punctuation is its own token too)

    @property
    def low(self) -> str:
        return self.text.casefold()


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    for match in _TOKEN.finditer(text):
        tokens.append(_Token(match.group(), text[position : match.start()]))
        position = match.end()
    tokens.append(_Token("", text[position:]))  # the end, with trailing spaces
    return tokens


def _join(tokens: list[_Token]) -> str:
    return "".join(t.gap + t.text for t in tokens)


# e-mail addresses ---------------------------------------------------------------------


def _is_letter(token: _Token) -> bool:
    return len(token.text) == 1 and token.text.isalpha()


def _email_part(token: _Token) -> bool:
    """A word that can be part of an address: letters, digits, a spelled letter."""
    return bool(re.fullmatch(r"[^\W_]+(?:[._+-][^\W_]+)*", token.text))


def _domain(tokens: list[_Token], start: int) -> tuple[str, int] | None:
    """The domain said from ``start`` ("example dot com", "example.com") and where it ends."""
    labels: list[str] = []
    i = start
    while i < len(tokens) and _email_part(tokens[i]) and tokens[i].low not in EMAIL_CONNECTORS:
        label = tokens[i].low
        j = i + 1
        while j < len(tokens) and _is_letter(tokens[j]) and _is_letter(tokens[j - 1]):
            label += tokens[j].low  # spelled: "g m x"
            j += 1
        labels.append(label)
        i = j
        if i + 1 < len(tokens) and tokens[i].low in ("dot", "period", "point", "."):
            if tokens[i].low == "." and tokens[i].gap:
                break
            i += 1
            continue
        break
    domain = ".".join(labels)
    last = domain.rsplit(".", 1)
    if len(last) < 2 or not _TOP_LEVEL.fullmatch(last[1]):
        return None
    return domain, i


def _local_part(tokens: list[_Token], at: int) -> tuple[str, int] | None:
    """The words before "at" that make the local part, and where they start."""
    i = at - 1
    parts: list[str] = []
    while i >= 0 and _email_part(tokens[i]) and tokens[i].low not in EMAIL_CONNECTORS:
        if tokens[i].gap.strip():
            break  # punctuation before it: "Yes, john at ..." starts at "john"
        parts.insert(0, tokens[i].low)
        previous = tokens[i - 1] if i > 0 else None
        if previous is not None and previous.low in EMAIL_CONNECTORS and i >= 2:
            parts.insert(0, EMAIL_CONNECTORS[previous.low])
            i -= 2
            continue
        if (
            previous is not None
            and _email_part(previous)
            and (
                (_is_letter(previous) and _is_letter(tokens[i]))
                or (previous.text.isdigit() and not tokens[i].text.isdigit())
                or (tokens[i].text.isdigit() and previous.low not in FUNCTION_WORDS)
            )
        ):
            i -= 1  # spelled letters run together ("m a e l l e"), digits join ("john 23")
            continue
        break
    if not parts or parts[0] in EMAIL_CONNECTORS.values():
        return None
    return "".join(parts), i


def _emails(tokens: list[_Token]) -> list[_Token]:
    i = 0
    while i < len(tokens):
        if tokens[i].low in ("at", "@") and i > 0:
            domain = _domain(tokens, i + 1)
            local = _local_part(tokens, i) if domain else None
            if domain and local:
                address = f"{local[0]}@{domain[0]}"
                if _EMAIL.fullmatch(address):
                    start, end = local[1], domain[1]
                    merged = _Token(address, tokens[start].gap)
                    tokens[start:end] = [merged]
                    i = start + 1
                    continue
        i += 1
    return tokens


# numbers ------------------------------------------------------------------------------


def _word_value(low: str) -> int | None:
    for table in (UNITS, TEENS, TENS):
        if low in table:
            return table[low]
    return None


@dataclass
class _Group:
    """One number in a run: "twenty five" (25), "twelve", or "186" written as digits."""

    digits: str
    start: int  # token indexes, end exclusive
    end: int
    from_words: bool
    single_digit_word: bool = False
    lone_one: bool = False

    @property
    def value(self) -> int:
        return int(self.digits)


def _split_joined(tokens: list[_Token]) -> list[_Token]:
    """ "twenty-five" -> "twenty five"; "1-2-1-8-6" -> digits one by one; spelled
    "M-A-E-L-L-E" -> "maelle"."""
    out: list[_Token] = []
    for token in tokens:
        parts = token.text.split("-")
        letters = re.split(r"[.-]", token.text)
        if len(letters) >= 3 and all(len(p) == 1 and p.isalpha() for p in letters):
            out.append(_Token(token.text.casefold().replace("-", "").replace(".", ""), token.gap))
        elif len(parts) > 1 and all(
            _word_value(p.casefold()) is not None or p.isdigit() for p in parts
        ):
            out.append(_Token(parts[0], token.gap))
            out.extend(_Token(p, " ") for p in parts[1:])
        else:
            out.append(token)
    return out


def _numberish(tokens: list[_Token], i: int) -> bool:
    low = tokens[i].low
    if low.isdigit() or _word_value(low) is not None or low in ("hundred", "thousand"):
        return True
    following = tokens[i + 1].low if i + 1 < len(tokens) else ""
    if low == "a" and following in ("hundred", "thousand"):
        return True
    if low == "and":  # "one hundred and twenty"
        previous = tokens[i - 1].low if i > 0 else ""
        return previous in ("hundred", "thousand") and _word_value(following) is not None
    if low in ("oh", "o"):  # zero inside a run of digits: "one oh two"
        previous = tokens[i - 1].low if i > 0 else ""
        return _word_value(previous) is not None and _word_value(following) is not None
    return False


def _run_gap_ok(gap: str) -> bool:
    """Words of one run are apart by spaces, maybe a comma: "one, two, one"."""
    return bool(re.fullmatch(r"\s*,?\s+|\s+", gap)) or gap == ""


def _groups(tokens: list[_Token], start: int, end: int) -> list[_Group]:
    """The numbers of the run ``tokens[start:end]``; a comma ends a number ("forty, two")."""
    groups: list[_Group] = []
    segment: list[int] = []
    for k in [*range(start, end), end]:
        if k < end and tokens[k].text != ",":
            segment.append(k)
        elif segment:
            groups.extend(_segment_groups(tokens, segment))
            segment = []
    return groups


def _segment_groups(tokens: list[_Token], indexes: list[int]) -> list[_Group]:
    words = [("zero" if tokens[k].low in ("oh", "o") else tokens[k].low) for k in indexes]
    groups: list[_Group] = []
    i = 0
    while i < len(words):
        if words[i].isdigit():
            groups.append(_Group(words[i], indexes[i], indexes[i] + 1, from_words=False))
            i += 1
            continue
        parsed = cardinal(words, i)
        if parsed is None:  # a stray "and" or "hundred"
            groups.append(_Group("", indexes[i], indexes[i] + 1, from_words=True))
            i += 1
            continue
        value, used = parsed
        single = used == 1 and words[i] in UNITS
        groups.append(
            _Group(
                str(value),
                indexes[i],
                indexes[i + used - 1] + 1,
                from_words=True,
                single_digit_word=single,
                lone_one=single and words[i] == "one",
            )
        )
        i += used
    return groups


def _words_before(tokens: list[_Token], index: int, distance: int) -> list[str]:
    return [t.low for t in tokens[max(0, index - distance) : index]]


def _order_context(tokens: list[_Token], start: int, end: int) -> bool:
    if any(w in ORDER_CONTEXT for w in _words_before(tokens, start, 4)):
        return True
    # the number said on its own, as the answer to "what is your order number?"
    words_before = [t.low for t in tokens[:start] if t.text[:1].isalnum()]
    after = [t.low for t in tokens[end:] if t.text[:1].isalnum()]
    return not after and all(w in FILLERS for w in words_before)


def _price_context(tokens: list[_Token], start: int, end: int) -> bool:
    before = tokens[start - 1].low if start > 0 else ""
    after = tokens[end].low if end < len(tokens) else ""
    return before in PRICE_BEFORE or before == "€" or after in CURRENCY


def _render(tokens: list[_Token], start: int, end: int) -> list[_Token]:
    """The run ``tokens[start:end]`` with its numbers as digits."""
    groups = _groups(tokens, start, end)
    gap = tokens[start].gap
    if any(not g.digits for g in groups):
        return tokens[start:end]  # not a number after all ("and" alone)
    joined = "".join(g.digits for g in groups)
    if (
        len(groups) == 2
        and groups[0].from_words
        and groups[1].from_words
        and 10 <= groups[1].value <= 99
        and _price_context(tokens, start, end)
    ):
        euros = groups[0].value
        if groups[0].single_digit_word:  # "under one fifty": 150
            return [_Token(str(euros * 100 + groups[1].value), gap)]
        return [_Token(f"{euros}.{groups[1].value:02d}", gap)]  # "forty nine ninety"
    if len(groups) >= 2:
        every_digit = all(
            g.single_digit_word or (not g.from_words and len(g.digits) == 1) for g in groups
        )
        if (every_digit and len(groups) >= 3) or (
            len(joined) in ORDER_DIGITS and _order_context(tokens, start, end)
        ):
            return [_Token(joined, gap)]
    out: list[_Token] = []
    position = start
    for group in groups:
        out.extend(tokens[position : group.start])  # commas between numbers stay
        if group.lone_one or not group.from_words:
            out.extend(tokens[group.start : group.end])
        else:
            out.append(_Token(group.digits, tokens[group.start].gap))
        position = group.end
    out.extend(tokens[position:end])
    return out


def _single_digit(token: _Token) -> bool:
    return (len(token.text) == 1 and token.text.isdigit()) or token.low in UNITS


def _digit_homophones(tokens: list[_Token]) -> list[_Token]:
    """In a run of 5 to 8 single digits (an order number said digit by digit), "to" and
    "too" are 2, "for" is 4 and "oh" is 0: whisper writes "1 to 1, 8, 6". Shorter runs keep
    their words ("sizes 4 to 6")."""
    i = 0
    while i < len(tokens):
        if not _single_digit(tokens[i]):
            i += 1
            continue
        items = [i]
        j = i + 1
        while j < len(tokens):
            token = tokens[j]
            if token.text == "," and not token.gap:
                j += 1
            elif _run_gap_ok(token.gap) and (_single_digit(token) or token.low in HOMOPHONES):
                items.append(j)
                j += 1
            else:
                break
        while tokens[items[-1]].low in HOMOPHONES:
            items.pop()
        if len(items) in ORDER_DIGITS and any(tokens[k].low in HOMOPHONES for k in items):
            for k in items:
                if tokens[k].low in HOMOPHONES:
                    tokens[k] = _Token(HOMOPHONES[tokens[k].low], tokens[k].gap)
        i = items[-1] + 1
    return tokens


def _numbers(tokens: list[_Token]) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        if not tokens[i].text or not _numberish(tokens, i) or tokens[i].low in ("and", "oh", "o"):
            out.append(tokens[i])
            i += 1
            continue
        end = i + 1
        while end < len(tokens):
            if _run_gap_ok(tokens[end].gap) and _numberish(tokens, end):
                end += 1
            elif (  # "one, two, one": a comma between two numbers stays in the run
                tokens[end].text == ","
                and not tokens[end].gap
                and end + 1 < len(tokens)
                and _run_gap_ok(tokens[end + 1].gap)
                and _numberish(tokens, end + 1)
                and tokens[end + 1].low not in ("and", "a", "oh", "o")
            ):
                end += 2
            else:
                break
        while end - 1 > i and tokens[end - 1].low in ("and", "a"):
            end -= 1
        out.extend(_render(tokens, i, end))
        i = end
    return out


def _euros_and_cents(text: str) -> str:
    """ "49 euros 90" -> "49.90 euros" (the cents said after the currency)."""
    return re.sub(
        r"\b(\d+) (euros?|bucks) (\d{2})(?= cents\b|[.,!?]|$)(?: cents)?",
        lambda m: f"{m.group(1)}.{m.group(3)} {m.group(2)}",
        text,
    )


def normalise(transcript: str, vocabulary: CatalogVocabulary | None = None) -> str:
    """The recogniser's text as the NLU reads it (see the module's docstring)."""
    text = " ".join(transcript.split())
    text = re.sub(r"[.…]+$", "", text).strip()
    if not text:
        return ""
    tokens = _split_joined(_tokens(text))
    tokens = _emails(_numbers(_digit_homophones(tokens)))
    text = _euros_and_cents(_join(tokens).strip())
    text = re.sub(r"€\s?(\d+(?:\.\d{2})?)|(\d+(?:\.\d{2})?)\s?€", r"\1\2 euros", text)
    if vocabulary is not None:
        text = vocabulary.correct(text)
    return text


__all__ = ["normalise"]
