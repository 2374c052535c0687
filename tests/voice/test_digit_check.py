"""A number heard with the catalog prompt keeps every digit (voice/stt_engine.py,
``keep_digits``): the prompt makes whisper drop a digit said twice in a row, the pass
without it hears them all, and only its numbers are taken."""

from __future__ import annotations

from voice.stt_engine import keep_digits


def test_a_digit_dropped_by_the_prompted_pass_comes_back_from_the_plain_pass() -> None:
    heard = keep_digits("Where is my order? 1, 2, 3, 6", "Where is my order? 1, 2, 2, 3, 6")
    assert heard == "Where is my order? 12236"


def test_the_prompted_words_stay_when_the_plain_pass_misspells_the_brand() -> None:
    heard = keep_digits(
        "Is the Nordpeak jacket in order 1, 2, 4, 2?", "Is the Nord Peak jacket in order 12242?"
    )
    assert heard == "Is the Nordpeak jacket in order 12242?"


def test_a_plain_pass_with_fewer_digits_changes_nothing() -> None:
    assert keep_digits("Where is my order? 12242", "Where is my order? 1242") == (
        "Where is my order? 12242"
    )


def test_numbers_that_do_not_pair_up_change_nothing() -> None:
    prompted = "Order 1, 2, 3, 6 and 45678"
    assert keep_digits(prompted, "Order 1, 2, 2, 3, 6") == prompted
