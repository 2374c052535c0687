"""bot/components/minilm_intent.py inside the real Rasa 3.6 (run in the Rasa venv).

`rasa train` must fine-tune the classifier through the 3.11 venv and store it in the model
archive; the served model then reads a paraphrase with no training word in it, mixes its
probabilities with DIET's ranking, and keeps DIET's entities. Bad settings and an untrained
archive are handled with clear messages.
"""

from __future__ import annotations

import textwrap
from functools import cache
from typing import Any

from tests.rasa_venv import run_in_rasa_venv

CHECK = textwrap.dedent(
    """
    import asyncio, json, logging, os, tarfile, tempfile, textwrap
    from pathlib import Path
    from rasa.core.agent import Agent
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.model_training import train_nlu
    from rasa.shared.exceptions import InvalidConfigException
    from rasa.shared.nlu.training_data.message import Message
    from bot.components.minilm_intent import IntentModelError, MiniLmIntentClassifier

    scratch = tempfile.TemporaryDirectory()  # removed when the script exits
    tmp = Path(scratch.name)
    os.environ["RASA_CACHE_DIRECTORY"] = str(tmp / "cache")
    nlu = tmp / "nlu.yml"
    nlu.write_text(textwrap.dedent('''\\
    version: "3.1"
    nlu:
    - intent: ask_refund
      examples: |
        - can I get a refund
        - I want a refund for my order [12186](order_number)
        - how do refunds work
        - refund please
        - will you refund the purchase
        - when do I get the refund
    - intent: track_order
      examples: |
        - where is my parcel
        - when will my package arrive
        - track my delivery
        - has my order [10023](order_number) shipped yet
        - what is the status of my shipment
        - is my package on its way
    - intent: greet
      examples: |
        - hello
        - hi there
        - good morning
        - hey
        - good evening
        - hello, anyone there?
    - regex: order_number
      examples: |
        - \\\\b\\\\d{5}\\\\b
    '''))

    def pipeline(*extra):
        config = tmp / f"config{len(extra)}.yml"
        lines = ["recipe: default.v1", "language: en", "pipeline:",
                 "  - name: WhitespaceTokenizer", "  - name: CountVectorsFeaturizer"]
        lines += ["  " + line for line in extra]
        config.write_text("\\n".join(lines) + "\\n")
        return config

    result = {}
    config = pipeline(
        "- name: DIETClassifier", "  epochs: 60", "  random_seed: 42",
        "  entity_recognition: false", "- name: RegexEntityExtractor",
        "- name: bot.components.minilm_intent.MiniLmIntentClassifier", "  epochs: 4",
        "  other_classifier_weight: 0.3",
    )
    model = train_nlu(str(config), str(nlu), str(tmp / "models"), fixed_model_name="mixed")
    with tarfile.open(model) as archive:
        result["stored"] = sorted(
            Path(m.name).name for m in archive.getmembers()
            if m.isfile() and "MiniLmIntentClassifier" in m.name)
    agent = Agent.load(model)
    for key, text in [("paraphrase", "I would like my money back"),
                      ("order", "has order 10023 left the warehouse")]:
        parsed = asyncio.run(agent.parse_message(text))
        result[key] = {
            "intent": parsed["intent"]["name"],
            "confidence": parsed["intent"]["confidence"],
            "ranking": [(r["name"], r["confidence"]) for r in parsed["intent_ranking"]],
            "entities": [(e["entity"], e["value"]) for e in parsed["entities"]],
        }

    alone = train_nlu(str(pipeline(
        "- name: bot.components.minilm_intent.MiniLmIntentClassifier", "  epochs: 4",
        "  other_classifier_weight: 0")), str(nlu), str(tmp / "models"), fixed_model_name="alone")
    parsed = asyncio.run(Agent.load(alone).parse_message("the courier never brought my box"))
    result["alone"] = parsed["intent"]["name"]
    # the same examples and fine-tuning settings (only the mixing differs): fine-tuned once
    result["fine_tunings"] = len(list((tmp / "cache" / "minilm-intent").iterdir()))

    (tmp / "storage").mkdir()
    storage = LocalModelStorage(tmp / "storage")
    context = ExecutionContext(GraphSchema({}), node_name="intent")
    defaults = MiniLmIntentClassifier.get_default_config()
    for key, bad in [("weight_1", {"other_classifier_weight": 1}),
                     ("epochs_0", {"epochs": 0})]:
        try:
            MiniLmIntentClassifier.create({**defaults, **bad}, storage, Resource(key), context)
            result[key] = None
        except InvalidConfigException as error:
            result[key] = str(error)

    # an archive trained without this component (e.g. `rasa train core`): messages untouched
    untrained = MiniLmIntentClassifier.load(defaults, storage, Resource("never"), context)
    message = Message(data={"text": "hello", "intent": {"name": "greet", "confidence": 0.9}})
    untrained.process([message])
    result["untrained"] = message.get("intent")

    # no Python to fine-tune with: the training stops with the setting named
    broken = MiniLmIntentClassifier.create(
        {**defaults, "trainer_python": str(tmp / "no-such-python")}, storage,
        Resource("broken"), context)
    try:
        from rasa.shared.nlu.training_data.training_data import TrainingData
        broken.train(TrainingData(training_examples=[
            Message(data={"text": "hi", "intent": "greet"}),
            Message(data={"text": "bye", "intent": "goodbye"})]))
        result["no_trainer"] = None
    except IntentModelError as error:
        result["no_trainer"] = str(error)
    print(json.dumps(result))
    """
)


@cache
def results() -> dict[str, Any]:
    parsed: dict[str, Any] = run_in_rasa_venv(CHECK, timeout=900)
    return parsed


def test_the_fine_tuned_model_is_stored_in_the_rasa_model_archive() -> None:
    assert results()["stored"] == ["intents.json", "model.onnx", "tokenizer.json"]


def test_a_paraphrase_without_training_words_gets_its_intent() -> None:
    assert results()["paraphrase"]["intent"] == "ask_refund"


def test_the_ranking_mixes_both_classifiers_over_every_intent() -> None:
    ranking = results()["paraphrase"]["ranking"]
    assert sorted(name for name, _ in ranking) == ["ask_refund", "greet", "track_order"]
    assert abs(sum(confidence for _, confidence in ranking) - 1.0) < 1e-3
    assert results()["paraphrase"]["confidence"] == ranking[0][1]


def test_entities_stay_those_of_the_pipeline_before_it() -> None:
    assert results()["order"]["intent"] == "track_order"
    assert results()["order"]["entities"] == [["order_number", "10023"]]


def test_the_classifier_alone_reads_intents_without_diet() -> None:
    assert results()["alone"] == "track_order"


def test_the_same_examples_and_settings_are_fine_tuned_once() -> None:
    assert results()["fine_tunings"] == 1


def test_a_weight_of_one_is_refused_with_the_setting_named() -> None:
    assert "'other_classifier_weight' must be a number from 0" in results()["weight_1"]


def test_zero_epochs_are_refused_with_the_setting_named() -> None:
    assert "'epochs' must be a whole number >= 1, not 0" in results()["epochs_0"]


def test_an_archive_without_the_trained_model_leaves_the_intent_alone() -> None:
    assert results()["untrained"] == {"name": "greet", "confidence": 0.9}


def test_a_missing_trainer_python_stops_training_with_its_path() -> None:
    assert "no-such-python does not exist" in results()["no_trainer"]
