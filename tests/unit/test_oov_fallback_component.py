"""bot/components/oov_fallback.py inside the real Rasa 3.6 (run in the Rasa venv).

The component is built with the options of its config.yml block, trained on the committed
NLU data, persisted and loaded as the server loads it; then it sees messages DIET was sure
about. Keyboard mashing must become ``nlu_fallback``; a shopper's ordinary words must keep
DIET's intent even when no training example used them.
"""

from __future__ import annotations

import json
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.rasa_venv import run_in_rasa_venv
from tests.unit.test_oov_mashing import MASHING

ROOT = Path(__file__).resolve().parents[2]


REAL = [
    "is there a registration fee",
    "how do I file a complaint about a delivery driver",
    "is the sign-up free or do I pay a membership",
    "do you have Nordpeak backpacks",
    "my parcel never arrived, can I get reimbursed",
]

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
    from bot.components.oov_fallback import OutOfVocabularyFallback as Oov

    texts = json.loads(sys.argv[1])
    block = next(
        item for item in yaml.safe_load(Path("config.yml").read_text())["pipeline"]
        if item["name"].endswith(".OutOfVocabularyFallback")
    )
    options = {k: v for k, v in block.items() if k != "name"}
    config = {**Oov.get_default_config(), **options}
    scratch = tempfile.TemporaryDirectory()  # removed when the script exits
    tmp = Path(scratch.name)
    (tmp / "storage").mkdir()
    storage = LocalModelStorage(tmp / "storage")
    context = ExecutionContext(GraphSchema({}), node_name="oov")
    resource = Resource("oov")
    files = [load_data(str(path)) for path in sorted(Path("nlu_data").glob("*.yml"))]
    Oov.create(config, storage, resource, context).train(files[0].merge(*files[1:]))
    served = Oov.load(config, storage, resource, context)
    sure = {"name": "search_product", "confidence": 0.93}
    messages = [Message(data={"text": t, "intent": dict(sure), "intent_ranking": [dict(sure)]})
                for t in texts]
    served.process(messages)
    result = {
        "intents": {m.get("text"): m.get("intent")["name"] for m in messages},
        "rankings": {m.get("text"): [r["name"] for r in m.get("intent_ranking")]
                     for m in messages},
        "defaults": sorted(Oov.get_default_config()),
        "configured": sorted(options),
    }
    try:
        Oov.create({**config, "keyboard_row_length": -1}, storage, Resource("bad"), context)
        result["bad"] = None
    except InvalidConfigException as error:
        result["bad"] = str(error)
    print(json.dumps(result))
    """
)


@cache
def results() -> dict[str, Any]:
    """One run for all tests (it takes about half a minute)."""
    parsed: dict[str, Any] = run_in_rasa_venv(CHECK, json.dumps(MASHING + REAL))
    return parsed


@pytest.mark.parametrize("text", MASHING)
def test_keyboard_mashing_becomes_nlu_fallback(text: str) -> None:
    assert results()["intents"][text] == "nlu_fallback"


@pytest.mark.parametrize("text", MASHING)
def test_the_fallback_keeps_diets_ranking_under_it_for_the_two_stage_question(text: str) -> None:
    assert results()["rankings"][text] == ["nlu_fallback", "search_product"]


@pytest.mark.parametrize("text", REAL)
def test_ordinary_words_keep_the_classifiers_intent(text: str) -> None:
    assert results()["intents"][text] == "search_product"


def test_config_yml_sets_every_option_of_the_component() -> None:
    assert results()["configured"] == results()["defaults"]


def test_a_negative_option_is_refused_with_the_setting_named() -> None:
    assert "'keyboard_row_length' must be a whole number >= 0, not -1" in results()["bad"]
