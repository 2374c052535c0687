"""Two requests in one message: "add the second one in M and check out".

Rasa reads such a message as the multi-intent ``add_to_cart+checkout`` (config.yml: the
tokenizer splits intents on "+"), and the dialogue then adds and checks out, in order. The
classifiers learn that intent from few examples and spread their confidence over
``add_to_cart``, ``checkout`` and ``add_to_cart+checkout``, so a shopper's own wording often
ends as one request of the two, or under the fallback threshold.

``adds_then_pays(text)`` reads the shape itself: a request to add (add, put, take, buy, "I'll
take", "je prends", "ajoute"...) and, after "and" / "then" / "," / "+", a request to pay
("check out", "checkout", "pay", "proceed to payment", "place the order", "passer à la
caisse", "payer"...). A question about paying ("add it, how do I pay?") is not a request to
pay. Plain Python on the text; ``TwoRequestsClassifier`` (``bot.components.two_requests_nlu``)
applies it in the Rasa pipeline.
"""

from __future__ import annotations

import re

# Openers that carry no request ("ok", "yes", "great", "so").
_LEAD = (
    r"(?:(?:ok(?:ay)?|yes|yeah|yep|great|perfect|cool|so|alright|right|oui|d'accord|parfait)"
    r"[,!.]?\s+)*"
)

# A request to add, at the start of the message (after openers and "please").
_ADD = re.compile(
    "^" + _LEAD + r"(?:(?:please|pls|plz|can you|could you|would you)\s+)?"
    r"(?:add|put|pop|stick|throw|chuck|grab|get me|buy|order|take|i'll (?:take|have|go for)"
    r"|i (?:will |'ll )?(?:take|have)|give me|i (?:want|'d like|would like|need) (?:to (?:add"
    r"|buy|order|take|have|get)|the|that|this|it|one|those|these|an?|\d)"
    r"|ajoute[sz]?|rajoute[sz]?|mets|mettez|je (?:prends|veux|voudrais|prendrai)|prends)\b",
    re.IGNORECASE,
)

# Between the two requests: a comma, "&", "+" or ";", or "and" / "then" / "et" / "puis".
_JOIN = (
    r"(?:\s*[,&+;]\s*(?:and\s+|then\s+|et\s+|puis\s+)*"
    r"|\s+(?:and|then|puis|et|n)\s+(?:then\s+|puis\s+|ensuite\s+)?)"
)

# A request to pay, after the join: imperative or "I want to / let's / take me to ...".
_PAY = re.compile(
    _JOIN + r"(?:(?:i\s+(?:want|wanna|'d like|would like|need)\s+to|i'?ll|let'?s|let me|lemme"
    r"|we|take me to|go(?:ing)? to|straight to|proceed to|move to|on to|je|on|j'?aimerais)\s+)?"
    r"(?:(?:go|proceed|move|head)\s+(?:straight\s+)?to\s+)?(?:do\s+)?(?:the\s+)?"
    r"(?:check\s?(?:ing\s+)?out|checkout|pay(?:ment)?|place\s+(?:my|the)\s+order|finish|complete"
    r"|valide[rz]?|paie|payer|paye|r[eè]gle[rz]?|commande[rz]?|passe[rz]?\s+(?:[àa]\s+la\s+caisse"
    r"|(?:au\s+paiement|commande))|va(?:s)?\s+au\s+paiement)\b",
    re.IGNORECASE,
)


# A question about paying is no request to pay ("add it, how do I pay by transfer?").
_QUESTION = re.compile(
    r"\b(?:how|what|which|when|why|where|comment|quel(?:le)?s?|pourquoi)\b", re.IGNORECASE
)


def adds_then_pays(text: str) -> bool:
    """Whether ``text`` asks to add something to the cart and then to pay for it."""
    message = " ".join(text.split())
    if not _ADD.search(message) or _QUESTION.search(message):
        return False
    return _PAY.search(message) is not None
