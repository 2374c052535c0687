"""OutOfVocabularyFallback: sends gibberish to ``nlu_fallback`` even when DIET is confident.

DIET always picks some intent, and keyboard mashing ("asdkjh qwpoeiru") can score high
enough to pass the FallbackClassifier. This component runs after it (config.yml)::

    - name: bot.components.oov_fallback.OutOfVocabularyFallback
      threshold: 0.5          # below this share of words that count -> nlu_fallback
      min_word_length: 3      # shorter words ("hi", "ok", "42") are not judged
      typo_min_length: 5      # words this long may be one edit away from a training word
      embedding_vocabulary: null   # tokenizer.json whose whole words count as known;
                                   # null = the committed all-MiniLM-L6-v2 tokenizer, false = none
      min_letter_log_prob: -3.6    # an unknown word below this is mashing (letter pairs)
      max_consonant_run: 4         # an unknown word with a longer run is mashing
      keyboard_row_length: 5       # an unknown word this long on one keyboard row is mashing
      mashing_min_length: 4        # unknown words shorter than this always count against
      trusted_extractors: [RegexEntityExtractor]
      catalog_lookups: null        # the shop's catalog words (bot.components.catalog_words)

Training collects the words of the NLU examples, lookup tables and synonyms and persists
them. At load the embedding model's ~21,700 whole words are added (read from the tokenizer
file, not persisted): "registration", "fee" or "complaint" are words even when no example
used them. So are the shop's current catalog words (the lookup tables and synonyms set-up
writes from its catalog, read again when they change): a merchant's brands count without a
retrain. An unknown word ("Nordpeak", "registraton") still counts for the message when it
passes the mashing test (``bot.components.mashing``: letter-pair plausibility learnt from
those same words, consonant runs, keyboard rows). At inference a message whose judged words
mostly do not count, and which has no entity from a trusted (rule-based) extractor such as
an e-mail or an order number, gets the intent ``nlu_fallback`` exactly as FallbackClassifier
sets it: on top of the kept ranking, so the two-stage fallback can offer the intent DIET
ranked first. Inside forms the rules still offer ``nlu_fallback`` to the form, so free-text
answers (names, addresses) keep filling slots.

Python 3.10, imports only rasa, the standard library and the pure ``bot.components`` modules
(it runs inside the Rasa server).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    ENTITIES,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.catalog_words import (
    OPTION,
    CatalogWords,
    CatalogWordsFolder,
    folder_from_config,
    validate_option,
)
from bot.components.gibberish import GibberishTest, build_gibberish_test
from bot.components.mashing import MashingRules
from bot.components.wordpiece import DEFAULT_TOKENIZER_FILE

logger = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabulary.json"


class VocabularyFileError(Exception):
    """The persisted vocabulary exists but cannot be read."""

    def __init__(self, resource: str, reason: str) -> None:
        super().__init__(
            f"The OutOfVocabularyFallback vocabulary of model resource '{resource}' is "
            f"unreadable ({reason}). Retrain the model: scripts/setup.sh does it."
        )
        self.resource = resource
        self.reason = reason


def training_texts(training_data: TrainingData) -> list[str]:
    """Every text the NLU data teaches: examples, lookup table entries, synonyms."""
    texts: list[str] = [
        message.get(TEXT) for message in training_data.training_examples if message.get(TEXT)
    ]
    for table in training_data.lookup_tables:
        elements = table.get("elements")
        if isinstance(elements, list):
            texts.extend(str(element) for element in elements)
    for synonym, value in training_data.entity_synonyms.items():
        texts.extend((str(synonym), str(value)))
    return texts


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class OutOfVocabularyFallback(GraphComponent, IntentClassifier):
    """Predicts ``nlu_fallback`` for messages made mostly of unknown words."""

    @classmethod
    def required_components(cls) -> list[type]:
        # Rasa checks these in the training graph too, where this component's train node
        # does not follow DIET's; config.yml places it after the classifiers for inference.
        return []

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "threshold": 0.5,
            "min_word_length": 3,
            "typo_min_length": 5,
            "embedding_vocabulary": None,
            "min_letter_log_prob": MashingRules.min_letter_log_prob,
            "max_consonant_run": MashingRules.max_consonant_run,
            "keyboard_row_length": MashingRules.keyboard_row_length,
            "mashing_min_length": MashingRules.min_length,
            "trusted_extractors": ["RegexEntityExtractor"],
            OPTION: None,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in (
            "min_word_length",
            "typo_min_length",
            "max_consonant_run",
            "keyboard_row_length",
            "mashing_min_length",
        ):
            _require_whole_number(config, key)
        for key in ("threshold", "min_letter_log_prob"):
            value = config.get(key)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise InvalidConfigException(
                    f"OutOfVocabularyFallback: '{key}' must be a number, not {value!r}"
                )
        validate_option(cls.__name__, config.get(OPTION))

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        known_words: list[str],
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.validate_config(config)
        self._training_words = sorted(set(known_words))
        self._catalog = CatalogWordsFolder.shared(folder_from_config(config.get(OPTION)))
        self._served: CatalogWords | None = self._catalog.current() if known_words else None
        # built only once there are training words: without them the rule is off anyway
        self._test = (
            _gibberish_test(config, [*self._training_words, *_texts(self._served)])
            if known_words
            else None
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OutOfVocabularyFallback:
        return cls(config, model_storage, resource, [])

    def train(self, training_data: TrainingData) -> Resource:
        self._test = _gibberish_test(self._config, training_texts(training_data))
        self._training_words = self._test.vocabulary.sorted_words()
        self.persist()
        logger.debug("OutOfVocabularyFallback learnt %d words", len(self._training_words))
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            path = directory / VOCABULARY_FILE
            path.write_text(json.dumps({"words": self._training_words}), encoding="utf-8")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> OutOfVocabularyFallback:
        try:
            with model_storage.read_from(resource) as directory:
                raw = (directory / VOCABULARY_FILE).read_text(encoding="utf-8")
        except ValueError:
            # Rasa's documented case: the component was never trained (e.g. `rasa train core`).
            logger.warning(
                "OutOfVocabularyFallback has no trained vocabulary in this model, so it will "
                "not predict nlu_fallback. Retrain the NLU model to enable it."
            )
            return cls(config, model_storage, resource, [])
        try:
            known_words = json.loads(raw)["words"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise VocabularyFileError(resource.name, repr(exc)) from exc
        if not isinstance(known_words, list):
            raise VocabularyFileError(resource.name, "'words' is not a list")
        return cls(config, model_storage, resource, [str(word) for word in known_words])

    def process(self, messages: list[Message]) -> list[Message]:
        self._follow_catalog()
        for message in messages:
            if self._should_fallback(message):
                confidence = self._fallback_confidence(message)
                message.data[INTENT] = _fallback_intent(confidence)
                message.data.setdefault(INTENT_RANKING_KEY, [])
                message.data[INTENT_RANKING_KEY].insert(0, _fallback_intent(confidence))
        return messages

    def _follow_catalog(self) -> None:
        """The shop's current catalog words count as known too (``catalog_lookups``)."""
        words = self._catalog.current()
        if words is self._served or not self._training_words:
            return
        self._served = words
        self._test = _gibberish_test(self._config, [*self._training_words, *_texts(words)])

    def _should_fallback(self, message: Message) -> bool:
        if self._test is None:
            return False  # untrained (e.g. `rasa train core`): DIET and its fallback decide
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) == DEFAULT_NLU_FALLBACK_INTENT_NAME:
            return False  # the FallbackClassifier already decided
        trusted = set(self._config["trusted_extractors"])
        if any(entity.get(EXTRACTOR) in trusted for entity in message.get(ENTITIES) or []):
            return False  # an e-mail or an order number: the message means something
        assessment = self._test.assess(message.get(TEXT) or "")
        if not assessment.judged or assessment.word_share >= self._test.threshold:
            return False
        logger.debug(
            "OutOfVocabularyFallback: %d known and %d word-like of %d words (%s) in a message "
            "DIET called '%s'; predicting '%s'",
            len(assessment.known),
            len(assessment.wordlike),
            len(assessment.judged),
            ", ".join(assessment.judged),
            intent.get(INTENT_NAME_KEY),
            DEFAULT_NLU_FALLBACK_INTENT_NAME,
        )
        return True

    @staticmethod
    def _fallback_confidence(message: Message) -> float:
        """The top intent's confidence: the fallback is as sure as DIET was."""
        confidence = (message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY)
        return float(confidence) if isinstance(confidence, (int, float)) else 1.0


def _texts(words: CatalogWords | None) -> list[str]:
    return words.texts() if words else []


def _fallback_intent(confidence: float) -> dict[str, Any]:
    return {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: confidence}


def _require_whole_number(config: dict[str, Any], key: str) -> None:
    value = config.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidConfigException(
            f"OutOfVocabularyFallback: '{key}' must be a whole number >= 0, not {value!r}"
        )


def tokenizer_file(value: Any) -> Path | None:
    """The configured ``embedding_vocabulary``: null = the committed MiniLM tokenizer,
    false or "" = no embedding words, else a path relative to the working directory (Rasa
    runs from the repository root)."""
    if value is None:
        return DEFAULT_TOKENIZER_FILE
    if value is False or value == "":
        return None
    return Path(str(value)).expanduser().resolve()


def _gibberish_test(config: dict[str, Any], training_texts: list[str]) -> GibberishTest:
    rules = MashingRules(
        min_letter_log_prob=float(config["min_letter_log_prob"]),
        max_consonant_run=int(config["max_consonant_run"]),
        keyboard_row_length=int(config["keyboard_row_length"]),
        min_length=int(config["mashing_min_length"]),
    )
    return build_gibberish_test(
        training_texts,
        tokenizer_file=tokenizer_file(config.get("embedding_vocabulary")),
        rules=rules,
        threshold=float(config["threshold"]),
        min_word_length=int(config["min_word_length"]),
        typo_min_length=int(config["typo_min_length"]),
    )
