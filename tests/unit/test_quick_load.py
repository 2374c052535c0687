"""bot/components/quick_load.py on the model set-up trained, in the real Rasa 3.6.

The quick load skips Rasa's traced training step; what must not change is what the server
predicts with. Each network of the shop's model is loaded as the Rasa server loads it, and
its weights are compared with the checkpoint in the archive, value for value: every trained
weight is in the network and nothing in the network was left as initialised.
(bench/model_load.py compares the predictions with Rasa's own load, and the time.)
"""

from __future__ import annotations

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
