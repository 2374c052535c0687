"""Rasa's messages of one turn as sentences to speak.

The bot writes for a screen: markdown, lists of results, cards beside the text, links,
prices as "49.90 EUR", order numbers as "12186". Read aloud as is, that is a minute of
noise. ``speech_for`` turns one turn's messages into short sentences, in order, that the
gateway synthesises one by one (audio starts with the first):

- a ``products`` card (two or more): one intro ("I found 12 rain jackets."), at most three
  options by name and price ("The Nordpeak Swift Rain Jacket, 89 euros 90."), then "Say
  the first, second or third, or ask me to narrow it down." instead of the text's list;
- a ``cart`` card: the text without its list lines, and the number of items and subtotal;
- an ``order`` card: its text ("Order 1 2 1 8 6 is shipped. Carrier: Colissimo.") without
  the tracking code, or from the card when the text does not name the order;
- ``handoff`` and ``agent_message`` cards: who the shopper is talking to;
- any text: without markdown (bold, italics, bullets, headings), links read by their label,
  bare URLs, tables and emoji dropped, prices read naturally ("49 euros 90", "50 euros"),
  order numbers digit by digit ("order 1 2 1 8 6") so Piper reads them one by one,
  e-mail addresses with "at" and "dot";
- buttons: "You can say: View cart or Checkout." (at most three).

``split_sentences`` cuts a text at sentence ends and line breaks, but not after "e.g.",
"No." before a number, "St." and other abbreviations, nor inside decimals.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

MAX_OPTIONS = 3
ORDINALS = ("first", "second", "third")
CURRENCY_WORDS = {
    "EUR": ("euro", "euros"),
    "€": ("euro", "euros"),
    "USD": ("dollar", "dollars"),
    "$": ("dollar", "dollars"),
    "GBP": ("pound", "pounds"),
    "£": ("pound", "pounds"),
    "CHF": ("franc", "francs"),
}
MONTHS = {
    "Jan": "January",
    "Feb": "February",
    "Mar": "March",
    "Apr": "April",
    "Jun": "June",
    "Jul": "July",
    "Aug": "August",
    "Sep": "September",
    "Sept": "September",
    "Oct": "October",
    "Nov": "November",
    "Dec": "December",
}
# a full stop after these does not end a sentence
ABBREVIATIONS = frozenset(
    ("e.g", "i.e", "vs", "approx", "incl", "excl", "st", "mr", "mrs", "ms", "dr", "prof")
)

_CODES = "|".join(re.escape(code) for code in CURRENCY_WORDS if code.isalpha())
_SYMBOLS = "".join(re.escape(code) for code in CURRENCY_WORDS if not code.isalpha())
_AMOUNT = r"(\d{1,3}(?:,\d{3})+|\d+)(?:[.,](\d{2}))?"
_PRICE_AFTER = re.compile(rf"{_AMOUNT}\s?({_CODES}|[{_SYMBOLS}])(?![A-Za-z])")
_PRICE_BEFORE = re.compile(rf"(?<![A-Za-z])({_CODES}|[{_SYMBOLS}])\s?{_AMOUNT}")
_ORDER_NUMBER = re.compile(r"(?i)\b(orders?|number|no\.?|nr\.?)(\s+#?|\s*#)(\d{5,})\b")
_HASH_NUMBER = re.compile(r"#(\d{5,})\b")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
# a link and the word that points at it: "see https://...", "at www...."
_URL = re.compile(
    r"(?i)(?:\s*\b(?:at|on|see|visit|via|here)\b:?)?\s*(?:https?://|www\.|mailto:)\S+"
)
_EMAIL = re.compile(r"\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b")
_BULLET = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LIST_LINE = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_TRACKING = re.compile(r"\s*\(tracking [^)]*\)")
_SENTENCE_END = re.compile(r"([.!?…]+)([\"')\]]*)\s+")


# sentences ----------------------------------------------------------------------------


def _ends_with_abbreviation(text: str, following: str) -> bool:
    """Whether the full stop ending ``text`` belongs to an abbreviation ("e.g.", "St.")."""
    words = text.split()
    core = words[-1].strip("(\"'").rstrip(".").casefold() if words else ""
    if core in ("no", "nr"):
        return following[:1].isdigit()  # "No. 5" but "The answer is no. Sorry."
    return core in ABBREVIATIONS or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", core))


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, each stripped; a line break always ends one."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = " ".join(line.split())
        start = 0
        for match in _SENTENCE_END.finditer(line):
            end = match.end(2)
            candidate = line[start:end]
            following = line[match.end() :]
            if match.group(1) == "." and _ends_with_abbreviation(candidate, following):
                continue
            if following[:1].islower():
                continue  # "approx. two days", "etc. and so on"
            sentences.append(candidate.strip())
            start = match.end()
        rest = line[start:].strip()
        if rest:
            sentences.append(rest)
    return [s for s in sentences if any(c.isalnum() for c in s)]


# words for the ear ----------------------------------------------------------------------


def _amount(whole: str, cents: str | None, code: str) -> str:
    one, many = CURRENCY_WORDS.get(code.upper() if code.isalpha() else code, (code, code))
    euros = int(whole.replace(",", ""))
    unit = one if euros == 1 else many
    if cents is None or int(cents) == 0:
        return f"{euros} {unit}"
    return f"{euros} {unit} {int(cents)}"


def say_price(text: str) -> str:
    """ "€49.90", "49.90 EUR" -> "49 euros 90"; "€50.00" -> "50 euros"."""
    text = _PRICE_BEFORE.sub(lambda m: _amount(m.group(2), m.group(3), m.group(1)), text)
    return _PRICE_AFTER.sub(lambda m: _amount(m.group(1), m.group(2), m.group(3)), text)


def digit_by_digit(number: str) -> str:
    """ "12186" -> "1 2 1 8 6": Piper reads each digit."""
    return " ".join(number)


def say_order_numbers(text: str) -> str:
    """Order numbers (5 digits or more after "order", "number" or "#") digit by digit."""
    text = _ORDER_NUMBER.sub(lambda m: f"{m.group(1)} {digit_by_digit(m.group(3))}", text)
    return _HASH_NUMBER.sub(lambda m: f"number {digit_by_digit(m.group(1))}", text)


def _say_run(match: re.Match[str]) -> str:
    numbers = [int(n) for n in match.group().split(", ")]
    if all(b - a == 1 for a, b in pairwise(numbers)):
        return f"{numbers[0]} to {numbers[-1]}"
    return match.group()


def say_number_runs(text: str) -> str:
    """Four or more consecutive numbers as a range: "Sizes: 36, 37, 38, 39" -> "36 to 39"."""
    return re.sub(r"(?<![\d.,])\d{1,4}(?:, \d{1,4}){3,}(?![\d.]|,\d)", _say_run, text)


def _say_email(match: re.Match[str]) -> str:
    local = match.group(1).replace(".", " dot ").replace("_", " underscore ")
    domain = match.group(2).replace(".", " dot ")
    return " ".join(f"{local} at {domain}".split())


def _is_emoji(char: str) -> bool:
    if char in "\u200d\ufe0f\ufe0e\u20e3" or ord(char) >= 0x1F000:
        return True  # joiners, variation selectors, the emoji planes (skin tones too)
    return unicodedata.category(char) == "So" and ord(char) > 0x2000


def plain(text: str) -> str:
    """One line of chat text as words to speak (markdown, links, emoji and codes gone)."""
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _URL.sub("", text)
    text = _EMAIL.sub(_say_email, text)
    text = "".join(c for c in text if not _is_emoji(c))
    bullet = _BULLET.match(text)
    text = _BULLET.sub("", text)
    if bullet:
        text = text[:1].upper() + text[1:]  # "- find products" -> "Find products"
    text = re.sub(r"^\s*#{1,6}\s+", "", text)  # headings
    text = re.sub(r"^\s*>\s?", "", text)  # quotes
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = _TRACKING.sub("", text)
    text = re.sub(r"\be\.g\.,?(?=\s)", "for example", text)
    text = re.sub(r"\bi\.e\.,?(?=\s)", "that is", text)
    text = say_price(text)
    text = say_order_numbers(text)
    text = say_number_runs(text)
    text = re.sub(r"\b(\d+) x (?=\S)", r"\1 ", text)  # "2 x Jacket"
    text = text.replace(" & ", " and ")  # "Ardent & Co"
    text = re.sub(r"\b(\d+)\s?-\s?(\d+)\b", r"\1 to \2", text)  # "2-4 days", "1-3 of 40"
    text = re.sub(r"\s+-\s+", ", ", text)  # "Jacket - from 49 euros" separators
    months = "|".join(MONTHS)
    text = re.sub(rf"\b(\d{{1,2}}) ({months})\b\.?", lambda m: f"{m[1]} {MONTHS[m[2]]}", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    return " ".join(text.split()).strip(" ,;")


def _speakable_lines(text: str, *, skip_lists: bool = False) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines():
        if raw.strip().startswith("|") or _TABLE_RULE.match(raw):
            continue  # tables are for the eye
        if skip_lists and _LIST_LINE.match(raw):
            continue
        line = plain(raw)
        if not line or not any(c.isalnum() for c in line):
            continue
        if line[-1] not in ".!?:;":
            line += "."
        lines.append(line)
    return lines


def _unwrapped(sentence: str) -> str:
    """ "(For example wrong size.)" -> "For example wrong size." """
    inner = re.fullmatch(r"\((.*)\)([.!?]?)", sentence)
    if inner is None or "(" in inner.group(1) or ")" in inner.group(1):
        return sentence
    body = inner.group(1).strip()
    body = body[:1].upper() + body[1:]
    return body if body[-1:] in ".!?" else body + (inner.group(2) or ".")


def sentences_of(text: str, *, skip_lists: bool = False) -> list[str]:
    """The sentences to speak for a chat text."""
    lines = "\n".join(_speakable_lines(text, skip_lists=skip_lists))
    return [_unwrapped(sentence) for sentence in split_sentences(lines)]


def _choices(count: int) -> str:
    named = list(ORDINALS[:count])
    if len(named) == 1:
        return named[0]
    return ", ".join(named[:-1]) + " or " + named[-1]


def _listing(items: Sequence[str], conjunction: str = "or") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


# cards --------------------------------------------------------------------------------

_FOUND = (
    re.compile(r"\bHere are \d+\s*-\s*\d+ of (\d+) matches for (.+?):?\s*$"),
    re.compile(r"\bI found (\d+) for (.+?):?\s*$"),
)


def _found_sentence(count: str, what: str) -> str:
    """ "I found 12 rain jackets." when the shopper's words read as a plural; otherwise
    "I found 5 matches for wireless earbud." (whisper often hears "earbud"), not "5 earbud".
    A products card holds two or more."""
    if what.casefold().endswith("s"):
        return f"I found {count} {what}."
    return f"I found {count} matches for {what}."


def _products_intro(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    if _LIST_LINE.match(header):
        header = ""
    for pattern in _FOUND:
        found = pattern.search(header)
        if found:
            what = re.sub(r"\s*\([^)]*\)", "", found.group(2)).strip() or "products"
            return plain(_found_sentence(found.group(1), what))
    if header:
        spoken = plain(re.sub(r"\s*\(\d+(?: found)?\)", "", header)).rstrip(":")
        return spoken if spoken[-1:] in ".!?" else spoken + "."
    return "Here are some options."


def _product_option(card: Mapping[str, Any]) -> str:
    title = plain(str(card.get("title") or "")).rstrip(".")
    price = say_price(str(card.get("price") or "")).strip()
    parts = [f"The {title}" if title else "This one"]
    if price:
        parts.append(price)
    if card.get("in_stock") is False:
        parts.append("out of stock")
    return ", ".join(parts) + "."


def _products_speech(text: str, products: Sequence[Mapping[str, Any]]) -> list[str]:
    if len(products) <= 1:
        if text.strip():  # one product: its details, as written
            return sentences_of(text)
        return [_product_option(card) for card in products]
    shown = products[:MAX_OPTIONS]
    return [
        _products_intro(text),
        *(_product_option(card) for card in shown),
        f"Say the {_choices(len(shown))}, or ask me to narrow it down.",
    ]


def _cart_speech(text: str, card: Mapping[str, Any]) -> list[str]:
    count = int(card.get("item_count") or 0)
    lines = [
        s
        for s in sentences_of(text, skip_lists=True)
        if not re.match(r"(?i)(cart )?total\b", s)
        and not re.match(r"(?i)cart total\b", s)
        and s.casefold().rstrip(":.") != "in your cart"
    ]
    if count == 0:
        return lines or ["Your cart is empty."]
    subtotal = say_price(str(card.get("subtotal") or "")).strip()
    items = "1 item" if count == 1 else f"{count} items"
    summary = f"Your cart has {items}, {subtotal} in total." if subtotal else f"{items}."
    return [*lines, summary]


def _order_speech(text: str, card: Mapping[str, Any]) -> list[str]:
    """The text when it tells the order's status (its number is read digit by digit and the
    tracking code left out), else the card's number, status and carrier."""
    number = str(card.get("number") or "")
    said = sentences_of(text)
    if number and any(digit_by_digit(number) in sentence for sentence in said):
        return said
    label = str(card.get("status_label") or card.get("status") or "").casefold()
    spoken = [f"Order {digit_by_digit(number)} is {label}." if label else f"Order {number}."]
    tracking = card.get("tracking")
    if isinstance(tracking, Mapping) and tracking.get("carrier"):
        spoken.append(f"Carrier: {tracking['carrier']}.")
    return [*spoken, *said]


def _handoff_speech(text: str, card: Mapping[str, Any]) -> list[str]:
    if text.strip():
        return sentences_of(text)
    state = card.get("state")
    agent = card.get("agent")
    name = agent.get("name") if isinstance(agent, Mapping) else None
    if state == "queued" and card.get("wait_minutes"):
        return [f"An agent will be with you in about {card['wait_minutes']} minutes."]
    if state == "joined" and name:
        return [f"You are talking to {name}."]
    if state == "ended":
        return ["You are back with the shop assistant."]
    return []


def _buttons_speech(buttons: Any) -> list[str]:
    if not isinstance(buttons, list):
        return []
    titles: list[str] = []
    for button in buttons:
        if not isinstance(button, Mapping):
            continue
        title = plain(re.sub(r"^\s*\d{1,2}[.)]\s+", "", str(button.get("title") or "")))
        title = title.rstrip(".")
        if title and title.casefold() not in {t.casefold() for t in titles}:
            titles.append(title)
    if not titles:
        return []
    return [f"You can say: {_listing(titles[:MAX_OPTIONS])}."]


def message_speech(message: Mapping[str, Any]) -> list[str]:
    """The sentences for one Rasa message (text, buttons, custom card)."""
    text = str(message.get("text") or "")
    custom = message.get("custom")
    kind = custom.get("type") if isinstance(custom, Mapping) else None
    buttons = message.get("buttons") or message.get("quick_replies")
    if isinstance(custom, Mapping) and kind == "products":
        products = [p for p in custom.get("products") or () if isinstance(p, Mapping)]
        spoken = _products_speech(text, products)
        return spoken if len(products) > 1 else [*spoken, *_buttons_speech(buttons)]
    if isinstance(custom, Mapping) and kind == "cart":
        spoken = _cart_speech(text, custom)
    elif isinstance(custom, Mapping) and kind == "order":
        spoken = _order_speech(text, custom)
    elif isinstance(custom, Mapping) and kind == "handoff":
        spoken = _handoff_speech(text, custom)
    elif isinstance(custom, Mapping) and kind == "agent_message":
        spoken = sentences_of(text)
        agent = custom.get("agent")
        name = agent.get("name") if isinstance(agent, Mapping) else None
        if name and spoken:
            spoken[0] = f"{name} says: {spoken[0]}"
    else:
        spoken = sentences_of(text)
    return [*spoken, *_buttons_speech(buttons)]


def merged_cards(messages: Sequence[Any]) -> list[Mapping[str, Any]]:
    """Rasa's REST output puts a card in a message of its own after its text
    (``{"text", "buttons"}``, then ``{"custom"}``): put them back together, as the bot said
    them in one ``utter_message``, so the card replaces the text's list."""
    merged: list[Mapping[str, Any]] = []
    for message in messages:
        if not isinstance(message, Mapping):
            continue
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and message.get("custom") is not None
            and not message.get("text")
            and previous.get("text")
            and previous.get("custom") is None
            and previous.get("recipient_id") == message.get("recipient_id")
        ):
            merged[-1] = {**previous, "custom": message["custom"]}
        else:
            merged.append(message)
    return merged


def speech_for(messages: list[dict[str, Any]]) -> list[str]:
    """Rasa's messages for one turn -> the sentences to speak, in order."""
    spoken: list[str] = []
    for message in merged_cards(messages):
        spoken.extend(message_speech(message))
    return spoken


__all__ = [
    "digit_by_digit",
    "merged_cards",
    "message_speech",
    "plain",
    "say_order_numbers",
    "say_price",
    "sentences_of",
    "speech_for",
    "split_sentences",
]
