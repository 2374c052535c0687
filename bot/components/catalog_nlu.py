"""Rasa's RegexFeaturizer and EntitySynonymMapper with the shop's current catalog words.

Both train exactly as Rasa's own (on the committed demo tables of ``nlu_data/lookups/`` and
the synonyms of ``nlu_data/``). When they serve, the catalog words set-up wrote for this
shop (``bot.components.catalog_words``) take the place of the trained ones:

- ``CatalogRegexFeaturizer``: each trained lookup table's pattern is rebuilt from the table
  of the same name in the folder ("brand" from the merchant's brands...), so DIET's feature
  "this word is a brand" fires for the shop's brands, as it learnt it on the demo's. A table
  the folder lacks matches nothing (the demo's materials are not this shop's); a table the
  model never trained on (a merchant's option values) has no feature to feed and is left to
  the action server's query parser, which reads the catalog itself. The regexes of
  ``nlu_data/regex.yml`` stay as trained. The number and order of features never change.
- ``CatalogSynonymMapper``: the trained synonyms plus the folder's; the folder's win where
  both map the same word (they are the catalog's own names).

With the folder switched off (``catalog_lookups: false``) or empty, both are Rasa's own.

Python 3.10, imports only rasa, the standard library and the pure ``bot.components`` modules
(it runs inside the Rasa server).
"""

from __future__ import annotations

import logging
from typing import Any

import rasa.nlu.utils.pattern_utils as pattern_utils
import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.entity_synonyms import EntitySynonymMapper
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.catalog_words import (
    OPTION,
    CatalogWords,
    CatalogWordsFolder,
    folder_from_config,
    validate_option,
)

logger = logging.getLogger(__name__)

LOOKUP_NAMES_FILE = "lookup_names.json"
# a pattern that never matches: the feature of a trained table this catalog does not have
NEVER = r"(?!x)x"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class CatalogRegexFeaturizer(RegexFeaturizer):
    """RegexFeaturizer whose lookup-table features follow the shop's current catalog."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**RegexFeaturizer.get_default_config(), OPTION: None}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        validate_option(cls.__name__, config.get(OPTION))

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        known_patterns: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, known_patterns)
        self.validate_config(config)
        self._trained_patterns: list[dict[str, str]] = list(known_patterns or [])
        self._lookup_names: set[str] = set()  # the trained lookup tables (train, load)
        self._catalog = CatalogWordsFolder.shared(folder_from_config(config.get(OPTION)))
        self._served: CatalogWords | None = None

    def train(self, training_data: TrainingData) -> Resource:
        self._lookup_names = {str(table["name"]) for table in training_data.lookup_tables}
        resource = super().train(training_data)  # persists through _persist below
        self._trained_patterns = list(self.known_patterns)
        return resource

    def _persist(self) -> None:
        super()._persist()  # patterns.json, as Rasa's
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(
                directory / LOOKUP_NAMES_FILE, sorted(self._lookup_names)
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CatalogRegexFeaturizer:
        loaded = super().load(config, model_storage, resource, execution_context, **kwargs)
        assert isinstance(loaded, CatalogRegexFeaturizer)
        try:
            with model_storage.read_from(resource) as directory:
                names = rasa.shared.utils.io.read_json_file(directory / LOOKUP_NAMES_FILE)
        except (ValueError, FileNotFoundError):
            names = []
        loaded._lookup_names = {str(name) for name in names}
        return loaded

    def process(self, messages: list[Message]) -> list[Message]:
        self._follow_catalog()
        return super().process(messages)

    def _follow_catalog(self) -> None:
        words = self._catalog.current()
        if words is self._served:
            return
        self._served = words
        if words is None:
            self.known_patterns = list(self._trained_patterns)
            return
        use_word_boundaries = bool(self._config["use_word_boundaries"])
        patterns = []
        for pattern in self._trained_patterns:
            name = pattern["name"]
            if name not in self._lookup_names:
                patterns.append(pattern)
                continue
            entries = words.tables.get(name)
            regex = (
                pattern_utils._generate_lookup_regex(
                    {"name": name, "elements": entries}, use_word_boundaries
                )
                if entries
                else NEVER
            )
            patterns.append({"name": name, "pattern": regex})
        untrained = sorted(set(words.tables) - self._lookup_names)
        if untrained:
            logger.info(
                "CatalogRegexFeaturizer: the model has no feature for the catalog's %s "
                "tables (the action server's query parser reads those words)",
                ", ".join(untrained),
            )
        self.known_patterns = patterns


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class CatalogSynonymMapper(EntitySynonymMapper):
    """EntitySynonymMapper that adds the shop's current catalog synonyms to the trained ones."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {OPTION: None}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        validate_option(cls.__name__, config.get(OPTION))

    def __init__(
        self,
        config: dict[str, Any] | None,
        model_storage: ModelStorage,
        resource: Resource,
        synonyms: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource, synonyms)
        config = config or {}
        self.validate_config(config)
        self._trained_synonyms: dict[str, Any] = dict(synonyms or {})
        self._catalog = CatalogWordsFolder.shared(folder_from_config(config.get(OPTION)))
        self._served: CatalogWords | None = None

    def train(self, training_data: TrainingData) -> Resource:
        resource = super().train(training_data)
        self._trained_synonyms = dict(self.synonyms)
        return resource

    def process(self, messages: list[Message]) -> list[Message]:
        words = self._catalog.current()
        if words is not self._served:
            self._served = words
            self.synonyms = {**self._trained_synonyms, **(words.synonyms if words else {})}
        return super().process(messages)
