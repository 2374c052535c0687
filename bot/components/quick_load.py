"""DIETClassifier and TEDPolicy that a Rasa server loads in seconds instead of minutes.

They train, persist and predict exactly as Rasa's own; only loading differs. Rasa 3.6 loads
a stored DIET or TED by running one *training step* inside a traced ``tf.function`` (to
create the variables), then restores the weights and traces the prediction function. On
this shop's model the traced training step takes about 80 s for DIET and 14 s for TED on a
two-core machine, so every Rasa start (a replica, a restart, ``rasa test``) spent over a
minute and a half compiling a graph that is never run again.

Here the variables are created by one *eager* pass of the training loss on the same example
batch (every layer, the label embeddings and the loss layers included), the weights are
restored from the same checkpoint, and the prediction function is traced once as before.
The optimizer's slots are not created, so the checkpoint's optimizer state is left unread
(``expect_partial``): nothing at inference reads it. Fine-tuning (``rasa train --finetune``)
needs that state and keeps Rasa's own load.

``bench/model_load.py`` compares the two on the same archive (docs/benchmarks.md): every
intent ranking and action score is identical, and the model loads about six times faster
with half the peak memory (the traced training step's graph is never built).

Python 3.10, imports only rasa and TensorFlow (it runs inside the Rasa server).
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from keras.utils import tf_utils
from rasa.core.policies.ted_policy import TED, TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel


def load_for_prediction(
    model: RasaModel,
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None,
) -> RasaModel:
    """Restore ``model`` (new, unbuilt) from ``model_file_name`` for prediction only."""
    config = getattr(model, "config", {})
    model.compile(
        optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
        run_eagerly=config.get(RUN_EAGERLY),
    )
    # Variables are created on first call; the training loss calls every layer there is.
    batch_in, _ = RasaBatchDataGenerator(model_data_example, batch_size=1)[0]
    model._training = True
    try:
        model.batch_loss(batch_in)
    finally:
        model._training = None
    model.load_weights(model_file_name).expect_partial()
    if predict_data_example:
        # traces the prediction function now rather than on the first message
        model.run_inference(predict_data_example)
    return model


class _QuickLoad:
    """``RasaModel.load`` for prediction without the traced training step, and a cheaper call.

    Rasa calls its prediction ``tf.function`` for every message (DIET) and every predicted
    action (TED). The function has one input signature, so it only ever has one traced
    graph, yet each call first matches the arguments against that signature again (about a
    third of TED's prediction time, in-process). Once traced, the graph's concrete function is
    called directly: the same graph on the same inputs, without the matching.
    """

    _concrete_predict: Any = None

    @classmethod
    def load(
        cls,
        model_file_name: str,
        model_data_example: RasaModelData,
        predict_data_example: RasaModelData | None = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        if finetune_mode:
            # training goes on from the stored optimizer state: Rasa's own load restores it
            return super().load(  # type: ignore[misc]
                model_file_name,
                model_data_example,
                predict_data_example,
                finetune_mode,
                *args,
                **kwargs,
            )
        model = cls(*args, **kwargs)
        return load_for_prediction(model, model_file_name, model_data_example, predict_data_example)

    def _rasa_predict(self, batch_in: Any) -> dict[str, Any]:
        model: Any = self  # a RasaModel: the mixin's classes below
        concrete = self._concrete_predict
        if concrete is None or model._run_eagerly:
            outputs: dict[str, Any] = super()._rasa_predict(batch_in)  # type: ignore[misc]
            if model._tf_predict_step is not None and not model._run_eagerly:
                # the input signature is fixed, so this is the one graph every call runs
                self._concrete_predict = model._tf_predict_step.get_concrete_function()
            return outputs
        if model._training is not False:
            model._training = False
        outputs = tf_utils.sync_to_numpy_or_python_type(concrete(batch_in))
        if DIAGNOSTIC_DATA in outputs:
            outputs[DIAGNOSTIC_DATA] = model._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
        return outputs


class QuickLoadDIET(_QuickLoad, DIET):
    """Rasa's DIET network, restored for prediction without a traced training step."""


class QuickLoadTED(_QuickLoad, TED):
    """Rasa's TED network, restored for prediction without a traced training step."""


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class QuickLoadDIETClassifier(DIETClassifier):
    """Rasa's DIETClassifier (same options, training and predictions) that loads quickly."""

    @staticmethod
    def model_class() -> type[RasaModel]:
        return QuickLoadDIET


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True
)
class QuickLoadTEDPolicy(TEDPolicy):
    """Rasa's TEDPolicy (same options, training and predictions) that loads quickly."""

    @staticmethod
    def model_class() -> type[TED]:
        return QuickLoadTED
