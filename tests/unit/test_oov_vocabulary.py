"""The gibberish test of the OutOfVocabularyFallback component (bot/components/vocabulary.py).

Pure logic, no Rasa: the Rasa wrapper only feeds it the NLU training texts and turns a
"gibberish" verdict into the ``nlu_fallback`` intent.
"""

from __future__ import annotations

import pytest

from bot.components.vocabulary import (
    Vocabulary,
    assess,
    looks_like_gibberish,
    normalise,
    within_one_edit,
    words,
)
from tests.nlu.test_nlu_data import ANNOTATION, examples_by_intent, nlu_items

GIBBERISH = ["asdkjh qwpoeiru", "zxqv bnmlk wwer", "fjfjfjfj", "qwertzuiop", "ASDF JKLÖ ghjkl"]


def nlu_vocabulary() -> Vocabulary:
    """What the component learns from the committed NLU data: examples and synonyms."""
    texts = [
        ANNOTATION.sub(lambda m: m["text"], example)
        for examples in examples_by_intent().values()
        for example in examples
    ]
    for item in nlu_items():
        if "synonym" in item:
            texts.append(item["synonym"])
            texts.extend(line[2:] for line in item["examples"].splitlines() if line[:2] == "- ")
    return Vocabulary(texts)


def test_words_are_letter_runs_without_case_or_accents() -> None:
    assert normalise("Élysées CAFÉ") == "elysees cafe"
    assert words("T-shirts in size 42, zoe.m@example.com; Champs-Élysées!") == [
        "t",
        "shirts",
        "in",
        "size",
        "zoe",
        "m",
        "example",
        "com",
        "champs",
        "elysees",
    ]
    assert words("10023 42 :-)") == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("sneakers", "sneakers"),
        ("sneakrs", "sneakers"),
        ("sneakerss", "sneakers"),
        ("snaekers", "sneakers"),
        ("sneakert", "sneakers"),
        ("xneakers", "sneakers"),
    ],
)
def test_one_typo_is_within_one_edit(a: str, b: str) -> None:
    assert within_one_edit(a, b) and within_one_edit(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("snkers", "sneakers"),
        ("snaekres", "sneakers"),
        ("sneeker", "sneakers"),
        ("bnmlk", "blank"),
        ("abc", "cba"),
    ],
)
def test_two_typos_are_not_within_one_edit(a: str, b: str) -> None:
    assert not within_one_edit(a, b) and not within_one_edit(b, a)


def test_a_long_word_may_have_one_typo_a_short_one_none() -> None:
    vocabulary = Vocabulary(["Running Sneakers", "red shoe"])
    assert vocabulary.knows("SNEAKERS") and vocabulary.knows("runnig")
    assert vocabulary.knows("shoe") and not vocabulary.knows("shoa")
    assert not vocabulary.knows("snkers")
    assert not Vocabulary(["sneakers"], typo_min_length=9).knows("sneakrs")


def test_the_share_counts_only_words_long_enough_to_judge() -> None:
    vocabulary = Vocabulary(["show me blue sneakers"])
    assessment = assess("qq blue sneakers xyzzy 42", vocabulary)
    assert assessment.judged == ("blue", "sneakers", "xyzzy")
    assert assessment.known == ("blue", "sneakers")
    assert assessment.known_share == pytest.approx(2 / 3)
    assert assess("hi 42", vocabulary).known_share == 1.0


def test_mostly_unknown_words_are_gibberish_and_the_threshold_decides() -> None:
    vocabulary = Vocabulary(["show me blue sneakers"])
    assert looks_like_gibberish("xyzzy plugh", vocabulary)
    assert not looks_like_gibberish("blue xyzzy", vocabulary)  # half known: DIET decides
    assert looks_like_gibberish("blue xyzzy", vocabulary, threshold=0.75)
    assert not looks_like_gibberish("ok hi 42", vocabulary)  # nothing to judge
    assert looks_like_gibberish("ok hi", vocabulary, min_word_length=2)


@pytest.mark.parametrize("text", GIBBERISH)
def test_keyboard_mashing_is_gibberish_for_the_shop_vocabulary(text: str) -> None:
    assert looks_like_gibberish(text, nlu_vocabulary())


@pytest.mark.parametrize(
    "text",
    [
        "blue sneakers 42",
        "Aerorun",
        "hi",
        "10023",
        "zoe.checkout@example.com",
        "thx",
        "12 rue de la Paix, 75002 Paris",
        "runnign shoes undr 80",
        "what's in my cart?",
        "is it waterproof?",
        "where is my order 10023?",
        "it is too small",
        "never mind",
    ],
)
def test_real_short_messages_are_not_gibberish(text: str) -> None:
    assert not looks_like_gibberish(text, nlu_vocabulary())
