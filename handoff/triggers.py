"""When the bot should offer a person on its own: anger or distress, an order problem it
cannot solve, repeated misunderstandings. Pure functions over the shopper's words.

The bot answers most questions itself; these signals are for the cases where carrying on
alone would be the wrong answer. They run on every message the order, FAQ and fallback
actions see, without the NLU (no retraining, English and French alike), so they are built
to be cheap, explainable and conservative: a false alarm costs the shopper one extra
"Talk to a person" button, a missed one an angry customer talking to a bot.

**Sentiment** (``sentiment``): a small lexicon of cues, each with a weight, plus two
typographic cues, summed and compared with ``UPSET_THRESHOLD`` (2):

- weight 2, one is enough: anger ("ridiculous", "unacceptable", "worst service",
  "I'm furious", "fed up", "c'est inadmissible", "j'en ai marre"), insults and swearing
  ("idiot", "useless bot", "scam", "arnaque", "merde"), threats ("I'll report you",
  "lawyer", "porter plainte") and distress ("desperate", "it's an emergency", "désespéré",
  "au secours");
- weight 1, two are needed: milder words ("annoyed", "disappointed", "terrible", "déçu",
  "énervé"), urgency ("urgent", "asap"), what makes it urgent ("medicine", "médicament"),
  "still waiting", "third time", and the typography: three or more "!" (or "?!" runs),
  and shouting (at least three words, most letters capitals).

So "URGENT, my kid's medicine" (1 + 1) and "WHERE IS MY ORDER!!!" (1 + 1) are upset,
"where is my order!!!" (1) or "do you sell medicine?" (1) are not.

A cue right after a negation in the same clause does not count ("not angry, just
asking", "it's not urgent", "je ne suis pas en colère"): up to three words back, stopping
at punctuation, for "not", "no", "nothing", "...n't", "pas", "ne", "n'...", "rien",
"sans"... "Never" and "jamais" are not negations here: "I've never been so disappointed"
is as upset as it gets. Cues that carry their own negation ("not happy", "je ne suis pas
content", "je n'ai toujours pas") are written with it. Matching ignores case and accents
("desespere" = "désespéré").

**Order problems** (``order_problem``): an item that arrived damaged or broken, missing
from the parcel, or the wrong one (item, size, colour). Negated ("nothing is missing",
"it's not damaged") and hypothetical ("what if it arrives damaged?", "si le colis
arrive abîmé") statements are questions about the rules, which the FAQ answers, so they
do not count; nor does the shopper's own mistake ("I ordered the wrong size": a return
the bot can start).

**Repeated fallbacks** (``nlu_failures_in_a_row``): counted over turns the caller reads
from the tracker (see ``Turn``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

UPSET_THRESHOLD = 2
FAILURES_BEFORE_OFFER = 2  # the second misunderstanding in a row offers a person

OrderProblemKind = Literal["damaged", "missing", "wrong_item"]
CueKind = Literal["anger", "distress"]


@dataclass(frozen=True)
class Cue:
    pattern: str  # a regular expression over normalised words (see ``normalise``)
    weight: int
    kind: CueKind = "anger"


def _cues(kind: CueKind, weight: int, *patterns: str) -> list[Cue]:
    return [Cue(pattern, weight, kind) for pattern in patterns]


# Patterns match whole words of the normalised text: lower case, no accents, straight
# apostrophes, single spaces. Keep each list short and obvious; add words, not cleverness.
SENTIMENT_CUES: tuple[Cue, ...] = (
    # anger, English
    *_cues(
        "anger",
        2,
        r"ridiculous",
        r"unacceptable",
        r"outrageous",
        r"disgusting",
        r"disgraceful",
        r"a disgrace",
        r"(is|what) a joke",
        r"pathetic",
        r"furious",
        r"livid",
        r"fed up",
        r"sick of",
        r"sick and tired",
        r"pissed( off)?",
        r"worst (service|shop|store|company|customer service|experience|support|bot)",
        r"(useless|stupid|dumb) (bot|shop|service|company|website|site|thing)",
        r"scam(mers?)?",
        r"rip ?off",
        r"thieves",
        r"incompetent",
        r"idiots?",
        r"morons?",
        r"bullshit",
        r"shit(ty)?",
        r"crap(py)?",
        r"fuck(ing|ed)?",
        r"wtf",
        r"(i'll|i will|i'm going to|im going to|gonna) report you",
        r"lawyers?",
        r"sue you",
        r"legal action",
        r"chargeback",
        r"never (buy|buying|order|ordering|shop|shopping) (here|from you|with you) again",
    ),
    # anger, French
    *_cues(
        "anger",
        2,
        r"ridicule",
        r"inadmissible",
        r"inacceptable",
        r"scandal(e|eux|euse)",
        r"honteux|honteuse|une honte",
        r"lamentable",
        r"furieux|furieuse",
        r"en colere",
        r"j'en ai marre|ras le bol|marre",
        r"pire (service|boutique|site|magasin|entreprise|experience)",
        r"arnaque(s|urs)?",
        r"voleurs",
        r"incompetents?",
        r"debiles?",
        r"merde",
        r"putain",
        r"bordel",
        r"porter plainte",
        r"mon avocat|mes avocats",
        r"je vais vous signaler",
    ),
    # distress, both languages
    *_cues(
        "distress",
        2,
        r"desperate(ly)?",
        r"(it's|its|it is|this is|that's) (an|a real) emergency",
        r"c'est (une )?urgence",
        r"panic(king)?",
        r"in tears",
        r"desespere(e)?",
        r"au secours",
        r"je panique",
    ),
    # milder words: two are needed
    *_cues(
        "anger",
        1,
        r"angry",
        r"annoyed",
        r"annoying",
        r"frustrat(ed|ing)",
        r"disappointed|disappointing",
        r"terrible",
        r"awful",
        r"horrible",
        r"useless",
        r"not happy",
        r"still waiting",
        r"(third|3rd|fourth|4th) time",
        r"nobody (answers|replies|helps)",
        r"no one (answers|replies|helps)",
        r"decue?s?",
        r"enervee?s?",
        r"agacee?s?",
        r"frustree?s?",
        r"nuls?",
        r"(ne suis |n'est |n'etait )?pas contente?",
        r"(n'ai |n'est |ne suis )?toujours pas",
        r"personne ne (repond|m'aide)",
    ),
    *_cues(
        "distress",
        1,
        r"urgent(ly)?",
        r"asap",
        r"medicine|medication|medicament(s)?",
        r"please help( me)?",
        r"aidez moi",
    ),
)

_NEGATIONS = frozenset(
    {
        # English ("n't" endings are caught by their ending; these are written without it)
        "not",
        "no",
        "nothing",
        "without",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wasnt",
        "arent",
        # French ("n'" as in "n'est" is caught by its beginning)
        "ne",
        "pas",
        "rien",
        "sans",
        "aucun",
        "aucune",
    }
)
_NEGATION_WINDOW = 3  # words before a cue, in the same clause
_HYPOTHETICAL = re.compile(r"\b(if|what if|in case|suppose|au cas|si|s'il|et si)\b")
_OWN_MISTAKE = re.compile(
    r"\b(i|we) (ordered|chose|picked|bought|selected|clicked|placed|typed)\b"
    r"|\bj'ai (commande|choisi|pris|clique)\b"
)

ORDER_PROBLEM_CUES: tuple[tuple[OrderProblemKind, str], ...] = (
    (
        "damaged",
        r"damaged|broken|cracked|smashed|shattered|torn|dented|scratched"
        r"|defective|faulty|arrived in pieces",
    ),
    (
        "damaged",
        r"abimee?s?|endommagee?s?|cassee?s?|dechiree?s?|defectueu(x|se)|rayee?s?|tachee?s?",
    ),
    (
        "missing",
        r"missing|(was|is|were|are) ?n't in the (box|parcel|package)"
        r"|not in the (box|parcel|package)|empty (box|parcel|package)"
        r"|(box|parcel|package) was empty",
    ),
    (
        "missing",
        r"il manque|manquante?s?|manque (un|une|des|le|la|les)|pas dans le colis|colis vide",
    ),
    (
        "wrong_item",
        r"wrong (item|items|size|colour|color|product|article|model|one|thing|order|parcel"
        r"|package)|(is|was|that's|thats) ?n't what i ordered"
        r"|not what i ordered|different (item|size|colour|color) (than|from what) i ordered",
    ),
    (
        "wrong_item",
        r"(mauvais|mauvaise) (article|taille|couleur|produit|commande|colis|modele|pointure)"
        r"|(n'est )?pas ce que j'ai commande|erreur de (taille|couleur|commande|article|pointure)",
    ),
)


@dataclass(frozen=True)
class Sentiment:
    """How upset a message reads: the score, the cues that counted, and whether it is
    distress (someone in trouble) rather than anger."""

    score: int
    cues: tuple[str, ...]
    distress: bool

    @property
    def upset(self) -> bool:
        return self.score >= UPSET_THRESHOLD


@dataclass(frozen=True)
class Turn:
    """One shopper message and how the bot handled it.

    ``not_understood``: the NLU did not understand the message (intent ``nlu_fallback``)
    or found it outside what the bot does (``out_of_scope``, typed: keyboard mashing
    ends there too);
    ``bot_fell_back``: the bot answered with a fallback (the two-stage fallback's
    "Did you want to ...?", "rephrase", its giving up, "that's outside what I can do", or
    an offer of a person after misunderstandings) rather than with an answer.
    """

    not_understood: bool
    bot_fell_back: bool


def normalise(text: str) -> str:
    """Lower case, accents removed, straight apostrophes, words separated by one space
    (punctuation other than apostrophes becomes a clause break ``|``)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("`", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    plain = re.sub(r"[.,;:!?()\[\]\"«»\n]+", " | ", plain)
    plain = re.sub(r"[^a-z0-9'| ]+", " ", plain)
    return re.sub(r"\s+", " ", plain).strip()


def _is_negation(word: str) -> bool:
    return word in _NEGATIONS or word.endswith("n't") or word.startswith("n'")


def _negated(normalised: str, start: int) -> bool:
    """True if one of the few words before ``start``, in the same clause, is a negation."""
    before = normalised[:start].rsplit("|", 1)[-1].split()[-_NEGATION_WINDOW:]
    return any(_is_negation(word) for word in before)


def _matches(pattern: str, normalised: str) -> list[re.Match[str]]:
    return list(re.finditer(rf"(?<![a-z0-9'])(?:{pattern})(?![a-z0-9'])", normalised))


def _shouting(text: str) -> bool:
    words = re.findall(r"[^\W\d_]{2,}", text)
    letters = [c for c in text if c.isalpha()]
    capitals = sum(1 for c in letters if c.isupper())
    return len(words) >= 3 and len(letters) >= 8 and capitals / len(letters) >= 0.7


def _insistent_punctuation(text: str) -> bool:
    return bool(re.search(r"!{3,}|(?:[!?]\s*){4,}|\?!|!\?", text)) or text.count("!") >= 3


def sentiment(text: str) -> Sentiment:
    """Score ``text`` for anger or distress (see the module docstring)."""
    normalised = normalise(text)
    score = 0
    cues: list[str] = []
    distress = False
    for cue in SENTIMENT_CUES:
        for match in _matches(cue.pattern, normalised):
            if _negated(normalised, match.start()):
                continue
            score += cue.weight
            cues.append(match.group())
            distress = distress or cue.kind == "distress"
            break  # a cue counts once per message
    if _insistent_punctuation(text):
        score += 1
        cues.append("!!!")
    if _shouting(text):
        score += 1
        cues.append("CAPITALS")
    return Sentiment(score=score, cues=tuple(cues), distress=distress)


def order_problem(text: str) -> OrderProblemKind | None:
    """What went wrong with a delivered order, if the shopper reports it: "damaged",
    "missing" or "wrong_item"; None for anything else (see the module docstring)."""
    normalised = normalise(text)
    for kind, pattern in ORDER_PROBLEM_CUES:
        for match in _matches(pattern, normalised):
            clause = normalised[: match.start()].rsplit("|", 1)[-1]
            if _negated(normalised, match.start()) or _HYPOTHETICAL.search(clause):
                continue
            if kind == "wrong_item" and _OWN_MISTAKE.search(clause):
                continue
            return kind
    return None


def nlu_failures_in_a_row(turns: Sequence[Turn]) -> int:
    """How many of the latest turns the bot could not understand, oldest to newest.

    A turn counts when the message was not understood and the bot fell back. The
    shopper's "No, let me rephrase" button to the fallback's "Did you want to ...?" (a turn
    the bot fell back on, the button understood) neither counts nor breaks the run; any
    turn the bot answered does.
    """
    count = 0
    for turn in reversed(turns):
        if not turn.bot_fell_back:
            break
        if turn.not_understood:
            count += 1
    return count
