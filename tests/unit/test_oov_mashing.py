"""Words the embedding model knows, and keyboard mashing told apart from real words.

Pure logic of the OutOfVocabularyFallback (bot/components/mashing.py, wordpiece.py,
gibberish.py), with the committed all-MiniLM-L6-v2 tokenizer: a shopper's ordinary word is
not gibberish because no NLU example used it, and mashing still is.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.components.gibberish import GibberishTest, build_gibberish_test
from bot.components.mashing import (
    BigramModel,
    MashingCheck,
    MashingRules,
    longest_consonant_run,
    one_keyboard_row,
)
from bot.components.vocabulary import Vocabulary
from bot.components.wordpiece import TokenizerFileError, whole_words

# The strings tests/integration/test_conversations.py::test_gibberish_gets_the_two_stage_fallback
# sends, and more mashing of the same kind.
MASHING = [
    "asdkjh qwpoeiru",
    "zxqv bnmlk wwer",
    "fjfjfjfj",
    "qwertzuiop",
    "ASDF JKLÖ ghjkl",
    "sdfsdf lkjlkj",
    "mnbvc poiuy",
    "jkjkjk dfdfdf",
]
# Words that appear in no training text below, but are English (or brand names, typos).
REAL_MESSAGES = [
    "is there a registration fee",
    "how do I file a complaint",
    "is the sign-up free",
    "my parcel never arrived",
    "do you have Nordpeak backpacks",
    "registraton feee",
    "can i get a reimbursement",
    "the zipper broke after a week",
]
# A small training vocabulary: the test must not depend on what nlu_data/ holds today.
TRAINING = ["show me blue sneakers", "where is my order", "hello", "thanks", "running shoes"]


@cache
def shop_test() -> GibberishTest:
    return build_gibberish_test(TRAINING)


@cache
def mashing_check() -> MashingCheck:
    return shop_test().mashing


def test_the_tokenizer_gives_whole_words_not_pieces_digits_or_letters() -> None:
    found = whole_words()
    assert {"registration", "fee", "complaint", "sign"} <= found
    assert not {"##ing", "x", "42", "[unk]", "[CLS]"} & found
    assert len(found) > 20_000


def test_a_missing_tokenizer_file_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(TokenizerFileError, match=r"nothing\.json"):
        whole_words(tmp_path / "nothing.json")


def test_a_tokenizer_file_without_a_vocabulary_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer.json"
    path.write_text('{"model": {"type": "BPE"}}', encoding="utf-8")
    with pytest.raises(TokenizerFileError, match="vocab"):
        whole_words(path)


def test_embedding_words_are_known_without_typo_tolerance() -> None:
    vocabulary = Vocabulary(["running shoes"], exact=["complaint"])
    assert vocabulary.knows("Complaint")
    assert not vocabulary.knows("complaind")
    assert vocabulary.knows("runnign")  # training words keep their one typo
    assert len(vocabulary) == 2  # only training words are counted and persisted


@pytest.mark.parametrize("text", MASHING)
def test_keyboard_mashing_is_gibberish(text: str) -> None:
    assert shop_test().is_gibberish(text)


@pytest.mark.parametrize("text", REAL_MESSAGES)
def test_real_words_no_training_example_used_are_not_gibberish(text: str) -> None:
    assert not shop_test().is_gibberish(text)


def test_without_the_embedding_words_a_short_unknown_word_counts_against() -> None:
    no_embedding = build_gibberish_test(TRAINING, tokenizer_file=None)
    assert no_embedding.is_gibberish("fee tax")
    assert not shop_test().is_gibberish("fee tax")


def test_mashing_next_to_one_real_word_is_still_gibberish() -> None:
    assert shop_test().is_gibberish("sneakers asdkjh qwpoeiru")


def test_one_real_word_beside_one_mashed_word_is_left_to_the_classifier() -> None:
    assert not shop_test().is_gibberish("sneakers asdkjh")  # half counts: DIET decides


@pytest.mark.parametrize("word", ["nordpeak", "registraton", "aerorun", "hoodie", "doesnt"])
def test_unknown_words_shaped_like_words_pass(word: str) -> None:
    assert mashing_check().doubt(word) is None


@pytest.mark.parametrize(
    ("word", "reason"),
    [
        ("bnmlk", "consonant run"),
        ("qwpoeiru", "one keyboard row"),
        ("asdkjh", "consonant run"),
        ("sadsad", "one keyboard row"),
        ("zxqv", "unlikely letter pairs"),
        ("ojojoj", "unlikely letter pairs"),
        ("sdf", "too short to judge"),
    ],
)
def test_mashed_words_are_doubted_with_the_reason(word: str, reason: str) -> None:
    assert mashing_check().doubt(word) == reason


def test_letter_pairs_of_real_words_score_higher_than_mashing() -> None:
    model = BigramModel(["shoes", "shirt", "sneakers", "socks", "jackets"])
    assert model.log_prob_per_letter("shoe") > model.log_prob_per_letter("xqzj")


def test_consonant_runs_count_y_as_a_vowel() -> None:
    assert longest_consonant_run("strengths") == 5
    assert longest_consonant_run("rhythm") == 3  # "thm"
    assert longest_consonant_run("yyyy") == 0


def test_keyboard_rows_are_qwerty_rows() -> None:
    assert one_keyboard_row("typewriter")
    assert not one_keyboard_row("keyboard")


def test_a_stricter_rule_set_doubts_more_words() -> None:
    strict = MashingCheck(BigramModel(["shoe", "shoes"]), MashingRules(max_consonant_run=1))
    assert strict.doubt("nordpeak") == "consonant run"
