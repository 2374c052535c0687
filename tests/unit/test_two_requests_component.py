"""bot/components/two_requests_nlu.py inside the real Rasa 3.6 (run in the Rasa venv).

The component is built with its config.yml block, trained on the committed NLU data and
loaded as the server loads it; then it sees messages the classifiers read as one request.
"""

from __future__ import annotations

import json
import textwrap
from functools import cache
from typing import Any

from tests.rasa_venv import run_in_rasa_venv

BOTH = "put the first one in my basket in L then take me to payment"
ONE = "put the first one in my basket in L"

CHECK = textwrap.dedent(
    """
    import json, sys, tempfile
    from pathlib import Path
    import yaml
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.exceptions import InvalidConfigException
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.message import Message
    from bot.components.two_requests_nlu import TwoRequestsClassifier as Two

    texts = json.loads(sys.argv[1])
    block = next(
        item for item in yaml.safe_load(Path("config.yml").read_text())["pipeline"]
        if item["name"].endswith(".TwoRequestsClassifier")
    )
    config = {**Two.get_default_config(), **{k: v for k, v in block.items() if k != "name"}}
    scratch = tempfile.TemporaryDirectory()
    storage = LocalModelStorage(Path(scratch.name))
    context = ExecutionContext(GraphSchema({}), node_name="two")
    resource = Resource("two")
    files = [load_data(str(path)) for path in sorted(Path("nlu_data").glob("*.yml"))]
    data = files[0].merge(*files[1:])
    Two.create(config, storage, resource, context).train(data)
    served = Two.load(config, storage, resource, context)
    ranking = [
        {"name": "add_to_cart", "confidence": 0.41}, {"name": "checkout", "confidence": 0.38}
    ]
    messages = [Message(data={"text": t, "intent": dict(ranking[0]),
                              "intent_ranking": [dict(r) for r in ranking]}) for t in texts]
    served.process(messages)
    result = {
        "intents": {m.get("text"): m.get("intent") for m in messages},
        "rankings": {m.get("text"): [r["name"] for r in m.get("intent_ranking")] for m in messages},
    }
    try:
        Two.create({"intent": "pay_twice"}, storage, Resource("bad"), context).train(data)
        result["unknown"] = None
    except InvalidConfigException as error:
        result["unknown"] = str(error)
    print(json.dumps(result))
    """
)


@cache
def results() -> dict[str, Any]:
    parsed: dict[str, Any] = run_in_rasa_venv(CHECK, json.dumps([BOTH, ONE]))
    return parsed


def test_a_message_with_both_requests_gets_the_multi_intent_for_sure() -> None:
    assert results()["intents"][BOTH] == {"name": "add_to_cart+checkout", "confidence": 1.0}


def test_the_classifiers_ranking_stays_under_it() -> None:
    assert results()["rankings"][BOTH] == ["add_to_cart+checkout", "add_to_cart", "checkout"]


def test_one_request_keeps_the_classifiers_intent() -> None:
    assert results()["intents"][ONE] == {"name": "add_to_cart", "confidence": 0.41}


def test_an_intent_the_nlu_data_does_not_teach_is_refused_at_training() -> None:
    assert "the NLU data has no intent 'pay_twice'" in results()["unknown"]
