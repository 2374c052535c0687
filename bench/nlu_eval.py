"""NLU pipeline variants on the held-out messages, side by side.

    source scripts/env.sh
    .venv/bin/python -m bench.nlu_eval [--variant NAME=CONFIG.yml ...] [--json OUT.json]

Default variants: ``baseline`` (bench/nlu/config_baseline.yml, a copy of today's config.yml)
and ``dense`` (bench/nlu/config_dense.yml: the same + the MiniLM featurizer). For each one:

1. ``rasa train nlu`` (Rasa venv) on the NLU data the assistant trains on (``nlu_data/``,
   with the demo catalog's lookup tables in ``nlu_data/lookups/``) into a temporary folder,
   timed as wall clock (Rasa's own start-up included);
2. every held-out message (``--sets``, default bench/heldout: the intent set and the
   out-of-scope set) parsed with the trained model in process, in the Rasa venv
   (bench/nlu_parse.py);
3. scored here:
   - intent accuracy: the final intent (after FallbackClassifier and the out-of-vocabulary
     fallback) is the labelled one, overall and per intent; ``nlu_fallback`` counts as a
     miss. Also the classifier's own top intent (fallback ignored), and how many messages
     fell back;
   - out-of-scope kept out: the final intent is ``out_of_scope``, ``chitchat`` or
     ``nlu_fallback``, or its confidence is below the FallbackClassifier threshold of the
     variant's config;
   - entities: of the labelled order_number / email / colour / size values, the share that
     came out with that entity name and value (case ignored);
   - parse latency p50 / p95 (``Agent.parse_message``, one message at a time).

The held-out sets are only read here, never trained on (see bench/heldout/__init__.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.heldout import HELDOUT_DIR, IntentMessage, load_intent_set, load_out_of_scope_set

ROOT = Path(__file__).resolve().parent.parent
VARIANT_DIR = ROOT / "bench" / "nlu"
DEFAULT_VARIANTS = ("baseline", "dense")
KEPT_OUT_INTENTS = frozenset({"out_of_scope", "chitchat", "nlu_fallback"})
SCORED_ENTITIES = ("order_number", "email", "colour", "size")
FALLBACK = "nlu_fallback"


class BenchError(RuntimeError):
    """A step of the benchmark failed; carries the command and its output's tail."""

    def __init__(self, step: str, command: Sequence[str], output: str) -> None:
        self.step = step
        self.command = list(command)
        self.output = output
        tail = "\n".join(output.strip().splitlines()[-25:])
        super().__init__(f"{step} failed: {' '.join(command)}\n{tail}")


@dataclass
class VariantResult:
    """What one pipeline variant scored."""

    name: str
    config: Path
    train_s: float
    load_s: float
    threshold: float
    intent_total: int = 0
    intent_right: int = 0
    classifier_right: int = 0
    fell_back: int = 0
    per_intent: dict[str, list[int]] = field(default_factory=dict)  # intent -> [right, total]
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    oos_total: int = 0
    oos_kept_out: int = 0
    oos_tricky_total: int = 0
    oos_tricky_kept_out: int = 0
    entities: dict[str, list[int]] = field(default_factory=dict)  # name -> [found, labelled]
    latencies_ms: list[float] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "config": str(self.config.relative_to(ROOT)),
            "train_s": round(self.train_s, 1),
            "intent_accuracy": ratio(self.intent_right, self.intent_total),
            "classifier_accuracy": ratio(self.classifier_right, self.intent_total),
            "fell_back": self.fell_back,
            "intent_messages": self.intent_total,
            "per_intent": {k: ratio(*v) for k, v in sorted(self.per_intent.items())},
            "out_of_scope_kept_out": ratio(self.oos_kept_out, self.oos_total),
            "out_of_scope_tricky_kept_out": ratio(self.oos_tricky_kept_out, self.oos_tricky_total),
            "out_of_scope_messages": self.oos_total,
            "entities": {k: [*v, ratio(*v)] for k, v in self.entities.items()},
            "parse_ms_p50": percentile(self.latencies_ms, 50),
            "parse_ms_p95": percentile(self.latencies_ms, 95),
            "top_confusions": [
                [want, got, n] for (want, got), n in self.confusions.most_common(12)
            ],
        }


def ratio(right: int, total: int) -> float:
    return round(right / total, 4) if total else 0.0


def percentile(values: Sequence[float], q: int) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 2)


def fallback_threshold(config: Path) -> float:
    """The FallbackClassifier threshold of a pipeline config."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    for component in data.get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))  # Rasa's default
    raise ValueError(f"{config} has no FallbackClassifier in its pipeline")


def training_data_dir(target: Path, nlu_data: Path) -> Path:
    """One folder with the NLU files, lookups included (``rasa train nlu`` takes one)."""
    target.mkdir(parents=True)
    sources = sorted(nlu_data.rglob("*.yml"))
    for index, source in enumerate(sources):
        shutil.copyfile(source, target / f"{index:02d}_{source.name}")
    return target


def run(step: str, command: Sequence[str], env: Mapping[str, str]) -> str:
    done = subprocess.run(
        list(command), cwd=ROOT, env=dict(env), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(step, command, done.stdout + done.stderr)
    return done.stdout


def train(
    name: str, config: Path, data: Path, out: Path, rasa_bin: Path, env: Mapping[str, str]
) -> tuple[Path, float]:
    command = [
        str(rasa_bin), "train", "nlu", "--config", str(config), "--domain", "bot/domain",
        "--nlu", str(data), "--out", str(out), "--fixed-model-name", name,
    ]  # fmt: skip
    started = time.perf_counter()
    run(f"training '{name}'", command, env)
    elapsed = time.perf_counter() - started
    model = out / f"{name}.tar.gz"
    if not model.is_file():
        raise BenchError(f"training '{name}'", command, f"no model at {model}")
    return model, elapsed


def parse(
    model: Path, texts: Sequence[str], work: Path, rasa_python: Path, env: Mapping[str, str]
) -> dict[str, Any]:
    texts_file = work / "texts.json"
    texts_file.write_text(json.dumps(list(texts)), encoding="utf-8")
    command = [str(rasa_python), "-m", "bench.nlu_parse", str(model), str(texts_file)]
    output = run(f"parsing with {model.name}", command, env)
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def entity_found(expected: str, name: str, entities: Sequence[Mapping[str, Any]]) -> bool:
    want = expected.strip().casefold()
    return any(
        e.get("entity") == name and str(e.get("value")).strip().casefold() == want for e in entities
    )


def score(
    result: VariantResult,
    intents: Sequence[IntentMessage],
    oos_tricky: Sequence[bool],
    parses: Sequence[Mapping[str, Any]],
) -> None:
    """Fills ``result`` from the parses: first the intent set, then the out-of-scope set."""
    for message, parsed in zip(intents, parses[: len(intents)], strict=True):
        right = parsed["intent"] == message.intent
        result.intent_total += 1
        result.intent_right += right
        result.classifier_right += parsed["classifier_intent"] == message.intent
        result.fell_back += parsed["intent"] == FALLBACK
        tally = result.per_intent.setdefault(message.intent, [0, 0])
        tally[0] += right
        tally[1] += 1
        if not right:
            result.confusions[(message.intent, str(parsed["intent"]))] += 1
        for name in SCORED_ENTITIES:
            if name in message.entities:
                counts = result.entities.setdefault(name, [0, 0])
                counts[0] += entity_found(message.entities[name], name, parsed["entities"])
                counts[1] += 1
    for tricky, parsed in zip(oos_tricky, parses[len(intents) :], strict=True):
        kept_out = parsed["intent"] in KEPT_OUT_INTENTS or parsed["confidence"] < result.threshold
        result.oos_total += 1
        result.oos_kept_out += kept_out
        result.oos_tricky_total += tricky
        result.oos_tricky_kept_out += tricky and kept_out
    result.latencies_ms = [float(p["ms"]) for p in parses]


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def table(results: Sequence[VariantResult]) -> str:
    """The side-by-side markdown tables: summary, entities, then per intent."""
    data = [r.as_json() for r in results]
    head = "| | " + " | ".join(r.name for r in results) + " |"
    rule = "|---|" + "---:|" * len(results)
    lines = [head, rule]

    def row(label: str, cells: Sequence[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    n = data[0]["intent_messages"]
    row(f"intent accuracy ({n} messages)", [percent(d["intent_accuracy"]) for d in data])
    row("classifier's top intent right (fallback ignored)", [
        percent(d["classifier_accuracy"]) for d in data
    ])  # fmt: skip
    row("fell back (nlu_fallback)", [str(d["fell_back"]) for d in data])
    m = data[0]["out_of_scope_messages"]
    row(f"out-of-scope kept out ({m} messages)", [
        percent(d["out_of_scope_kept_out"]) for d in data
    ])  # fmt: skip
    row("  of them sharing shop words", [percent(d["out_of_scope_tricky_kept_out"]) for d in data])
    for name in SCORED_ENTITIES:
        cells = [
            f"{percent(d['entities'][name][2])} ({d['entities'][name][0]}/{d['entities'][name][1]})"
            if name in d["entities"]
            else "-"
            for d in data
        ]
        row(f"entity {name} found", cells)
    row("parse p50 / p95 (ms)", [f"{d['parse_ms_p50']} / {d['parse_ms_p95']}" for d in data])
    row("`rasa train nlu` wall time (s)", [f"{d['train_s']:.0f}" for d in data])
    lines += ["", "| intent | " + " | ".join(r.name for r in results) + " |", rule]
    for intent in sorted(results[0].per_intent):
        total = results[0].per_intent[intent][1]
        row(f"{intent} ({total})", [percent(d["per_intent"][intent]) for d in data])
    return "\n".join(lines)


def variants_from(arguments: Sequence[str]) -> list[tuple[str, Path]]:
    chosen: list[tuple[str, Path]] = []
    for argument in arguments or DEFAULT_VARIANTS:
        name, _, path = argument.partition("=")
        config = Path(path) if path else VARIANT_DIR / f"config_{name}.yml"
        if not config.is_file():
            raise FileNotFoundError(f"variant {name!r}: no pipeline config at {config}")
        chosen.append((name, config.resolve()))
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--variant", action="append", default=[], metavar="NAME[=CONFIG]")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--sets",
        type=Path,
        default=HELDOUT_DIR,
        help="folder of intents.yml and out_of_scope.yml (default bench/heldout; "
        "bench/heldout/fresh, third and requests hold the later sets)",
    )
    args = parser.parse_args(argv)
    rasa_venv = Path(os.environ.get("RASA_VENV") or ROOT / ".venv-rasa")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    intents = load_intent_set(args.sets / "intents.yml")
    out_of_scope = load_out_of_scope_set(args.sets / "out_of_scope.yml")
    texts = [m.text for m in intents] + [m.text for m in out_of_scope]
    results: list[VariantResult] = []
    with tempfile.TemporaryDirectory(prefix="nlu-eval-") as tmp:
        work = Path(tmp)
        data = training_data_dir(work / "data", ROOT / "nlu_data")
        for name, config in variants_from(args.variant):
            sys.stderr.write(f"[nlu_eval] training {name} ({config.name})...\n")
            model, train_s = train(
                name, config, data, work / "models", rasa_venv / "bin" / "rasa", env
            )
            sys.stderr.write(f"[nlu_eval] {name} trained in {train_s:.0f} s; parsing...\n")
            parsed = parse(model, texts, work, rasa_venv / "bin" / "python", env)
            result = VariantResult(
                name, config, train_s, parsed["load_s"], fallback_threshold(config)
            )
            score(result, intents, [m.tricky for m in out_of_scope], parsed["parses"])
            results.append(result)
    sys.stdout.write(table(results) + "\n")
    if args.json:
        args.json.write_text(
            json.dumps([r.as_json() for r in results], indent=2) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
