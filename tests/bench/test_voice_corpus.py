"""The speech corpus of bench/voice_bench.py loads from the installed packages, and its
scoring (number normaliser, word errors) gives the values worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from bench.voice_corpus import (
    RATE,
    RECORDED_SETS,
    SHOP_UTTERANCES,
    Utterance,
    last_voiced_sample,
    load,
    normalise_text,
    resample,
    wer,
    word_errors,
)


@pytest.fixture(scope="module")
def recorded() -> list[Utterance]:
    items, missing = load(RECORDED_SETS)
    assert missing == {}, f"install what these messages say: {missing}"
    return items


def _rms_dbfs(pcm16: bytes) -> float:
    samples = np.frombuffer(pcm16, dtype="<i2").astype(np.float64) / 32768.0
    return 20 * math.log10(float(np.sqrt(np.mean(samples**2))))


def test_recorded_corpus_loads(recorded: list[Utterance]) -> None:
    counts = {name: sum(i.corpus == name for i in recorded) for name in RECORDED_SETS}
    assert counts == {"asterisk": 46, "arctic": 2, "asterisk-8k": 46}
    assert len({i.id for i in recorded}) == len(recorded)
    assert {i.speaker for i in recorded} == {"asterisk-allison", "arctic-male", "arctic-female"}
    for item in recorded:
        assert item.text.strip() and item.source
        assert len(item.pcm16) % 2 == 0
        assert 1.5 < item.seconds < 9.0, item.id
        assert _rms_dbfs(item.pcm16) > -40, f"{item.id} is (nearly) silent"
        assert last_voiced_sample(item.pcm16) > RATE // 2


def test_the_two_asterisk_sets_are_the_same_recordings(recorded: list[Utterance]) -> None:
    wide = {i.id.split("/")[1]: i for i in recorded if i.corpus == "asterisk"}
    narrow = {i.id.split("/")[1]: i for i in recorded if i.corpus == "asterisk-8k"}
    assert wide.keys() == narrow.keys()
    for prompt_id, item in wide.items():
        assert item.text == narrow[prompt_id].text
        assert abs(item.seconds - narrow[prompt_id].seconds) < 0.05, prompt_id


def test_synthetic_set_loads(tmp_path: Path) -> None:
    items, missing = load(["synthetic", "synthetic-noisy"], speech_folder=tmp_path)
    assert missing == {}
    assert len(items) == 2 * len(SHOP_UTTERANCES)
    assert len({i.id for i in items}) == len(items)
    for item in items:
        assert item.text and 1.0 < item.seconds < 10.0
        assert _rms_dbfs(item.pcm16) > -40
    clean = {i.id.split("/")[1]: i for i in items if i.corpus == "synthetic"}
    noisy = {i.id.split("/")[1]: i for i in items if i.corpus == "synthetic-noisy"}
    assert clean.keys() == noisy.keys()
    assert all(clean[k].pcm16 != noisy[k].pcm16 for k in clean)


def test_unknown_set_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown speech set 'librispeech'"):
        load(["librispeech"])


def test_resample_keeps_the_pitch_and_doubles_the_length() -> None:
    t = np.arange(8000) / 8000
    tone = (10000 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    out = resample(tone, 8000)
    assert out.dtype == np.int16 and out.size == 16000
    spectrum = np.abs(np.fft.rfft(out.astype(np.float64)))
    assert int(np.argmax(spectrum)) == 1000  # 1 Hz per bin over one second
    assert abs(int(np.abs(out).max()) - 10000) < 100


def test_last_voiced_sample() -> None:
    square = np.where(np.arange(3200) % 40 < 20, 8000, -8000).astype("<i2")
    pcm = np.concatenate([np.zeros(1600, "<i2"), square, np.zeros(1600, "<i2")]).tobytes()
    assert last_voiced_sample(pcm) == 1600 + 3200 - 1
    assert last_voiced_sample(b"\x00\x00" * RATE) == 0
    assert last_voiced_sample(b"") == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Do you have wireless earbuds under €50?", "do you have wireless earbuds under 50 euros"),
        (
            "do you have wireless earbuds under fifty euros",
            "do you have wireless earbuds under 50 euros",
        ),
        ("50€", "50 euros"),
        ("where is my order one two one eight six", "where is my order 12186"),
        ("Where is my order 1-2-1-8-6?", "where is my order 12186"),
        ("Where is my order 12186.", "where is my order 12186"),
        ("one hundred and twenty three", "123"),
        ("one thousand two hundred and five", "1205"),
        ("Twenty-one", "21"),
        ("twenty twelve", "20 12"),
        ("size forty two", "size 42"),
        ("Press 4 or 6.", "press 4 or 6"),
        ("press zero for greetings", "press 0 for greetings"),
        ("1,000 people", "1000 people"),
        ("2.5 kg", "2 point 5 kg"),
        ("the 2nd one", "the second 1"),
        ("I'm sorry, that's not a valid extension.", "i am sorry that is not a valid extension"),
        ("If you're looking, don't wait; we'll see", "if you are looking do not wait we will see"),
        ("I can’t, it won't; cannot", "i can not it will not can not"),
        ("M-A-E-L-L-E dot Clement at example.com", "m a e l l e dot clement at example dot com"),
        ("maelle.clement@example.com", "maelle dot clement at example dot com"),
        ("Okay, add two!", "ok add 2"),
        ("Wireless ear-buds; checkout", "wireless earbuds check out"),
        ("my e-mail", "my email"),
        ("a hundred", "a hundred"),
        ("", ""),
    ],
)
def test_normalise_text(text: str, expected: str) -> None:
    assert normalise_text(text) == expected


def test_word_errors() -> None:
    assert word_errors("the cat sat on the mat", "the cat sat on the mat") == (0, 6)
    assert word_errors("the cat sat on the mat", "The cat sat on mat.") == (1, 6)  # deletion
    assert word_errors("a b c d", "a x c d e") == (2, 4)  # substitution + insertion
    assert word_errors("add two", "") == (2, 2)
    assert word_errors("", "hello") == (1, 0)
    assert word_errors("where is my order one two one eight six", "Where is my order 12186?") == (
        0,
        5,
    )


def test_wer_sums_errors_over_all_reference_words() -> None:
    pairs = [
        ("where is my order one two one eight six", "Where is my order 12186?"),
        (
            "do you have wireless earbuds under fifty euros",
            "Do you have wireless earphones under €50?",
        ),
    ]
    assert wer(pairs) == pytest.approx(1 / 13)  # "earbuds" -> "earphones"
    with pytest.raises(ValueError, match="no reference words"):
        wer([("", "hello")])
