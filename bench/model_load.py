"""How long a Rasa server takes to load the model, Rasa's loading against the quick one.

    .venv/bin/python -m bench.model_load [--model var/models/shop.tar.gz]
        [--set bench/heldout/intents.yml] [--out bench/results/model_load.json]

The same archive is loaded twice, each in a fresh Rasa-venv process (``--child``): once with
Rasa 3.6's own ``RasaModel.load`` (a traced training step, then the weights) and prediction
call standing in for ``bot.components.quick_load``'s, and TED run for every prediction (not
only when no rule decides), once as the Rasa server loads it.
Each process then parses every message of the set and plays three-message conversations
from them, asking the policies for every next action (the actions themselves are not run:
each predicted action is logged as executed). The table gives both load times and peak
memory, and whether every intent ranking, entity and action score came out the same, to the
last digit.

The archive must be trained with ``QuickLoadDIETClassifier`` and ``QuickLoadTEDPolicy``
(config.yml): with Rasa's own classes there is nothing to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
LOADERS = ("rasa", "quick")
CONVERSATION_LENGTH = 3
MAX_ACTIONS_PER_TURN = 4


# --- child: runs in the Rasa venv (Python 3.10) ---------------------------------------------


def _use_rasas_own_load() -> None:
    """Make the quick-load networks load and predict as Rasa 3.6 does (the baseline)."""
    from rasa.utils.tensorflow.models import RasaModel

    from bot.components import quick_load

    rasa_load = RasaModel.load.__func__
    quick_load._QuickLoad.load = classmethod(rasa_load)  # type: ignore[assignment]
    del quick_load._QuickLoad._rasa_predict  # Rasa's own: the tf.function call
    quick_load.QuickLoadTEDPolicy.consult_rules_first = False  # TED runs for every prediction


async def play_conversation(agent: Any, sender: str, texts: Sequence[str]) -> list[dict[str, Any]]:
    """Each message of ``texts`` in turn, with every next action the policies predict for it
    (logged as executed, not run) until they listen: the winning policy and its scores."""
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.events import ActionExecuted

    predictions = []
    assert agent.tracker_store is not None
    for text in texts:
        await agent.log_message(UserMessage(text, sender_id=sender))
        for _ in range(MAX_ACTIONS_PER_TURN):
            predicted = await agent.predict_next_for_sender_id(sender)
            assert predicted is not None
            scores = [[s["action"], s["score"]] for s in predicted["scores"]]
            predictions.append({"policy": predicted["policy"], "scores": scores})
            action = max(scores, key=lambda s: s[1])[0]
            if action == "action_listen":
                break
            tracker = await agent.tracker_store.retrieve(sender)
            assert tracker is not None
            tracker.update(ActionExecuted(action, policy=predicted["policy"]))
            await agent.tracker_store.save(tracker)
    return predictions


async def _measure(model: Path, texts: list[str]) -> dict[str, Any]:
    from rasa.core.agent import Agent

    started = time.perf_counter()
    agent = Agent.load(str(model))
    load_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    parses = []
    for text in texts:
        parsed = await agent.parse_message(text)
        parses.append(
            {
                "ranking": [[r["name"], r["confidence"]] for r in parsed["intent_ranking"]],
                "entities": [
                    [e["entity"], e["value"], e.get("confidence_entity")]
                    for e in parsed["entities"]
                ],
            }
        )

    predictions = []
    for start in range(0, len(texts) - CONVERSATION_LENGTH + 1, CONVERSATION_LENGTH):
        conversation = texts[start : start + CONVERSATION_LENGTH]
        predictions += await play_conversation(agent, f"load-bench-{start}", conversation)
    return {"load_s": load_s, "peak_mb": peak_mb, "parses": parses, "predictions": predictions}


def child(loader: str, model: Path, texts_path: Path) -> int:
    logging.basicConfig(level=logging.WARNING)
    if loader == "rasa":
        _use_rasas_own_load()
    texts = json.loads(texts_path.read_text(encoding="utf-8"))
    result = asyncio.run(_measure(model, texts))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


# --- driver: runs in the app venv ------------------------------------------------------------


def _run_child(loader: str, model: Path, texts_path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [RASA_PYTHON, "-m", "bench.model_load", "--child", loader, model, texts_path],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "RASA_TELEMETRY_ENABLED": "false",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the {loader} load failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare(baseline: dict[str, Any], quick: dict[str, Any]) -> dict[str, Any]:
    """How many parses and predictions differ, and the largest confidence difference."""

    def largest_gap(a: list[list[Any]], b: list[list[Any]]) -> float:
        mine = dict(b)
        return max((abs(value - mine.get(name, 0.0)) for name, value in a), default=0.0)

    parses = list(zip(baseline["parses"], quick["parses"], strict=True))
    predictions = list(zip(baseline["predictions"], quick["predictions"], strict=True))
    gaps = [largest_gap(a["ranking"], b["ranking"]) for a, b in parses]
    gaps += [largest_gap(a["scores"], b["scores"]) for a, b in predictions]
    return {
        "parses": len(parses),
        "parses_different": sum(a != b for a, b in parses),
        "predictions": len(predictions),
        "predictions_different": sum(a != b for a, b in predictions),
        "largest_confidence_gap": max(gaps, default=0.0),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--child":
        return child(args[1], Path(args[2]), Path(args[3]))

    from bench.heldout import load_intent_set

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", type=Path, default=ROOT / "var" / "models" / "shop.tar.gz")
    parser.add_argument("--set", type=Path, default=ROOT / "bench" / "heldout" / "intents.yml")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "model_load.json")
    options = parser.parse_args(args)

    texts = [m.text for m in load_intent_set(options.set)]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        texts_path = Path(scratch) / "texts.json"
        texts_path.write_text(json.dumps(texts), encoding="utf-8")
        for loader in LOADERS:
            results[loader] = _run_child(loader, options.model, texts_path)
    same = compare(results["rasa"], results["quick"])
    lines = [
        f"model {options.model}, {len(texts)} messages of {options.set}",
        "",
        "| | Rasa 3.6's load | quick load |",
        "|---|---:|---:|",
        f"| load, s | {results['rasa']['load_s']:.1f} | {results['quick']['load_s']:.1f} |",
        f"| peak memory, MB | {results['rasa']['peak_mb']:.0f} "
        f"| {results['quick']['peak_mb']:.0f} |",
        "",
        f"parses different: {same['parses_different']} of {same['parses']}; "
        f"action predictions different: {same['predictions_different']} of "
        f"{same['predictions']}; largest confidence gap: {same['largest_confidence_gap']:.3g}",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    options.out.parent.mkdir(parents=True, exist_ok=True)
    summary = {loader: {k: results[loader][k] for k in ("load_s", "peak_mb")} for loader in LOADERS}
    options.out.write_text(json.dumps({**summary, "compare": same}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
