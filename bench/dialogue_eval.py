"""The whole assistant on the held-out sets: NLU, rules, actions and FAQ together, over REST.

    source scripts/env.sh
    .venv/bin/python -m bench.dialogue_eval [--model PATH] [--baseline-model PATH]
        [--code-root DIR] [--baseline-code-root DIR] [--details FILE]

``bench.nlu_eval`` scores the NLU alone and ``bench.faq_eval`` the FAQ index alone; issue 6's
targets are for what a shopper gets. So this benchmark starts the real stack
(``scripts/stackctl.py`` LocalStack: action server and Rasa server on free ports over a
scratch copy of ``var/``, the given model), sends every held-out message
(``bench/heldout/``) as the **first message of a fresh conversation** over the REST channel,
reads the conversation's tracker from Rasa's HTTP API and scores:

1. **intent right** (``intents.yml``): the intent Rasa recorded for the message is the
   label (``nlu_fallback`` is a miss);
2. **policy questions answered right** (``faq.yml``): the reply is the answer of an
   accepted FAQ entry (recognised by the entry id in the bot message's metadata or custom
   payload when the FAQ action records it, else by the answer text of the code root's
   ``knowledge/data/faq.yml``), or the entry maps to a flow (``FLOW_OF_ENTRY``) and that
   flow started. A question no entry answers is right when it gets no confident answer;
3. **out-of-scope kept out** (``out_of_scope.yml``): no shop action ran (every action that
   is not in ``NEUTRAL_ACTIONS``, so a new action counts as a shop action until it is
   listed) and no FAQ answer was given confidently.

Each figure has a 95% bootstrap interval over messages; with ``--baseline-model`` the same
messages go to a second stack (started after the first one stopped) and paired differences
are reported. Aggregates go to ``bench/results/dialogue-*.json``; message texts never do
(the sets must stay unseen by whoever writes training data): ``--details FILE`` writes
every message's outcome to a file you choose, outside the work tree.

``--code-root`` runs the stack's Python code and domain from another copy of the tree (a
snapshot of the code a model was trained with), so a baseline model is measured with its
own actions and FAQ.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.heldout import (
    HELDOUT_DIR,
    FaqQuestion,
    IntentMessage,
    OutOfScopeMessage,
    load_faq_set,
    load_intent_set,
    load_out_of_scope_set,
    normalise_text,
)
from knowledge.faq_data import load_faq
from scripts.stackctl import ROOT, LocalStack, StackError

log = logging.getLogger("bench.dialogue_eval")

RESULTS = ROOT / "bench" / "results"
RESAMPLES = 5000
EXAMPLES_PER_KIND = 3
TARGETS = {"intent_right": 0.90, "faq_right": 0.85, "oos_kept_out": 0.95}

# Actions that do not act on the shop: small talk, fallbacks, the unsure FAQ reply (checked
# separately), the offer of a person, Rasa's own bookkeeping. Anything else that runs after
# an out-of-scope message counts as a shop action.
# The unsure NLU's first step (issue 6): it answers from the FAQ (counted by the answer's
# text, as action_answer_faq), searches the catalog (a shop action: it leaves results in
# ``last_results``) or hands over to the two-stage fallback (neutral).
KNOWLEDGE_FALLBACK = "action_knowledge_fallback"
NEUTRAL_ACTIONS = frozenset(
    {
        "action_listen",
        "action_session_start",
        "action_restart",
        "action_back",
        "action_default_fallback",
        "action_two_stage_fallback",
        "action_default_ask_affirmation",
        "action_default_ask_rephrase",
        "action_deactivate_loop",
        "action_revert_fallback_events",
        "action_unlikely_intent",
        "action_request_handoff",
        "action_answer_faq",  # only its confident answers count, by their text
        "action_out_of_scope",  # likewise; else it hands over to utter_out_of_scope
    }
)

# FAQ entries whose question a flow answers better than the entry's text: asking "how do
# I track my order" and being asked for the order number is a right reply. Flows are named
# by ``flow_of``. Only entries whose question asks to *do* what the flow does are here.
FLOW_OF_ENTRY: Mapping[str, str] = {
    "tracking": "order:track",
    "order-status": "order:track",
    "parcel-lost": "order:track",
    "cancel-order": "order:cancel",
    "how-to-return": "order:return",
    "refund-time": "order:refund",
    "order-number": "list_orders",
    "contact": "handoff",
    "complaint": "handoff",
    "store-stock": "availability",
}

# Where the FAQ action may record the entry it answered from (bot message metadata or its
# custom payload); today it records nothing and the answer text is used.
FAQ_ID_KEYS = ("faq_id", "faq_entry", "faq_entry_id")


class EvalError(RuntimeError):
    """The benchmark cannot produce meaningful figures (a turn failed twice, no tracker)."""


# --- what one turn did ---------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """What the assistant did with one first message, read from its tracker."""

    intent: str
    confidence: float
    actions: tuple[str, ...]  # every action after the message, action_listen left out
    slots: Mapping[str, Any]  # slots set after the message (last value wins)
    replies: tuple[str, ...]  # bot texts
    faq_ids: tuple[str, ...] = ()  # entry ids the bot recorded with its messages
    seconds: float = 0.0


def read_turn(tracker: Mapping[str, Any], seconds: float = 0.0) -> Turn:
    """The first user message of ``tracker`` and everything the bot did after it."""
    events: Sequence[Mapping[str, Any]] = tracker.get("events") or []
    start = next((i for i, e in enumerate(events) if e.get("event") == "user"), None)
    if start is None:
        raise EvalError(f"tracker {tracker.get('sender_id')!r} has no user message")
    parsed = events[start].get("parse_data") or {}
    intent = parsed.get("intent") or {}
    actions: list[str] = []
    slots: dict[str, Any] = {}
    replies: list[str] = []
    faq: list[str] = []
    for event in events[start + 1 :]:
        kind = event.get("event")
        if kind == "user":
            break
        if kind == "action" and event.get("name") != "action_listen":
            actions.append(str(event.get("name")))
        elif kind == "slot":
            slots[str(event.get("name"))] = event.get("value")
        elif kind == "bot":
            if event.get("text"):
                replies.append(str(event["text"]))
            faq += _recorded_faq_ids(event)
    return Turn(
        intent=str(intent.get("name") or ""),
        confidence=float(intent.get("confidence") or 0.0),
        actions=tuple(actions),
        slots=slots,
        replies=tuple(replies),
        faq_ids=tuple(faq),
        seconds=seconds,
    )


def _recorded_faq_ids(event: Mapping[str, Any]) -> list[str]:
    data = event.get("data") or {}
    places = [event.get("metadata") or {}, data.get("custom") or {}]
    return [
        str(place[key])
        for place in places
        if isinstance(place, Mapping)
        for key in FAQ_ID_KEYS
        if isinstance(place.get(key), str)
    ]


# --- scoring ------------------------------------------------------------------------------


class AnswerBook:
    """Recognises FAQ answers in bot replies, by recorded id or by the answer's words."""

    def __init__(self, answers: Mapping[str, str]) -> None:
        self._by_text = {normalise_text(text): entry_id for entry_id, text in answers.items()}

    @classmethod
    def from_faq_file(cls, path: Path) -> AnswerBook:
        return cls({entry.id: entry.answer for entry in load_faq(path)})

    def answered(self, turn: Turn) -> tuple[str, ...]:
        """Entry ids answered confidently in ``turn`` (a reply that holds an entry's whole
        answer, e.g. behind a short lead-in, counts as that entry)."""
        if turn.faq_ids:
            return turn.faq_ids
        found: list[str] = []
        for reply in turn.replies:
            said = normalise_text(reply)
            found += [entry for text, entry in self._by_text.items() if text and text in said]
        return tuple(dict.fromkeys(found))


# The action that starts an order request; the request itself begins only when the form
# runs after it (the action may instead answer from the FAQ, or say that the parcel of
# another business is not one it can look up, and stop there).
START_ORDER_REQUEST = "action_start_order_request"
ORDER_FORM = "order_request_form"


def flow_of(turn: Turn) -> str | None:
    """The shop flow a turn started, in ``FLOW_OF_ENTRY``'s names (None: no flow)."""
    if ORDER_FORM in turn.actions:
        return f"order:{turn.slots.get('order_purpose') or 'track'}"
    for action, flow in (
        ("action_list_orders", "list_orders"),
        ("action_request_handoff", "handoff"),
        ("action_check_availability", "availability"),
    ):
        if action in turn.actions:
            return flow
    return None


def shop_actions(turn: Turn, book: AnswerBook) -> tuple[str, ...]:
    """What acted on the shop: every non-neutral action, and a confident FAQ answer."""
    acted = [
        a
        for a in turn.actions
        if a not in NEUTRAL_ACTIONS
        and not a.startswith("utter_")
        and (a != KNOWLEDGE_FALLBACK or turn.slots.get("last_results"))
        and (a != START_ORDER_REQUEST or ORDER_FORM in turn.actions)
        and a != ORDER_FORM  # counted with the action that starts it
    ]
    acted += [f"faq answer {entry}" for entry in book.answered(turn)]
    return tuple(acted)


def what_ran(turn: Turn, book: AnswerBook) -> str:
    """A short name for what the assistant did, to count failures and kept-out replies by."""
    acted = shop_actions(turn, book)
    if "action_start_order_request" in acted:
        return f"order flow ({turn.slots.get('order_purpose') or 'track'})"
    if acted:
        return acted[0] if not acted[0].startswith("faq answer") else "faq answer"
    if "action_two_stage_fallback" in turn.actions or turn.intent == "nlu_fallback":
        return "two-stage fallback"
    if "action_answer_faq" in turn.actions:
        return "faq unsure"
    if START_ORDER_REQUEST in turn.actions:
        return "order request stopped before its form"
    shown = [a for a in turn.actions if a not in ("action_session_start", "action_out_of_scope")]
    return shown[0] if shown else "nothing"


@dataclass(frozen=True)
class FaqVerdict:
    right: bool
    kind: str  # "right answer", "right flow", "kept unsure", "wrong entry", "faq unsure", ...
    confident: bool  # an FAQ answer was given


def judge_faq(question: FaqQuestion, turn: Turn, book: AnswerBook) -> FaqVerdict:
    """Right: an accepted entry's answer, or the flow an accepted entry maps to; for a
    question no entry answers, any reply but a confident FAQ answer."""
    answered = set(book.answered(turn))
    if not question.answerable:
        if answered:
            return FaqVerdict(False, "confident answer", True)
        return FaqVerdict(True, "kept unsure", False)
    if answered & question.accepted_ids:
        return FaqVerdict(True, "right answer", True)
    flows = {FLOW_OF_ENTRY[i] for i in question.accepted_ids if i in FLOW_OF_ENTRY}
    if flow_of(turn) in flows:
        return FaqVerdict(True, "right flow", bool(answered))
    if answered:
        return FaqVerdict(False, "wrong entry", True)
    return FaqVerdict(False, what_ran(turn, book), False)


def bootstrap(values: Sequence[float], rng: np.random.Generator) -> tuple[float, float]:
    """95% percentile interval of the mean over ``RESAMPLES`` resamples of ``values``."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return (float("nan"), float("nan"))
    means = data[rng.integers(0, data.size, size=(RESAMPLES, data.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return (round(float(low), 4), round(float(high), 4))


def paired_bootstrap(
    ours: Sequence[float], theirs: Sequence[float], rng: np.random.Generator
) -> tuple[float, float, float]:
    """Mean difference ours - theirs over the same messages, and its 95% interval."""
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if a.shape != b.shape or a.size == 0:
        raise ValueError("paired figures need the same non-empty set of messages")
    picks = rng.integers(0, a.size, size=(RESAMPLES, a.size))
    diffs = (a[picks] - b[picks]).mean(axis=1)
    low, high = np.percentile(diffs, [2.5, 97.5])
    return (round(float((a - b).mean()), 4), round(float(low), 4), round(float(high), 4))


def figure(hits: Sequence[bool], rng: np.random.Generator) -> dict[str, Any]:
    """Share with interval and counts, as every benchmark here reports it."""
    values = [1.0 if h else 0.0 for h in hits]
    share = round(sum(values) / len(values), 4) if values else float("nan")
    low, high = bootstrap(values, rng)
    return {"share": share, "low": low, "high": high, "right": int(sum(values)), "n": len(values)}


# --- one model over all sets ---------------------------------------------------------------


@dataclass
class ModelRun:
    """Per-message outcomes of one model (same order as the sets)."""

    label: str
    model: Path
    code_root: Path
    intent_turns: list[Turn] = field(default_factory=list)
    faq_turns: list[Turn] = field(default_factory=list)
    oos_turns: list[Turn] = field(default_factory=list)
    startup_s: dict[str, float] = field(default_factory=dict)
    wall_s: float = 0.0


@dataclass(frozen=True)
class HeldOut:
    intents: tuple[IntentMessage, ...]
    faq: tuple[FaqQuestion, ...]
    oos: tuple[OutOfScopeMessage, ...]


def converse(stack: LocalStack, texts: Sequence[str], prefix: str, workers: int) -> list[Turn]:
    """Each text as the first message of its own conversation; the turns in text order."""

    def one(index_text: tuple[int, str]) -> Turn:
        index, text = index_text
        for attempt in (1, 2):
            sender = f"eval-{prefix}-{index}-{uuid.uuid4().hex[:6]}"
            started = time.perf_counter()
            try:
                stack.conversations.send(sender, text)
                seconds = time.perf_counter() - started
                return read_turn(stack.conversations.tracker(sender), seconds)
            except (StackError, OSError) as exc:
                log.warning("%s #%d failed (attempt %d): %s", prefix, index, attempt, exc)
        raise EvalError(f"{prefix} message #{index + 1} failed twice; see the stack logs")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, enumerate(texts)))


def run_model(
    label: str,
    model: Path,
    code_root: Path,
    sets: HeldOut,
    work: Path,
    *,
    source_var: Path,
    workers: int,
    load: LoadSampler,
    start_timeout: float,
) -> ModelRun:
    """Start a private stack on ``model`` and send it every held-out message."""
    local = LocalStack.create(work / label, source_var=source_var, model=model)
    # the code root's own FAQ file: scripts/env.sh exports FAQ_PATH into the work tree
    extra_env = {**local.cfg.extra_env, "FAQ_PATH": str(faq_file(code_root))}
    stack = LocalStack(dataclasses.replace(local.cfg, root=code_root, extra_env=extra_env))
    for child in stack.children.values():
        # loading a Rasa model takes minutes when the 2 cores are shared with trainings
        child.spec = dataclasses.replace(child.spec, health_timeout=start_timeout)
    run = ModelRun(label, model, code_root)
    started = time.perf_counter()
    try:
        run.startup_s = {k: round(v, 1) for k, v in stack.start("actions", "rasa").items()}
        log.info("%s: stack up %s (logs in %s)", label, run.startup_s, stack.cfg.log_dir)
        load.sample()
        converse(stack, ["hello"], f"{label}-warmup", 1)
        for name, texts, target in (
            ("intents", [m.text for m in sets.intents], run.intent_turns),
            ("faq", [q.text for q in sets.faq], run.faq_turns),
            ("oos", [m.text for m in sets.oos], run.oos_turns),
        ):
            target += converse(stack, texts, f"{label}-{name}", workers)
            load.sample()
            log.info("%s: %s done (%d messages)", label, name, len(texts))
    finally:
        stack.stop()
    run.wall_s = round(time.perf_counter() - started, 1)
    return run


# --- figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    """0/1 outcome vectors (for intervals and pairing) and the aggregates of one run."""

    hits: dict[str, list[bool]]
    report: dict[str, Any]
    examples: dict[str, dict[str, list[int]]]  # figure -> failure kind -> message indexes


def score(run: ModelRun, sets: HeldOut, book: AnswerBook, seed: int = 7) -> Scored:
    rng = np.random.default_rng(seed)
    intent_hits = [
        t.intent == m.intent for m, t in zip(sets.intents, run.intent_turns, strict=True)
    ]
    verdicts = [judge_faq(q, t, book) for q, t in zip(sets.faq, run.faq_turns, strict=True)]
    answerable = [v for q, v in zip(sets.faq, verdicts, strict=True) if q.answerable]
    no_entry = [v for q, v in zip(sets.faq, verdicts, strict=True) if not q.answerable]
    confident = [v for v in verdicts if v.confident]
    oos_acted = [shop_actions(t, book) for t in run.oos_turns]
    oos_hits = [not acted for acted in oos_acted]
    tricky_hits = [h for h, m in zip(oos_hits, sets.oos, strict=True) if m.tricky]
    hits = {
        "intent_right": intent_hits,
        "faq_right": [v.right for v in answerable],
        "faq_all_right": [v.right for v in verdicts],
        "faq_no_entry_kept_unsure": [v.right for v in no_entry],
        "oos_kept_out": oos_hits,
    }
    examples: dict[str, dict[str, list[int]]] = {"intent": {}, "faq": {}, "oos": {}}
    for i, (m, t) in enumerate(zip(sets.intents, run.intent_turns, strict=True)):
        if t.intent != m.intent:
            examples["intent"].setdefault(f"{m.intent} -> {t.intent}", []).append(i)
    for i, (q, v) in enumerate(zip(sets.faq, verdicts, strict=True)):
        if not v.right:
            where = "answerable" if q.answerable else "no entry"
            examples["faq"].setdefault(f"{where}: {v.kind}", []).append(i)
    for i, t in enumerate(run.oos_turns):
        if oos_acted[i]:
            examples["oos"].setdefault(what_ran(t, book), []).append(i)
    report: dict[str, Any] = {
        "model": str(run.model),
        "model_sha256": file_digest(run.model),
        "code_root": str(run.code_root),
        "startup_s": run.startup_s,
        "wall_s": run.wall_s,
        **{name: figure(values, rng) for name, values in hits.items()},
        "oos_tricky_kept_out": figure(tricky_hits, rng),
        "faq_confident_precision": figure([v.right for v in confident], rng),
        "faq_kinds": dict(Counter(v.kind for v in answerable).most_common()),
        "faq_no_entry_kinds": dict(Counter(v.kind for v in no_entry).most_common()),
        "oos_what_ran": dict(Counter(what_ran(t, book) for t in run.oos_turns).most_common()),
        "intent_fell_back": sum(t.intent == "nlu_fallback" for t in run.intent_turns),
        "per_intent": per_intent(sets.intents, run.intent_turns),
        "intent_confusions": {k: len(v) for k, v in _largest(examples["intent"])},
        "turn_ms": turn_ms(run.intent_turns + run.faq_turns + run.oos_turns),
    }
    return Scored(hits, report, examples)


def per_intent(messages: Sequence[IntentMessage], turns: Sequence[Turn]) -> dict[str, Any]:
    table: dict[str, list[int]] = {}
    for m, t in zip(messages, turns, strict=True):
        row = table.setdefault(m.intent, [0, 0])
        row[0] += t.intent == m.intent
        row[1] += 1
    return {
        k: {"right": r, "n": n, "share": round(r / n, 4)} for k, (r, n) in sorted(table.items())
    }


def turn_ms(turns: Sequence[Turn]) -> dict[str, float]:
    seconds = sorted(t.seconds for t in turns)
    if len(seconds) < 2:
        return {}
    q = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50": round(1000 * statistics.median(seconds), 1), "p95": round(1000 * q[94], 1)}


def _largest(kinds: Mapping[str, list[int]]) -> list[tuple[str, list[int]]]:
    return sorted(kinds.items(), key=lambda item: (-len(item[1]), item[0]))


def faq_file(code_root: Path) -> Path:
    """The FAQ file a stack run from ``code_root`` answers from (and is scored against)."""
    return code_root / "knowledge" / "data" / "faq.yml"


def file_digest(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


class LoadSampler:
    """The 1-minute load average at chosen moments: the machine is shared, figures say so."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    def sample(self) -> None:
        self.samples.append(round(os.getloadavg()[0], 2))

    def summary(self) -> dict[str, Any]:
        s = self.samples
        return {"samples": s, "min": min(s), "max": max(s)} if s else {}


# --- output --------------------------------------------------------------------------------

HEADLINES = (
    ("intent_right", "intent right (intents.yml)"),
    ("faq_right", "policy questions answered right (answerable)"),
    ("faq_no_entry_kept_unsure", "no-entry questions without a confident answer"),
    ("faq_all_right", "policy questions right, all (answerable + no entry)"),
    ("faq_confident_precision", "confident FAQ answers that are right"),
    ("oos_kept_out", "out-of-scope kept out of shop actions"),
    ("oos_tricky_kept_out", "  of them sharing shop words"),
)


def cell(fig: Mapping[str, Any]) -> str:
    interval = f"[{100 * fig['low']:.1f}, {100 * fig['high']:.1f}]"
    return f"{100 * fig['share']:.1f}% {interval} ({fig['right']}/{fig['n']})"


def text_report(reports: Mapping[str, Mapping[str, Any]], paired: Mapping[str, Any]) -> str:
    labels = list(reports)
    lines = ["", "figure | " + " | ".join(labels) + (" | paired difference" if paired else "")]
    for key, title in HEADLINES:
        row = [cell(reports[label][key]) for label in labels]
        if key in paired:
            d = paired[key]
            row.append(f"{100 * d[0]:+.1f} [{100 * d[1]:+.1f}, {100 * d[2]:+.1f}]")
        target = f" (target {100 * TARGETS[key]:.0f}%)" if key in TARGETS else ""
        lines.append(f"{title}{target} | " + " | ".join(row))
    lines.append("")
    lines.append("intent | " + " | ".join(labels))
    first = reports[labels[0]]["per_intent"]
    for intent in first:
        cells = [f"{100 * reports[label]['per_intent'][intent]['share']:.1f}%" for label in labels]
        lines.append(f"{intent} ({first[intent]['n']}) | " + " | ".join(cells))
    for label in labels:
        r = reports[label]
        lines += [
            "",
            f"[{label}] model {r['model']} (sha256 {r['model_sha256']}), code {r['code_root']}",
            f"  startup {r['startup_s']}, wall {r['wall_s']} s, turn {r['turn_ms']} ms",
            f"  intents fell back: {r['intent_fell_back']}",
            f"  answerable FAQ outcomes: {r['faq_kinds']}",
            f"  no-entry FAQ outcomes: {r['faq_no_entry_kinds']}",
            f"  out-of-scope, what ran: {r['oos_what_ran']}",
            f"  top intent confusions: {dict(list(r['intent_confusions'].items())[:12])}",
        ]
    return "\n".join(lines)


def details(
    sets: HeldOut,
    scored: Mapping[str, Scored],
    runs: Mapping[str, ModelRun],
    books: Mapping[str, AnswerBook],
) -> dict[str, Any]:
    """Per message outcomes WITH the texts: for a file outside the work tree only."""
    out: dict[str, Any] = {}
    for label, run in runs.items():
        book = books[label]
        out[label] = {
            "intents": [
                {"text": m.text, "label": m.intent, "got": t.intent, "ran": list(t.actions)}
                for m, t in zip(sets.intents, run.intent_turns, strict=True)
            ],
            "faq": [
                {
                    "text": q.text,
                    "label": q.faq_id,
                    "verdict": judge_faq(q, t, book).kind,
                    "intent": t.intent,
                    "ran": list(t.actions),
                    "reply": list(t.replies),
                }
                for q, t in zip(sets.faq, run.faq_turns, strict=True)
            ],
            "oos": [
                {"text": m.text, "what_ran": what_ran(t, book), "intent": t.intent}
                for m, t in zip(sets.oos, run.oos_turns, strict=True)
            ],
            "examples": {
                kind: {k: v[:EXAMPLES_PER_KIND] for k, v in _largest(found)}
                for kind, found in scored[label].examples.items()
            },
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "var" / "models")
    parser.add_argument("--code-root", type=Path, default=ROOT)
    parser.add_argument("--baseline-model", type=Path)
    parser.add_argument("--baseline-code-root", type=Path)
    parser.add_argument("--source-var", type=Path, default=ROOT / "var")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--workers", type=int, default=2, help="conversations at once")
    parser.add_argument("--start-timeout", type=float, default=900.0, help="seconds per server")
    parser.add_argument("--limit", type=int, help="only the first N messages of each set")
    parser.add_argument("--json", type=Path, help="default bench/results/dialogue-<time>.json")
    parser.add_argument("--details", type=Path, help="per-message outcomes WITH texts")
    parser.add_argument(
        "--sets",
        type=Path,
        default=HELDOUT_DIR,
        help="folder of intents.yml, faq.yml, out_of_scope.yml (default bench/heldout; "
        "bench/heldout/fresh, third, requests and fourth hold the later sets; a folder "
        "without intents.yml, as fourth, gives no intent figure)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.details and args.details.resolve().is_relative_to(ROOT):
        parser.error("--details holds held-out texts: write it outside the work tree")

    folder = args.sets.resolve()
    intents_path = folder / "intents.yml"
    sets = HeldOut(
        load_intent_set(intents_path) if intents_path.is_file() else (),
        load_faq_set(folder / "faq.yml"),
        load_out_of_scope_set(folder / "out_of_scope.yml"),
    )
    if args.limit:
        n = args.limit
        sets = HeldOut(sets.intents[:n], sets.faq[:n], sets.oos[:n])
    candidates = [("model", args.model.resolve(), args.code_root.resolve())]
    if args.baseline_model:
        base_code = (args.baseline_code_root or args.code_root).resolve()
        candidates.append(("baseline", args.baseline_model.resolve(), base_code))
    load = LoadSampler()
    load.sample()
    started = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    runs: dict[str, ModelRun] = {}
    with tempfile.TemporaryDirectory(prefix="dialogue-eval-") as tmp:
        work = args.workdir or Path(tmp)
        for label, model, code in candidates:
            runs[label] = run_model(
                label,
                model,
                code,
                sets,
                work,
                source_var=args.source_var,
                workers=args.workers,
                load=load,
                start_timeout=args.start_timeout,
            )
    books = {
        label: AnswerBook.from_faq_file(faq_file(run.code_root)) for label, run in runs.items()
    }
    scored = {label: score(run, sets, books[label]) for label, run in runs.items()}
    paired: dict[str, Any] = {}
    if "baseline" in scored:
        rng = np.random.default_rng(11)
        for key in scored["model"].hits:
            if not scored["model"].hits[key]:  # e.g. no no-entry question within --limit
                continue
            paired[key] = paired_bootstrap(
                scored["model"].hits[key], scored["baseline"].hits[key], rng
            )
    reports = {label: s.report for label, s in scored.items()}
    result = {
        "started_utc": started,
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "load_average_1min": load.summary(),
        "sets": str(folder.relative_to(ROOT)) if folder.is_relative_to(ROOT) else str(folder),
        "messages": {"intents": len(sets.intents), "faq": len(sets.faq), "oos": len(sets.oos)},
        "workers": args.workers,
        "flow_of_entry": dict(FLOW_OF_ENTRY),
        "targets": TARGETS,
        "models": reports,
        "paired_model_minus_baseline": {k: list(v) for k, v in paired.items()},
    }
    out = args.json or RESULTS / f"dialogue-{started}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.details:
        args.details.parent.mkdir(parents=True, exist_ok=True)
        payload = details(sets, scored, runs, books)
        args.details.write_text(json.dumps(payload, indent=1, ensure_ascii=False), "utf-8")
    print(text_report(reports, paired))
    print(f"\nload average (1 min) during the run: {load.summary()}")
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
