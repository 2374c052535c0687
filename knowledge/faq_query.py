"""The question inside a shopper's message, as the FAQ index should see it.

Shoppers open with "hey", "hi there" or "hello!" and drop apostrophes ("doesnt", "cant").
For a sentence embedding a greeting is not noise to ignore: it drags the vector of a
short question towards small talk, so "hey can i send stuff back if it doesnt fit??"
resembled no FAQ phrasing well enough, while the same words without "hey" match the
returns entries. Only words that never carry the question are removed; a message made only
of them is left as it is.
"""

from __future__ import annotations

import re

_OPENING_RE = re.compile(
    r"^\s*(?:(?:(?:hey|hi|hello|hiya|heya|yo|bonjour|bonsoir|salut|coucou"
    r"|good (?:morning|afternoon|evening))"
    r"(?: (?:there|guys|all|team|folks|everyone))?|ok|okay|um+|uh+|please|pls|plz)"
    r"(?=[\s,.!:;-]|$)[\s,.!:;-]*)+",
    re.IGNORECASE,
)
_CLOSING_RE = re.compile(
    r"[\s,.!:;-]*\b(?:thanks?(?: you)?|thx|ty|please|pls|plz|cheers|merci(?: beaucoup)?"
    r"|svp|stp|s'il (?:vous|te) pla[iî]t)[\s.!]*$",
    re.IGNORECASE,
)
_REPEATED_MARK_RE = re.compile(r"([?!.])\1+")
# Contractions typed without the apostrophe; only words that are not English words as they
# are (so "its", "well", "were", "id" are left alone).
_CONTRACTIONS = {
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "im": "I'm",
    "ive": "I've",
    "whats": "what's",
    "wheres": "where's",
    "hows": "how's",
}
_CONTRACTION_RE = re.compile(r"\b(" + "|".join(_CONTRACTIONS) + r")\b", re.IGNORECASE)


def core_question(message: str) -> str:
    """``message`` without greetings, thanks, repeated marks and apostrophe-less words."""
    text = " ".join(message.split())
    core = _CLOSING_RE.sub("", _OPENING_RE.sub("", text)).strip()
    if not core:
        return text
    core = _REPEATED_MARK_RE.sub(r"\1", core)
    return _CONTRACTION_RE.sub(lambda m: _CONTRACTIONS[m.group(1).lower()], core)
