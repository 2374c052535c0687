"""handoff.triggers: when the bot should offer a person, from the shopper's words alone."""

from __future__ import annotations

import pytest

from handoff.triggers import Turn, nlu_failures_in_a_row, order_problem, sentiment


@pytest.mark.parametrize(
    "message",
    [
        "this is ridiculous",
        "worst service ever",
        "I'm furious, where is my parcel",
        "I'll report you to consumer protection",
        "useless bot",
        "WHERE IS MY ORDER!!!",
        "disappointed and annoyed, three weeks now",
        "fed up with waiting",
        # French
        "c'est inadmissible",
        "j'en ai marre de vos retards",
        "je suis furieuse",
        "pire service de ma vie",
        "je ne suis pas contente, je n'ai toujours pas reçu mon colis",
        "I've never been so disappointed, this is terrible",
    ],
)
def test_angry_messages_are_upset(message: str) -> None:
    mood = sentiment(message)
    assert (mood.upset, mood.distress) == (True, False), mood


@pytest.mark.parametrize(
    "message",
    [
        "I'm desperate, the tent is for tomorrow",
        "URGENT, my kid's medicine is in that parcel",
        "it's an emergency",
        "je suis désespérée",
        "au secours, ma commande n'est pas arrivée",
    ],
)
def test_distressed_messages_are_upset_and_distress(message: str) -> None:
    mood = sentiment(message)
    assert (mood.upset, mood.distress) == (True, True), mood


@pytest.mark.parametrize(
    "message",
    [
        "where is my order",
        "where is my order!!!",  # one cue is not enough
        "WHERE IS MY ORDER",
        "do you sell medicine?",
        "an emergency blanket for hiking",
        "tell me a joke",
        "running shoes under 80 in size 42",
        "où est ma commande ?",
    ],
)
def test_ordinary_messages_are_not_upset(message: str) -> None:
    assert not sentiment(message).upset, sentiment(message)


@pytest.mark.parametrize(
    "message",
    [
        "not angry, just asking",
        "I'm not furious, just curious about the delivery",
        "it's not urgent",
        "no emergency, take your time",
        "je ne suis pas en colère, je demande juste",
        "ce n'est pas urgent",
    ],
)
def test_negated_cues_do_not_count(message: str) -> None:
    assert sentiment(message).score == 0, sentiment(message)


def test_a_negation_before_a_comma_does_not_reach_the_next_clause() -> None:
    assert sentiment("no, this is ridiculous").upset


def test_accents_and_case_do_not_matter() -> None:
    assert sentiment("Je suis DESESPEREE").cues == sentiment("je suis désespérée").cues


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("the parcel arrived damaged", "damaged"),
        ("the lamp is broken", "damaged"),
        ("an item is missing", "missing"),
        ("the tent poles weren't in the box", "missing"),
        ("you sent the wrong size", "wrong_item"),
        ("this is not what I ordered", "wrong_item"),
        ("le colis est arrivé abîmé", "damaged"),
        ("il manque un article dans ma commande", "missing"),
        ("ce n'est pas ce que j'ai commandé", "wrong_item"),
        ("mauvaise taille", "wrong_item"),
    ],
)
def test_order_problems_are_recognised(message: str, kind: str) -> None:
    assert order_problem(message) == kind


@pytest.mark.parametrize(
    "message",
    [
        "what if my parcel arrives damaged?",  # a question about the rules
        "si le colis arrive abîmé ?",
        "it's not damaged, I just don't like it",
        "nothing is missing",
        "I ordered the wrong size",  # the shopper's own mistake: a plain return
        "where is my order",
        "a stain resistant jacket",
    ],
)
def test_other_messages_are_no_order_problem(message: str) -> None:
    assert order_problem(message) is None


FAILED = Turn(not_understood=True, bot_fell_back=True)
DENIED = Turn(not_understood=False, bot_fell_back=True)  # "No, let me rephrase"
ANSWERED = Turn(not_understood=False, bot_fell_back=False)
ANSWERED_ANYWAY = Turn(not_understood=True, bot_fell_back=False)  # the knowledge fallback


@pytest.mark.parametrize(
    ("turns", "count"),
    [
        ([], 0),
        ([ANSWERED, FAILED], 1),
        ([FAILED, FAILED], 2),
        ([FAILED, DENIED, FAILED], 2),
        ([FAILED, ANSWERED, FAILED], 1),
        ([FAILED, ANSWERED_ANYWAY], 0),
    ],
)
def test_misunderstandings_are_counted_in_a_row(turns: list[Turn], count: int) -> None:
    assert nlu_failures_in_a_row(turns) == count
