"""Is a message about an order a question about the shop's rules, or a request to act?

The order intents (return, refund, track, cancel) are learnt from both kinds of message:
"I want to return my jacket, order 10023" asks the assistant to do something, "can I
return worn shoes?" or "will the postage be refunded too?" asks what the rule is. Starting
the order form ("What's your order number?") answers the second kind badly, so the order
flow first asks this module whether the message reads as a question about the rule; if
so, and the FAQ answers it confidently, the answer comes first, with a button that starts
the flow.

Plain Python on the message text: no Rasa, no shop.
"""

from __future__ import annotations

import re

# An order number or an e-mail: the shopper is talking about one order of theirs.
_ONE_ORDER_RE = re.compile(r"(?<!\d)\d{5,8}(?!\d)|[^\s@]+@[^\s@]+\.[a-z]{2,}", re.IGNORECASE)

# Openings of a question, English and French ("est-ce que", "puis-je", "combien").
_QUESTION_START_RE = re.compile(
    r"^(?:(?:hi|hello|hey|bonjour|salut|ok|so|and|but|also|quick question)[,!.:]?\s+)*"
    r"(?:can|could|may|do|does|did|is|are|was|were|will|would|should|shall|have|has"
    r"|what|what's|whats|which|how|how's|when|where|why|who|any|if|in case"
    r"|est-ce|puis-je|peut-on|peut-je|peux-je|je peux|on peut|combien|comment|quel|quelle"
    r"|quels|quelles|quand|o[uù]|pourquoi|y a-t-il)\b",
    re.IGNORECASE,
)

# A request to act on the shopper's own order, whatever its shape: "where is my order",
# "can you track my parcel", "has my refund come through", "cancel it please", "où est ma
# commande ?", "pouvez-vous annuler ma commande ?".
_ACT_ON_MINE_RE = re.compile(
    r"\b(?:where(?:'s| is| are)?|status of|track|trace|cancel|stop|start|open|process"
    r"|has|have|did|is|was|happen(?:s|ing|ed)?|going on|news|update"
    r"|o[uù]|suivre|annule[rz]?|arr[eê]te[rz]?)\b[^.?!]*"
    r"\b(?:my|mon|ma|mes)\s+"
    r"(?:order|orders|parcel|package|delivery|refund|return|money|commande|colis|remboursement)\b",
    re.IGNORECASE,
)

# Wants and commands: "I want to return ...", "please cancel ...", "return this".
_REQUEST_START_RE = re.compile(
    r"^(?:(?:hi|hello|hey|bonjour)[,!.]?\s+)*(?:i\s+(?:want|wanna|would like|'d like|need|"
    r"wish)|i'd like|please|pls|plz|je (?:veux|voudrais|souhaite)|cancel|return|refund|track"
    r"|start|open|send back|annule[rz]?|retourne[rz]?)\b",
    re.IGNORECASE,
)


# A question after the shopper's situation: "the jacket is too small, can i exchange it for
# an L", "it's been 5 weeks. Can I still return it", "i paid for express, do i get it back",
# "it came in two boxes, is that normal"; shoppers who type no punctuation ask the first-
# person ones straight after the statement ("its too small can i send it back"). "can you /
# could you" stay out: after a statement they ask the assistant to act ("it hasn't come,
# can you check").
_LATER_QUESTION_RE = re.compile(
    r"(?:[,.;!?]\s+|\s+(?:but|so|and)\s+)"
    r"(?:(?:can|could|may)\s+(?:i|we)|do i|does it|will i|will it|would i|should i|am i"
    r"|is (?:it|that|this) normal|is it (?:possible|free|too late)|is there|do you|what|how"
    r"|when|est-ce que|puis-je|peut-on|je peux|combien|comment|quand)\b"
    r"|\s(?:can|could|may|do|will|would|should)\s+i\b",
    re.IGNORECASE,
)


def asks_about_policy(text: str) -> bool:
    """Whether ``text`` reads as a question about the shop's rules rather than a request
    to act on one order: a question (a question mark, a question's opening, or a question
    after a statement) that names no order number or e-mail, does not ask for something to
    be done to "my order", and does not open with a want or a command."""
    message = " ".join(text.split())
    if not message or _ONE_ORDER_RE.search(message):
        return False
    if _REQUEST_START_RE.match(message) or _ACT_ON_MINE_RE.search(message):
        return False
    return (
        message.endswith("?")
        or _QUESTION_START_RE.match(message) is not None
        or _LATER_QUESTION_RE.search(message) is not None
    )
