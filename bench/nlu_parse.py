"""Parses messages with a trained Rasa NLU model, in process (run in the Rasa venv).

    .venv-rasa/bin/python -m bench.nlu_parse MODEL.tar.gz TEXTS.json

TEXTS.json is a JSON list of strings. Prints one JSON object on stdout: ``load_s`` and
``parses``, one per text in order, each with the final intent and its confidence, the
classifier's own best intent (the first ranking entry that is not ``nlu_fallback``), the
entities and the parse time in milliseconds (``Agent.parse_message``, the call the Rasa
server makes for every user message). bench/nlu_eval.py runs it and scores the output; this
half stays small because it runs on Python 3.10 beside Rasa.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

FALLBACK = "nlu_fallback"
WARM_UP = ("hello", "show me running shoes", "where is my order 10023")


def summary(parsed: dict[str, Any], milliseconds: float) -> dict[str, Any]:
    """The fields of a Rasa parse result that the benchmark scores."""
    intent = parsed.get("intent") or {}
    ranking = parsed.get("intent_ranking") or []
    classifier: dict[str, Any] = next((r for r in ranking if r.get("name") != FALLBACK), {})
    return {
        "intent": intent.get("name"),
        "confidence": float(intent.get("confidence") or 0.0),
        "classifier_intent": classifier.get("name"),
        "classifier_confidence": float(classifier.get("confidence") or 0.0),
        "entities": [
            {
                "entity": e.get("entity"),
                "value": e.get("value"),
                "role": e.get("role"),
                "extractor": e.get("extractor"),
            }
            for e in parsed.get("entities") or []
        ],
        "ms": milliseconds,
    }


async def parse_all(model: Path, texts: list[str]) -> dict[str, Any]:
    from rasa.core.agent import Agent

    started = time.perf_counter()
    agent = Agent.load(str(model))
    load_s = time.perf_counter() - started
    for text in WARM_UP:  # first calls build TensorFlow graphs; not what a shopper waits for
        await agent.parse_message(text)
    parses = []
    for text in texts:
        started = time.perf_counter()
        parsed = await agent.parse_message(text)
        parses.append(summary(parsed, (time.perf_counter() - started) * 1000))
    return {"load_s": load_s, "parses": parses}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write(__doc__ or "")
        return 2
    logging.basicConfig(level=logging.WARNING)
    texts = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    result = asyncio.run(parse_all(Path(argv[0]), [str(t) for t in texts]))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
