"""bot/components/intent_finetune.py: the MiniLM intent classifier's training, on Python 3.11.

What the Rasa component relies on: given a shop's examples, the command leaves an ONNX file
that onnxruntime alone (no torch) runs, reading a paraphrase that shares no word with the
examples as the right intent; bad examples are refused with a clear message, not a trace.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime  # type: ignore[import-untyped]
import pytest
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[2]

EXAMPLES = {
    "track_order": [
        "where is my parcel",
        "when will my package arrive",
        "track my delivery",
        "has my order shipped yet",
        "what is the status of my shipment",
        "my order hasn't come",
        "is my package on its way",
        "tracking for my order please",
    ],
    "ask_refund": [
        "can I get a refund",
        "I want a refund for my order",
        "how do refunds work",
        "refund please",
        "will you refund the purchase",
        "when do I get the refund",
        "I'd like a refund for the jacket",
        "refund the shoes I sent back",
    ],
    "greet": [
        "hello",
        "hi there",
        "good morning",
        "hey",
        "good evening",
        "hiya",
        "hello, anyone there?",
        "hey shop",
    ],
}


def run_trainer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.components.intent_finetune", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("intent-model")
    examples = folder / "examples.json"
    examples.write_text(
        json.dumps([{"text": t, "intent": i} for i, texts in EXAMPLES.items() for t in texts])
    )
    done = run_trainer(f"--examples={examples}", f"--out={folder / 'out'}", "--epochs=4")
    assert done.returncode == 0, done.stderr[-3000:]
    return folder / "out"


def classify(model_dir: Path, texts: list[str]) -> list[str]:
    intents = json.loads((model_dir / "intents.json").read_text())["intents"]
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_padding()
    encodings = tokenizer.encode_batch(texts)
    session = onnxruntime.InferenceSession(str(model_dir / "model.onnx"))
    (logits,) = session.run(
        None,
        {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        },
    )
    return [intents[i] for i in np.asarray(logits).argmax(-1)]


def test_the_exported_file_reads_paraphrases_on_onnxruntime(trained: Path) -> None:
    assert classify(
        trained, ["I would like my money back", "the courier never brought my box", "yo"]
    ) == ["ask_refund", "track_order", "greet"]


def test_the_intents_file_names_each_logit_and_the_training(trained: Path) -> None:
    meta = json.loads((trained / "intents.json").read_text())
    assert meta["intents"] == ["ask_refund", "greet", "track_order"]
    assert (meta["examples"], meta["epochs"], meta["precision"]) == (24, 4, "int8")


def test_examples_of_one_intent_are_refused_with_a_reason(tmp_path: Path) -> None:
    examples = tmp_path / "examples.json"
    examples.write_text(json.dumps([{"text": "hello", "intent": "greet"}]))
    done = run_trainer(f"--examples={examples}", f"--out={tmp_path / 'out'}")
    assert done.returncode == 2
    assert "at least two intents are needed" in done.stderr
    assert not (tmp_path / "out").exists()


def test_an_example_without_text_is_refused_with_its_position(tmp_path: Path) -> None:
    examples = tmp_path / "examples.json"
    examples.write_text(
        json.dumps([{"text": "hello", "intent": "greet"}, {"text": " ", "intent": "bye"}])
    )
    done = run_trainer(f"--examples={examples}", f"--out={tmp_path / 'out'}")
    assert done.returncode == 2
    assert "example 1 needs a text and an intent" in done.stderr
