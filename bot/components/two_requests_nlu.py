"""TwoRequestsClassifier: "add the second one in M and check out" is one message, two requests.

The intent classifiers learn the multi-intent ``add_to_cart+checkout`` from few examples and
spread their confidence over it, ``add_to_cart`` and ``checkout``; a shopper's own wording
then often ends as one of the two requests or under the fallback threshold. This component
reads the shape of the message (``bot.components.two_requests.adds_then_pays``: a request to
add, then after "and" / "then" / "," a request to pay) and, when it is there, sets the
configured multi-intent with confidence 1.0 on top of the kept ranking, as Rasa's
KeywordIntentClassifier does for a keyword. Entities stay the extractors'. Pipeline entry,
after the intent classifiers and before the FallbackClassifier::

    - name: bot.components.two_requests_nlu.TwoRequestsClassifier
      intent: add_to_cart+checkout

The intent must be one the NLU data teaches (the domain lists it); training checks that.

Python 3.10, imports only rasa and the pure ``bot.components`` modules (it runs inside the
Rasa server).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.two_requests import adds_then_pays

logger = logging.getLogger(__name__)

DEFAULT_INTENT = "add_to_cart+checkout"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TwoRequestsClassifier(GraphComponent, IntentClassifier):
    """Predicts the add-then-pay multi-intent for messages shaped as both requests."""

    @classmethod
    def required_components(cls) -> list[type]:
        return []

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": DEFAULT_INTENT}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        intent = config.get("intent")
        if not isinstance(intent, str) or not intent.strip():
            raise InvalidConfigException(
                f"TwoRequestsClassifier: 'intent' must be an intent name, not {intent!r}"
            )

    def __init__(self, config: dict[str, Any], resource: Resource) -> None:
        self.validate_config(config)
        self._intent = str(config["intent"])
        self._resource = resource

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TwoRequestsClassifier:
        return cls(config, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TwoRequestsClassifier:
        return cls.create(config, model_storage, resource, execution_context)  # nothing stored

    def train(self, training_data: TrainingData) -> Resource:
        if self._intent not in training_data.intents:
            raise InvalidConfigException(
                f"TwoRequestsClassifier: the NLU data has no intent '{self._intent}'; add its "
                "examples (nlu_data/cart.yml) or set 'intent' in config.yml"
            )
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or not adds_then_pays(text):
                continue
            before = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            predicted = {INTENT_NAME_KEY: self._intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [
                entry
                for entry in message.get(INTENT_RANKING_KEY) or []
                if entry.get(INTENT_NAME_KEY) != self._intent
            ]
            message.data[INTENT] = predicted
            message.data[INTENT_RANKING_KEY] = [dict(predicted), *ranking]
            if before != self._intent:
                logger.debug("TwoRequestsClassifier: '%s' read as '%s'", before, self._intent)
        return messages
