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
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.policies.ted_policy import TED, TEDPolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT
from rasa.utils.common import override_defaults
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
    """Rasa's TEDPolicy (same options, training and predictions) that loads quickly, and
    does not run its network when a rule decides the next action.

    Rasa's ensemble (``DefaultPolicyPredictionEnsemble``) takes a rule's prediction over
    TED's whenever the rule is sure of it: confidence 1.0 against at most 1.0, and the rule
    policy's priority is the higher one. TED's answer is then computed and thrown away; on
    this shop's model, rules decide nine predictions in ten. So the served policy first asks
    the model's own rule policy (loaded once more from the same archive, about 1 ms a call)
    and returns no scores when that rule will win anyway. It does run the network when:

    - no rule is sure (confidence below 1.0, e.g. only the core fallback);
    - the last action was rejected (the ensemble zeroes that action in every prediction, the
      rule's included, so TED's may win);
    - TED could make an end-to-end prediction (trained on stories with user text), which
      would outrank a rule read from the intent;
    - the rule policy does not outrank TED (``priority`` changed in config.yml).

    ``bench/model_load.py`` checks that the server's predictions are the same as with every
    policy always running (its baseline sets ``consult_rules_first`` to False).
    """

    consult_rules_first = True
    _rules: RulePolicy | None = None

    @staticmethod
    def model_class() -> type[TED]:
        return QuickLoadTED

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TEDPolicy:
        policy = super().load(config, model_storage, resource, execution_context, **kwargs)
        if isinstance(policy, QuickLoadTEDPolicy) and not execution_context.is_finetuning:
            policy._rules = policy._serving_rule_policy(model_storage, execution_context)
        return policy

    def _serving_rule_policy(
        self, model_storage: ModelStorage, execution_context: ExecutionContext
    ) -> RulePolicy | None:
        """The rule policy the same prediction graph runs beside this one, if any."""
        nodes = [
            node
            for node in execution_context.graph_schema.nodes.values()
            if node.fn == "predict_action_probabilities"
            and isinstance(node.uses, type)
            and issubclass(node.uses, RulePolicy)
            and node.resource is not None
        ]
        if len(nodes) != 1:
            return None
        [node] = nodes
        config = override_defaults(node.uses.get_default_config(), node.config)
        rules = node.uses.load(config, model_storage, node.resource, execution_context)
        if not isinstance(rules, RulePolicy) or rules.priority <= self.priority:
            return None
        return rules

    def _a_rule_decides(self, tracker: DialogueStateTracker, domain: Domain) -> bool:
        """Whether the ensemble will take the rule policy's prediction whatever TED says."""
        if self._rules is None:
            return False
        last_action = next(
            (
                event
                for event in reversed(tracker.events)
                if isinstance(event, (ActionExecuted, ActionExecutionRejected))
            ),
            None,
        )
        if isinstance(last_action, ActionExecutionRejected):
            return False
        rule = self._rules.predict_action_probabilities(tracker, domain)
        if not rule.probabilities or max(rule.probabilities) < 1.0:
            return False
        if rule.is_no_user_prediction or rule.is_end_to_end_prediction:
            return True
        return TEXT not in self.fake_features

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        precomputations: Any = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        if self.consult_rules_first and self._a_rule_decides(tracker, domain):
            return self._prediction(self._default_predictions(domain))
        return super().predict_action_probabilities(
            tracker, domain, rule_only_data, precomputations, **kwargs
        )
