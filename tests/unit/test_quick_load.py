"""bot/components/quick_load.py on the model set-up trained, in the real Rasa 3.6.

The quick load skips Rasa's traced training step; what must not change is what the server
predicts with. Each network of the shop's model is loaded as the Rasa server loads it, and
its weights are compared with the checkpoint in the archive, value for value: every trained
weight is in the network and nothing in the network was left as initialised.
(bench/model_load.py compares the predictions with Rasa's own load, and the time.)
"""

from __future__ import annotations

import json
import os
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.rasa_venv import ROOT, run_in_rasa_venv

pytestmark = pytest.mark.rasa_model

CHECK = textwrap.dedent(
    """
    import json, sys, tempfile
    from pathlib import Path
    import numpy as np
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.utils.tensorflow.layers import RandomlyConnectedDense
    from bot.components.quick_load import QuickLoadDIETClassifier, QuickLoadTEDPolicy

    scratch = tempfile.TemporaryDirectory()
    storage, metadata = LocalModelStorage.from_model_archive(
        Path(scratch.name), Path(sys.argv[1])
    )
    schema = metadata.predict_schema

    def effective(network):
        # what each variable computes with: Rasa's sparse dense layers multiply their kernel
        # by a fixed mask at every call
        masks = {
            layer.kernel.ref(): layer.kernel_mask
            for layer in network._flatten_layers()
            if isinstance(layer, RandomlyConnectedDense) and layer.kernel_mask is not None
        }
        return {
            v.ref(): v.numpy() * masks[v.ref()].numpy() if v.ref() in masks else v.numpy()
            for v in network.variables
        }

    report = {}
    for cls, checkpoint_name in (
        (QuickLoadDIETClassifier, "QuickLoadDIETClassifier.tf_model"),
        (QuickLoadTEDPolicy, "ted_policy.tf_model"),
    ):
        [node] = [n for n in schema.nodes.values() if n.uses is cls]
        config = {**cls.get_default_config(), **node.config}  # as Rasa's graph merges them
        loaded = cls.load(
            config, storage, node.resource, ExecutionContext(schema, metadata.model_id)
        )
        network = loaded.model
        served = effective(network)
        # the same checkpoint restored again, matched by object path: every variable of the
        # network must have a stored value, and hold it
        with storage.read_from(node.resource) as folder:
            network.load_weights(str(folder / checkpoint_name)).assert_existing_objects_matched()
        stored = effective(network)
        report[cls.__name__] = {
            "network": type(network).__name__,
            "trainable": len(network.trainable_variables),
            "different": [
                v.name for v in network.variables
                if not np.array_equal(served[v.ref()], stored[v.ref()])
            ],
        }
    print(json.dumps(report))
    """
)


@cache
def _check() -> dict[str, Any]:
    model = Path(os.environ.get("ASSISTANT_VAR_DIR") or ROOT / "var") / "models" / "shop.tar.gz"
    if not model.is_file():
        pytest.fail(f"{model} is missing: run scripts/setup.sh to train the model.")
    result: dict[str, Any] = run_in_rasa_venv(CHECK, str(model))
    return result


@pytest.mark.parametrize(
    ("component", "network"),
    [("QuickLoadDIETClassifier", "QuickLoadDIET"), ("QuickLoadTEDPolicy", "QuickLoadTED")],
)
def test_the_quickly_loaded_network_holds_exactly_the_trained_weights(
    component: str, network: str
) -> None:
    loaded = _check()[component]
    assert loaded["network"] == network
    assert loaded["trainable"] > 0
    assert loaded["different"] == []


PLAY = textwrap.dedent(
    """
    import asyncio, json, sys
    from rasa.core.agent import Agent
    from rasa.core.policies.ted_policy import TEDPolicy
    from bench.model_load import play_conversation
    from bot.components.quick_load import QuickLoadTEDPolicy

    network_runs = 0
    rasas_predict = TEDPolicy.predict_action_probabilities

    def counted(self, *args, **kwargs):
        global network_runs
        network_runs += 1
        return rasas_predict(self, *args, **kwargs)

    TEDPolicy.predict_action_probabilities = counted
    conversations = json.loads(sys.argv[2])

    async def play(agent, tag):
        predictions = []
        for number, messages in enumerate(conversations):
            predictions += await play_conversation(agent, f"{tag}-{number}", messages)
        return predictions

    async def main():
        global network_runs
        agent = Agent.load(sys.argv[1])
        report = {}
        for consult in (False, True):
            QuickLoadTEDPolicy.consult_rules_first = consult
            network_runs = 0
            report[str(consult)] = {
                "predictions": await play(agent, str(consult)), "ted_runs": network_runs
            }
        print(json.dumps(report))

    asyncio.run(main())
    """
)

CONVERSATIONS = [
    ["hi there", "do you sell rain jackets", "the cheapest one", "add it to my cart in size M"],
    ["where is my parcel, order 12186", "ok thanks, bye"],
    ["how much does delivery cost to Lyon", "and can I pay with paypal"],
    ["qwkjh asdlkj", "I want to send back the boots I got last week"],
    ["is the blue fleece in stock in size S", "what is the capital of Peru", "show my cart"],
]


@cache
def _played() -> dict[str, Any]:
    model = Path(os.environ.get("ASSISTANT_VAR_DIR") or ROOT / "var") / "models" / "shop.tar.gz"
    if not model.is_file():
        pytest.fail(f"{model} is missing: run scripts/setup.sh to train the model.")
    result: dict[str, Any] = run_in_rasa_venv(PLAY, str(model), json.dumps(CONVERSATIONS))
    return result


def test_every_next_action_is_the_same_when_ted_waits_for_the_rules() -> None:
    played = _played()
    assert played["True"]["predictions"] == played["False"]["predictions"]


def test_ted_runs_its_network_only_where_no_rule_is_sure() -> None:
    played = _played()
    predictions = played["True"]["predictions"]
    undecided = [
        p
        for p in predictions
        if not (p["policy"] == "RulePolicy" and max(s for _, s in p["scores"]) == 1.0)
    ]
    assert played["False"]["ted_runs"] == len(predictions)
    assert played["True"]["ted_runs"] == len(undecided)
    assert len(undecided) < len(predictions)
