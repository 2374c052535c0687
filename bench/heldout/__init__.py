"""Held-out evaluation sets: shopper messages written apart from the training data.

Issue 6 judges the assistant on messages it has never seen. These sets (``intents.yml``,
``out_of_scope.yml``, ``faq.yml`` next to this module) were written by someone who had not
read ``nlu_data/``, so a score on them says how the assistant does on new shoppers, not
how well it remembers its own examples. They must never be used for training; the test
``tests/bench/test_heldout_sets.py`` fails when a text here turns up in ``nlu_data/``.

Loading validates every message against what the assistant really has (the intents of
``bot/domain/*.yml``, the entry ids of ``knowledge/data/faq.yml``), so a renamed intent or
FAQ entry fails loudly here instead of silently counting as a miss in a benchmark.

Needs only PyYAML and the standard library, and runs on Python 3.10 as well, so a
benchmark can read the sets from inside the Rasa venv.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HELDOUT_DIR = Path(__file__).resolve().parent
REPO_ROOT = HELDOUT_DIR.parent.parent
INTENTS_PATH = HELDOUT_DIR / "intents.yml"
OUT_OF_SCOPE_PATH = HELDOUT_DIR / "out_of_scope.yml"
FAQ_SET_PATH = HELDOUT_DIR / "faq.yml"
DEFAULT_DOMAIN_DIR = REPO_ROOT / "bot" / "domain"
DEFAULT_FAQ_PATH = REPO_ROOT / "knowledge" / "data" / "faq.yml"

# Entity names an intent message may expect. ``price_max`` / ``price_min`` stand for the
# ``price`` entity with role ``max`` / ``min`` (see the header of intents.yml).
ENTITY_NAMES = frozenset(
    {
        "order_number",
        "email",
        "colour",
        "size",
        "price_max",
        "price_min",
        "ordinal",
        "quantity",
        "brand",
        "location",
        "payment_method",
    }
)


class HeldoutSetError(ValueError):
    """A held-out set file that cannot be used as it is; says which file and message."""

    def __init__(self, path: Path, index: int | None, problem: str) -> None:
        self.path = path
        self.index = index
        self.problem = problem
        where = f"{path}" if index is None else f"{path}, message #{index + 1}"
        super().__init__(f"{where}: {problem}")


class UnknownIntent(HeldoutSetError):
    """A message names an intent the domain does not declare."""

    def __init__(self, path: Path, index: int, intent: str, known: Iterable[str]) -> None:
        self.intent = intent
        super().__init__(
            path,
            index,
            f"intent {intent!r} is not declared in bot/domain/*.yml "
            f"(known: {', '.join(sorted(known))}). Fix the label, or if the intent was "
            "renamed in the domain, rename it here too.",
        )


class UnknownFaqId(HeldoutSetError):
    """A question is labelled with an id that knowledge/data/faq.yml does not have."""

    def __init__(self, path: Path, index: int, faq_id: str, known: Iterable[str]) -> None:
        self.faq_id = faq_id
        super().__init__(
            path,
            index,
            f"FAQ id {faq_id!r} is not an entry of knowledge/data/faq.yml "
            f"(known: {', '.join(sorted(known))}). Use an existing id, or null when no "
            "entry answers the question.",
        )


class DuplicateMessage(HeldoutSetError):
    """The same text twice in one set would count one message double."""


@dataclass(frozen=True)
class IntentMessage:
    """A shopper message and the intent (and entities) that should come out of the NLU."""

    text: str
    intent: str
    entities: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutOfScopeMessage:
    """A message the shop cannot help with; it must stay out of shop actions."""

    text: str
    topic: str
    tricky: bool  # shares words with shop topics on purpose ("return a function value")


@dataclass(frozen=True)
class FaqQuestion:
    """A policy question and the FAQ entry that answers it (None: no entry does)."""

    text: str
    faq_id: str | None
    also: tuple[str, ...] = ()  # other entries whose answer is just as right

    @property
    def answerable(self) -> bool:
        return self.faq_id is not None

    @property
    def accepted_ids(self) -> frozenset[str]:
        """Every entry id that counts as a right answer (empty when none should be given)."""
        if self.faq_id is None:
            return frozenset()
        return frozenset((self.faq_id, *self.also))


def normalise_text(text: str) -> str:
    """The form two texts are compared in: case, punctuation, emoji and spacing ignored.

    A text made only of symbols ("👍") keeps its symbols, so it is not equal to every
    other symbol-only text.
    """
    words = " ".join(re.sub(r"[^\w\s]|_", " ", text.casefold()).split())
    return words or " ".join(text.split())


def domain_intents(domain_dir: Path = DEFAULT_DOMAIN_DIR) -> frozenset[str]:
    """The intents declared in the domain files (``intents:`` of ``*.yml``)."""
    files = sorted(domain_dir.glob("*.yml"))
    if not files:
        raise HeldoutSetError(domain_dir, None, "no domain files (*.yml) found here")
    names: set[str] = set()
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("intents") or []:
            # An intent is a name, or a one-key mapping {name: {use_entities: ...}}.
            names.update([item] if isinstance(item, str) else list(item))
    return frozenset(names)


def faq_ids(faq_path: Path = DEFAULT_FAQ_PATH) -> frozenset[str]:
    """The entry ids of the shop's FAQ file."""
    data = yaml.safe_load(faq_path.read_text(encoding="utf-8")) or {}
    return frozenset(str(entry["id"]) for entry in data.get("entries") or [])


def load_intent_set(
    path: Path = INTENTS_PATH, *, known_intents: frozenset[str] | None = None
) -> tuple[IntentMessage, ...]:
    """The intent set; every intent must be one of ``known_intents`` (default: the domain)."""
    known = domain_intents() if known_intents is None else known_intents
    messages: list[IntentMessage] = []
    for index, raw in enumerate(_raw_messages(path)):
        text = _string(path, index, raw, "text")
        intent = _string(path, index, raw, "intent")
        if intent not in known:
            raise UnknownIntent(path, index, intent, known)
        messages.append(IntentMessage(text, intent, _entities(path, index, raw)))
    _refuse_duplicates(path, [m.text for m in messages])
    return tuple(messages)


def load_out_of_scope_set(path: Path = OUT_OF_SCOPE_PATH) -> tuple[OutOfScopeMessage, ...]:
    """The out-of-scope set."""
    messages: list[OutOfScopeMessage] = []
    for index, raw in enumerate(_raw_messages(path)):
        tricky = raw.get("tricky", False)
        if not isinstance(tricky, bool):
            raise HeldoutSetError(path, index, f"'tricky' must be true or false, not {tricky!r}")
        text = _string(path, index, raw, "text")
        messages.append(OutOfScopeMessage(text, _string(path, index, raw, "topic"), tricky))
    _refuse_duplicates(path, [m.text for m in messages])
    return tuple(messages)


def load_faq_set(
    path: Path = FAQ_SET_PATH, *, known_ids: frozenset[str] | None = None
) -> tuple[FaqQuestion, ...]:
    """The FAQ set; every id must be one of ``known_ids`` (default: knowledge/data/faq.yml)."""
    known = faq_ids() if known_ids is None else known_ids
    questions: list[FaqQuestion] = []
    for index, raw in enumerate(_raw_messages(path)):
        text = _string(path, index, raw, "text")
        if "faq_id" not in raw:
            raise HeldoutSetError(path, index, "missing 'faq_id' (use null when no entry fits)")
        faq_id = raw["faq_id"]
        also = raw.get("also") or []
        if faq_id is not None and not isinstance(faq_id, str):
            raise HeldoutSetError(path, index, f"'faq_id' must be an id or null, not {faq_id!r}")
        if not isinstance(also, list) or not all(isinstance(a, str) for a in also):
            raise HeldoutSetError(path, index, f"'also' must be a list of ids, not {also!r}")
        if faq_id is None and also:
            raise HeldoutSetError(path, index, "'also' given for a question no entry answers")
        for label in [faq_id, *also] if faq_id is not None else []:
            if label not in known:
                raise UnknownFaqId(path, index, label, known)
        questions.append(FaqQuestion(text, faq_id, tuple(also)))
    _refuse_duplicates(path, [q.text for q in questions])
    return tuple(questions)


def _raw_messages(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("version") != 1:
        raise HeldoutSetError(path, None, "expected a mapping with 'version: 1' and 'messages'")
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages:
        raise HeldoutSetError(path, None, "'messages' must be a non-empty list")
    for index, raw in enumerate(messages):
        if not isinstance(raw, dict):
            raise HeldoutSetError(path, index, f"expected a mapping, got {raw!r}")
    return messages


def _string(path: Path, index: int, raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise HeldoutSetError(path, index, f"{key!r} must be a non-empty string, not {value!r}")
    return value


def _entities(path: Path, index: int, raw: Mapping[str, Any]) -> dict[str, str]:
    entities = raw.get("entities") or {}
    if not isinstance(entities, dict):
        raise HeldoutSetError(path, index, f"'entities' must be a mapping, not {entities!r}")
    for name, value in entities.items():
        if name not in ENTITY_NAMES:
            raise HeldoutSetError(
                path,
                index,
                f"unknown entity {name!r} (known: {', '.join(sorted(ENTITY_NAMES))})",
            )
        if not isinstance(value, str):
            raise HeldoutSetError(
                path, index, f"entity {name!r} value {value!r} must be a quoted string"
            )
    return dict(entities)


def _refuse_duplicates(path: Path, texts: list[str]) -> None:
    seen: dict[str, int] = {}
    for index, text in enumerate(texts):
        key = normalise_text(text)
        if key in seen:
            raise DuplicateMessage(
                path, index, f"{text!r} repeats message #{seen[key] + 1} (same words)"
            )
        seen[key] = index
