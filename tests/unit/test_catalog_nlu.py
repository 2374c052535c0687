"""bot/components/catalog_nlu.py and the catalog words of the OOV fallback, in the real Rasa 3.6.

A model trained on one catalog's lookup tables (as the shop's is trained on the demo's) must
serve another shop's words from the folder set-up writes, with no retrain, and follow the
folder when an import rewrites it while the server runs. The components are trained,
persisted and loaded as Rasa does; the folder holds files written by
``nlu_data/generate_lookups.py`` from a catalog vocabulary, as set-up writes them.
"""

from __future__ import annotations

import textwrap
from functools import cache
from typing import Any

from tests.rasa_venv import run_in_rasa_venv

CHECK = textwrap.dedent(
    """
    import json, os, subprocess, sys, tempfile
    from pathlib import Path
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.exceptions import InvalidConfigException
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.message import Message
    from bot.components.catalog_nlu import CatalogRegexFeaturizer, CatalogSynonymMapper
    from bot.components.oov_fallback import OutOfVocabularyFallback as Oov

    scratch = tempfile.TemporaryDirectory()
    tmp = Path(scratch.name)
    folder = tmp / "lookups"
    (tmp / "storage").mkdir()
    storage = LocalModelStorage(tmp / "storage")
    context = ExecutionContext(GraphSchema({}), node_name="node")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())

    def write_catalog(vocabulary):
        # what set-up does after an import: the script, from the catalog's vocabulary
        done = subprocess.run(
            [".venv/bin/python", "nlu_data/generate_lookups.py", "--vocabulary-json", "-",
             "--out", str(folder)],
            input=json.dumps(vocabulary), capture_output=True, text=True,
            env={"PYTHONPATH": os.getcwd(), "PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 0, done.stderr
        for path in folder.glob("*.yml"):  # a new mtime even within the same clock tick
            os.utime(path, ns=(path.stat().st_mtime_ns + 1, path.stat().st_mtime_ns + 1))

    def vocabulary(categories, brands=(), synonyms=()):
        return {"categories": list(categories), "subcategories": [], "brands": list(brands),
                "colours": [], "sizes": [], "materials": [], "options": [],
                "synonyms": [list(pair) for pair in synonyms]}

    trained = RasaYAMLReader().reads('''
    version: "3.1"
    nlu:
    - intent: search_product
      examples: |
        - do you have [shoes](category)
        - any [crimson](colour:red) boots
    - lookup: category
      examples: |
        - shoes
        - boots
    - regex: order_number
      examples: |
        - \\\\b\\\\d{6}\\\\b
    ''')
    tokenizer.process_training_data(trained)
    config = {**CatalogRegexFeaturizer.get_default_config(), "catalog_lookups": str(folder)}
    CatalogRegexFeaturizer.create(config, storage, Resource("regex"), context).train(trained)
    features = CatalogRegexFeaturizer.load(config, storage, Resource("regex"), context)
    mapper_config = {"catalog_lookups": str(folder)}
    CatalogSynonymMapper.create(mapper_config, storage, Resource("syn"), context).train(trained)
    mapper = CatalogSynonymMapper.load(mapper_config, storage, Resource("syn"), context)

    def matched(text):
        message = Message(data={"text": text})
        tokenizer.process([message])
        features.process([message])
        return {t.text: sorted(k for k, v in t.get("pattern", {}).items() if v)
                for t in message.get("text_tokens")}

    def mapped(*values):
        message = Message(data={"text": " ".join(values), "entities": [
            {"entity": "category", "value": v, "start": 0, "end": len(v)} for v in values]})
        mapper.process([message])
        return [e["value"] for e in message.get("entities")]

    result = {"before": matched("shoes sofas 123456"), "mapped_before": mapped("crimson", "settee")}
    write_catalog(vocabulary(["sofas", "lamps"], synonyms=[["settee", "sofas"]]))
    result["imported"] = matched("shoes sofas 123456")
    result["mapped_imported"] = mapped("crimson", "settee")
    result["size"] = len(features.known_patterns)
    write_catalog(vocabulary(["rugs"]))
    result["reimported"] = matched("sofas rugs")
    (folder / "category.generated.yml").write_text("nlu: [this is not: valid")
    result["broken"] = matched("sofas rugs")
    for path in folder.glob("*.yml"):
        path.unlink()
    write_catalog(vocabulary([], brands=["Quiptower"]))
    result["no_table"] = matched("shoes sofas rugs Quiptower")
    try:
        CatalogRegexFeaturizer.create({**config, "catalog_lookups": 3}, storage,
                                      Resource("bad"), context)
        result["bad"] = None
    except InvalidConfigException as error:
        result["bad"] = str(error)

    # the out-of-vocabulary fallback: a brand typed alone, that looks like keyboard mashing
    oov_config = {**Oov.get_default_config(), "catalog_lookups": str(tmp / "oov")}
    files = [load_data(str(p)) for p in sorted(Path("nlu_data").glob("*.yml"))]
    Oov.create(oov_config, storage, Resource("oov"), context).train(files[0].merge(*files[1:]))
    oov = Oov.load(oov_config, storage, Resource("oov"), context)
    def intent(text):
        sure = {"name": "search_product", "confidence": 0.93}
        message = Message(data={"text": text, "intent": dict(sure), "intent_ranking": [sure]})
        oov.process([message])
        return message.get("intent")["name"]
    result["oov_before"] = intent("quiptower")
    folder = tmp / "oov"
    write_catalog(vocabulary([], brands=["Quiptower"]))
    result["oov_imported"] = intent("quiptower")
    print(json.dumps(result))
    """
)


@cache
def results() -> dict[str, Any]:
    """One run for all tests."""
    parsed: dict[str, Any] = run_in_rasa_venv(CHECK)
    return parsed


def test_before_any_import_the_trained_table_is_served() -> None:
    assert results()["before"] == {"shoes": ["category"], "sofas": [], "123456": ["order_number"]}


def test_an_imported_catalogs_words_fire_the_trained_feature_instead_of_the_demos() -> None:
    assert results()["imported"] == {
        "shoes": [],
        "sofas": ["category"],
        "123456": ["order_number"],
    }


def test_the_number_of_features_stays_the_trained_one() -> None:
    assert results()["size"] == 2


def test_a_second_import_is_followed_while_serving() -> None:
    assert results()["reimported"] == {"sofas": [], "rugs": ["category"]}


def test_a_broken_file_keeps_the_words_read_before() -> None:
    assert results()["broken"] == {"sofas": [], "rugs": ["category"]}


def test_a_trained_table_the_catalog_lacks_matches_nothing() -> None:
    assert results()["no_table"] == {"shoes": [], "sofas": [], "rugs": [], "Quiptower": []}


def test_the_catalogs_synonyms_are_added_to_the_trained_ones() -> None:
    assert results()["mapped_before"] == ["red", "settee"]
    assert results()["mapped_imported"] == ["red", "sofas"]


def test_a_brand_that_looks_like_mashing_counts_once_the_catalog_has_it() -> None:
    assert results()["oov_before"] == "nlu_fallback"
    assert results()["oov_imported"] == "search_product"


def test_a_folder_option_of_the_wrong_type_is_refused_with_the_setting_named() -> None:
    assert "'catalog_lookups' must be a folder" in results()["bad"]
