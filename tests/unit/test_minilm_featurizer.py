"""bot/components/minilm_featurizer.py inside the real Rasa 3.6 (run in the Rasa venv).

The featurizer must give DIET a 384-d sentence feature (and one vector per Rasa token) for
every message, the same at training time (batched, every core) as when the server parses a
message; and a pipeline with it must train and understand a paraphrase that shares no word
with the training examples, which is why it exists.
"""

from __future__ import annotations

import textwrap
from functools import cache
from pathlib import Path
from typing import Any

from tests.rasa_venv import run_in_rasa_venv

ROOT = Path(__file__).resolve().parents[2]


CHECK = textwrap.dedent(
    """
    import asyncio, json, sys, tempfile, textwrap
    from pathlib import Path
    import numpy as np
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.exceptions import InvalidConfigException
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from bot.components.minilm_featurizer import MiniLmFeaturizer
    from knowledge.onnx_model import OnnxSentenceModel

    scratch = tempfile.TemporaryDirectory()  # removed when the script exits
    tmp = Path(scratch.name)
    storage = LocalModelStorage(tmp / "storage")
    context = ExecutionContext(GraphSchema({}), node_name="minilm")

    def component(cls, **config):
        return cls.create({**cls.get_default_config(), **config}, storage,
                          Resource(cls.__name__), context)

    tokenizer = component(WhitespaceTokenizer)
    texts = ["can I send stuff back if it doesnt fit??", "hi",
             "I ordered last week for my son's birthday and it still hasn't come, order 12186"]

    def features(featurizer, training):
        messages = [Message(data={"text": t}) for t in texts]
        if training:
            data = TrainingData(training_examples=messages)
            tokenizer.process_training_data(data)
            featurizer.process_training_data(data)
        else:
            tokenizer.process(messages)
            featurizer.process(messages)
        out = []
        for m in messages:
            sequence, sentence = m.get_dense_features("text")
            out.append({
                "tokens": len(m.get("text_tokens")),
                "sequence": None if sequence is None else sequence.features.tolist(),
                "sentence": sentence.features.tolist(),
                "origins": sorted({f.origin for f in m.features if f.is_dense()}),
            })
        return out

    result = {}
    featurizer = component(MiniLmFeaturizer)
    result["train"] = features(featurizer, True)
    result["serve"] = features(featurizer, False)
    result["sentence_only"] = features(component(MiniLmFeaturizer, sequence_features=False), False)
    result["knowledge"] = OnnxSentenceModel.packaged().encode(texts).tolist()
    try:
        component(MiniLmFeaturizer, threads=-1)
        result["bad_threads"] = None
    except InvalidConfigException as error:
        result["bad_threads"] = str(error)

    # A real pipeline: trains, loads, and reads a paraphrase with no training word in it.
    from rasa.model_training import train_nlu
    from rasa.core.agent import Agent
    config = tmp / "config.yml"
    config.write_text(textwrap.dedent('''
    recipe: default.v1
    language: en
    pipeline:
      - name: WhitespaceTokenizer
      - name: CountVectorsFeaturizer
      - name: bot.components.minilm_featurizer.MiniLmFeaturizer
      - name: DIETClassifier
        epochs: 40
        random_seed: 42
    '''))
    nlu = tmp / "nlu.yml"
    nlu.write_text(textwrap.dedent('''\\
    version: "3.1"
    nlu:
    - intent: ask_refund
      examples: |
        - can I get a refund
        - I want a refund for my order
        - how do refunds work
        - refund please
        - will you refund the purchase
    - intent: track_order
      examples: |
        - where is my parcel
        - when will my package arrive
        - track my delivery
        - has my order shipped yet
        - what is the status of my shipment
    - intent: greet
      examples: |
        - hello
        - hi there
        - good morning
        - hey
        - good evening
    '''))
    model = train_nlu(str(config), str(nlu), str(tmp / "models"), fixed_model_name="tiny")
    agent = Agent.load(model)
    parsed = asyncio.run(agent.parse_message("I would like my money back"))
    result["paraphrase"] = parsed["intent"]["name"]
    print(json.dumps(result))
    """
)


@cache
def results() -> dict[str, Any]:
    parsed: dict[str, Any] = run_in_rasa_venv(CHECK)
    return parsed


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / ((sum(x * x for x in a) * sum(y * y for y in b)) ** 0.5)


def test_every_message_gets_a_384_d_sentence_feature_named_after_the_node() -> None:
    for item in results()["serve"]:
        assert len(item["sentence"]) == 1 and len(item["sentence"][0]) == 384
        assert item["origins"] == ["minilm"]


def test_every_rasa_token_gets_a_vector() -> None:
    assert [len(item["sequence"]) for item in results()["serve"]] == [
        item["tokens"] for item in results()["serve"]
    ]
    # WhitespaceTokenizer splits "son's" into "son" and "s"
    assert [item["tokens"] for item in results()["serve"]] == [9, 1, 17]


def test_the_sentence_feature_is_the_knowledge_base_vector() -> None:
    for item, vector in zip(results()["serve"], results()["knowledge"], strict=True):
        assert cosine(item["sentence"][0], vector) > 0.9999


def test_training_and_serving_give_the_same_features() -> None:
    for trained, served in zip(results()["train"], results()["serve"], strict=True):
        assert cosine(trained["sentence"][0], served["sentence"][0]) > 0.9999
        for a, b in zip(trained["sequence"], served["sequence"], strict=True):
            assert cosine(a, b) > 0.999


def test_sequence_features_can_be_turned_off() -> None:
    assert [item["sequence"] for item in results()["sentence_only"]] == [None, None, None]


def test_a_negative_thread_count_is_refused_with_the_setting_named() -> None:
    assert "'threads' must be a whole number >= 0, not -1" in results()["bad_threads"]


def test_a_trained_pipeline_reads_a_paraphrase_without_training_words() -> None:
    assert results()["paraphrase"] == "ask_refund"
