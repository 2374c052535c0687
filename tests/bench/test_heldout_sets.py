"""The held-out sets of bench/heldout/ load, cover the domain, and stay out of training.

The sets are only worth something while no text of theirs is a training example, so the
leak check reads the NLU training data (nlu_data/) and the user turns of the stories and
rules (bot/data/, which Rasa also learns from) and compares texts with case, punctuation
and spacing ignored.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench import heldout

ROOT = Path(__file__).resolve().parents[2]
MIN_PER_INTENT = 12

# An annotated entity in Rasa training data: [text](entity) or [text]{"entity": ...}.
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def _examples_block(examples: Any) -> Iterator[str]:
    """Example texts of an NLU item: a "- text" block string, or a list of {text: ...}."""
    if isinstance(examples, str):
        for line in examples.splitlines():
            stripped = line.strip()
            if stripped.startswith("- "):
                yield stripped[2:]
    elif isinstance(examples, list):
        for item in examples:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                yield item["text"]
            elif isinstance(item, str):
                yield item


def _story_user_turns(steps: Any) -> Iterator[str]:
    for step in steps or []:
        if isinstance(step, dict) and isinstance(step.get("user"), str):
            yield step["user"].strip()


def _training_texts() -> set[str]:
    """Normalised texts of every NLU example and every story or rule user turn."""
    texts: set[str] = set()
    for path in [*(ROOT / "nlu_data").rglob("*.yml"), *(ROOT / "bot" / "data").rglob("*.yml")]:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            continue
        for item in data.get("nlu") or []:
            if isinstance(item, dict) and "intent" in item:
                for example in _examples_block(item.get("examples")):
                    texts.add(heldout.normalise_text(_ANNOTATION.sub(r"\1", example)))
        for key in ("stories", "rules"):
            for block in data.get(key) or []:
                for turn in _story_user_turns(block.get("steps")):
                    texts.add(heldout.normalise_text(_ANNOTATION.sub(r"\1", turn)))
    return texts


# The first sets (bench/heldout/), and the fresh, third, requests and fourth ones written
# later by others (bench/heldout/<name>/): no text of any may be trained on. The fourth has
# policy and out-of-scope sets only.
INTENT_SET_DIRS = tuple(heldout.HELDOUT_DIR / name for name in ("", "fresh", "third", "requests"))
SET_DIRS = (*INTENT_SET_DIRS, heldout.HELDOUT_DIR / "fourth")


def _all_heldout_texts() -> list[str]:
    texts = [
        m.text
        for folder in INTENT_SET_DIRS
        for m in heldout.load_intent_set(folder / "intents.yml")
    ]
    for folder in SET_DIRS:
        texts += [m.text for m in heldout.load_out_of_scope_set(folder / "out_of_scope.yml")]
        texts += [q.text for q in heldout.load_faq_set(folder / "faq.yml")]
    return texts


def test_intent_set_loads_with_at_least_650_messages() -> None:
    assert len(heldout.load_intent_set()) >= 650


def test_every_domain_intent_has_at_least_12_messages() -> None:
    counts = Counter(m.intent for m in heldout.load_intent_set())
    short = {i: counts[i] for i in sorted(heldout.domain_intents()) if counts[i] < MIN_PER_INTENT}
    assert short == {}


def test_out_of_scope_set_loads_with_at_least_160_messages() -> None:
    assert len(heldout.load_out_of_scope_set()) >= 160


def test_faq_set_has_at_least_220_answerable_questions() -> None:
    assert sum(q.answerable for q in heldout.load_faq_set()) >= 220


def test_faq_set_has_at_least_30_questions_no_entry_answers() -> None:
    assert sum(not q.answerable for q in heldout.load_faq_set()) >= 30


def test_every_faq_label_is_an_entry_of_the_shop_faq() -> None:
    faq = yaml.safe_load((ROOT / "knowledge" / "data" / "faq.yml").read_text(encoding="utf-8"))
    entry_ids = {entry["id"] for entry in faq["entries"]}
    labels = {label for q in heldout.load_faq_set() for label in q.accepted_ids}
    assert labels - entry_ids == set()


def test_order_numbers_and_emails_expected_are_written_in_the_message() -> None:
    wrong = [
        (m.text, name, value)
        for m in heldout.load_intent_set()
        for name, value in m.entities.items()
        if name in ("order_number", "email") and value not in m.text
    ]
    assert wrong == []


def test_no_heldout_text_is_a_training_example() -> None:
    training = _training_texts()
    leaked = [text for text in _all_heldout_texts() if heldout.normalise_text(text) in training]
    assert leaked == [], f"held-out texts that are training examples: {leaked}"


def test_no_faq_question_is_a_question_or_alternate_of_the_shop_faq() -> None:
    faq = yaml.safe_load((ROOT / "knowledge" / "data" / "faq.yml").read_text(encoding="utf-8"))
    indexed = {
        heldout.normalise_text(text)
        for entry in faq["entries"]
        for text in [entry["question"], *entry.get("alternates", [])]
    }
    leaked = [text for text in _all_heldout_texts() if heldout.normalise_text(text) in indexed]
    assert leaked == [], f"held-out texts that the FAQ index holds: {leaked}"


def test_an_unknown_intent_is_refused_naming_the_intent(tmp_path: Path) -> None:
    path = tmp_path / "intents.yml"
    path.write_text(
        'version: 1\nmessages:\n  - {text: "where is my parcel", intent: track_parcel}\n',
        encoding="utf-8",
    )
    with pytest.raises(heldout.UnknownIntent, match="'track_parcel' is not declared"):
        heldout.load_intent_set(path)


def test_an_unknown_faq_id_is_refused_naming_the_id(tmp_path: Path) -> None:
    path = tmp_path / "faq.yml"
    path.write_text(
        'version: 1\nmessages:\n  - {text: "do you gift wrap", faq_id: gift-wrapping}\n',
        encoding="utf-8",
    )
    with pytest.raises(heldout.UnknownFaqId, match="'gift-wrapping' is not an entry"):
        heldout.load_faq_set(path)


def test_the_same_message_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "out_of_scope.yml"
    path.write_text(
        "version: 1\nmessages:\n"
        '  - {text: "Tell me a joke!", topic: jokes}\n'
        '  - {text: "tell me a joke", topic: jokes}\n',
        encoding="utf-8",
    )
    with pytest.raises(heldout.DuplicateMessage, match="repeats message #1"):
        heldout.load_out_of_scope_set(path)
