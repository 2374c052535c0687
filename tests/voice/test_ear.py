"""What the NLU reads when a shopper speaks: whisper's text through voice.ear.normalise.

Each case is one thing a shopper would notice: an order number that is found, an e-mail
that is accepted, "that one" that still means the product in front of them.
"""

from __future__ import annotations

import pytest

from voice.ear import normalise
from voice.vocabulary import CatalogVocabulary


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("where is my order one two one eight six", "where is my order 12186"),
        ("Where is my order? One, two, one, eight, six.", "Where is my order? 12186"),
        ("Where is my order 1-2-1-8-6?", "Where is my order 12186?"),
        ("order 1 2 1 8 6", "order 12186"),
        ("1, 2, 1, 8, 6.", "12186"),
        ("Track order one two oh four five.", "Track order 12045"),
        ("cancel order twelve one eighty six", "cancel order 12186"),
        ("It's ten two thirty one.", "It's 10231"),
        ("The number is one zero two three one.", "The number is 10231"),
        ("twelve thousand one hundred eighty six", "12186"),
        ("Order number: 121 86", "Order number: 12186"),
        ("my order is 12186", "my order is 12186"),
        # as whisper (tiny.en, base) wrote espeak-ng saying "... one two one eight six"
        ("Where is my order 1 to 1, 8, 6?", "Where is my order 12186?"),
        ("Where is my order 1218 6?", "Where is my order 12186?"),
        ("12-1-86", "12186"),
    ],
)
def test_order_numbers_said_digit_by_digit_become_one_number(heard: str, expected: str) -> None:
    assert normalise(heard) == expected


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("add two", "add 2"),
        ("Add two.", "Add 2"),
        ("three of them", "3 of them"),
        ("I'd like two pairs in size forty two", "I'd like 2 pairs in size 42"),
        ("size forty two, three of them", "size 42, 3 of them"),
        ("size forty, two of them", "size 40, 2 of them"),
        ("change it to four", "change it to 4"),
        ("twenty five", "25"),
        ("twenty-five", "25"),
        ("one hundred and twenty", "120"),
    ],
)
def test_quantities_and_numbers_become_digits(heard: str, expected: str) -> None:
    assert normalise(heard) == expected


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        (
            "do you have wireless earbuds under fifty euros",
            "do you have wireless earbuds under 50 euros",
        ),
        ("Running shoes under fifty bucks.", "Running shoes under 50 bucks"),
        ("under a hundred euros", "under 100 euros"),
        ("between forty and sixty euros", "between 40 and 60 euros"),
        ("under forty nine ninety", "under 49.90"),
        ("forty nine ninety euros", "49.90 euros"),
        ("is it forty nine euros ninety?", "is it 49.90 euros?"),
        ("under one fifty", "under 150"),
        ("under €50", "under 50 euros"),
        ("Under 49.90€?", "Under 49.90 euros?"),
    ],
)
def test_prices_read_as_the_nlu_expects(heard: str, expected: str) -> None:
    assert normalise(heard) == expected


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("m a e l l e dot clement at example dot com", "maelle.clement@example.com"),
        (
            "My email is M-A-E-L-L-E dot Clement at example dot com.",
            "My email is maelle.clement@example.com",
        ),
        ("maelle dot clement at example dot com", "maelle.clement@example.com"),
        ("john underscore doe at gmail dot com", "john_doe@gmail.com"),
        ("it's anna dash k at mail dot fr", "it's anna-k@mail.fr"),
        ("john two three at gmail dot com", "john23@gmail.com"),
        ("Maelle.Clement@example.com.", "Maelle.Clement@example.com"),
        ("maelle.clement at example.com", "maelle.clement@example.com"),
        (
            "track order one two one eight six, email j o h n at gmail dot com",
            "track order 12186, email john@gmail.com",
        ),
    ],
)
def test_emails_said_or_spelled_become_addresses(heard: str, expected: str) -> None:
    assert normalise(heard) == expected


@pytest.mark.parametrize(
    "heard",
    [
        "that one",
        "the second one",
        "the green one",
        "one of those",
        "I'll take one of those",
        "the first",
        "someone told me",
        "can anyone help",
        "is it one size",
        "the black ones",
        "I'm at home",
        "Can I pay with PayPal?",
        "Oh, I see",
        "a couple of those",
        "add 2 of them in size 44",
        "sizes 4 to 6",
        "I want 2 for 5 euros",
    ],
)
def test_words_that_are_not_numbers_survive(heard: str) -> None:
    assert normalise(heard) == heard


def test_trailing_full_stop_goes_and_the_rest_stays() -> None:
    assert normalise("  Check out.  ") == "Check out"
    assert normalise("Is it waterproof?") == "Is it waterproof?"
    assert normalise("...") == ""
    assert normalise("") == ""


def test_brand_names_are_corrected_after_numbers() -> None:
    vocabulary = CatalogVocabulary.from_names(
        ["Nordpeak Swift Rain Jacket", "Stridex Crest 4 Running Shoes"],
        brands=["Nordpeak", "Stridex"],
        words=["rain jacket", "running shoes"],
    )
    assert (
        normalise("Two nord peak rain jackets under ninety euros.", vocabulary)
        == "2 Nordpeak rain jackets under 90 euros"
    )
    assert normalise("the second one", vocabulary) == "the second one"


def test_whispers_title_case_brand_is_corrected() -> None:
    vocabulary = CatalogVocabulary.from_names(
        ["Nordpeak Swift Rain Jacket"], brands=["Nordpeak"], words=["rain jacket"]
    )
    assert normalise("A Nord Peak Rain Jacket.", vocabulary) == "A Nordpeak Rain Jacket"
