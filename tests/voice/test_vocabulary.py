"""The catalog's words for the ear: whisper's prompt and the corrector of misheard names.

Built from a real demo shop database (seeded in a temporary folder) and from plain lists.
Corrections are pinned both ways: a misheard brand is fixed, an ordinary sentence is not
touched.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from shop.db import create_engine_from_url
from shop.demo.catalog import demo_products
from shop.demo.seed import seed_demo_shop
from voice.vocabulary import CatalogVocabulary, VocabularyUnavailable

PRODUCTS = 60
SEED = 7


@pytest.fixture(scope="module")
def shop_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('shop') / 'shop.db'}"
    engine = create_engine_from_url(url)
    seed_demo_shop(engine, seed=SEED, products=PRODUCTS)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def catalog(shop_url: str) -> CatalogVocabulary:
    return CatalogVocabulary.from_shop_database(shop_url)


@pytest.fixture
def outdoor() -> CatalogVocabulary:
    return CatalogVocabulary.from_names(
        [
            "Nordpeak Swift Plus Rain Jacket",
            "Nordpeak Summit Hiking Boots",
            "Nordpeak Tempo Running Shoes",
            "Fjordwear Crest Rain Jacket",
            "Ardent & Co Nova Backpack",
            "Helio Audio Rally Earbuds",
            "Lumeo Quartz Max Smartwatch",
            "Stridex Crest 4 Running Shoes",
        ],
        brands=["Nordpeak", "Fjordwear", "Ardent & Co", "Helio Audio", "Lumeo", "Stridex"],
        words=["rain jacket", "hiking boots", "running shoes", "backpack", "earbuds", "smartwatch"],
    )


def test_the_prompt_names_brands_and_product_types_most_frequent_first(
    outdoor: CatalogVocabulary,
) -> None:
    assert outdoor.prompt() == (
        "Nordpeak, Ardent & Co, Fjordwear, rain jacket, Helio Audio, Lumeo, Stridex, "
        "running shoes, backpack, earbuds, hiking boots, smartwatch"
    )


def test_the_prompt_is_cut_at_max_chars_between_names(outdoor: CatalogVocabulary) -> None:
    assert outdoor.prompt(max_chars=40) == "Nordpeak, Ardent & Co, Fjordwear, Lumeo"


def test_the_prompt_names_a_product_type_once_in_singular_or_plural() -> None:
    vocabulary = CatalogVocabulary.from_names(
        ["Nordpeak Swift Rain Jacket"], brands=["Nordpeak"], words=["Rain Jacket", "Rain jackets"]
    )
    assert vocabulary.prompt() == "Nordpeak, rain jacket"


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("do you have a nord peak rain jacket", "do you have a Nordpeak rain jacket"),
        ("Nord-Peak jackets", "Nordpeak jackets"),
        ("nordpeek boots", "Nordpeak boots"),
        ("anything from fiord wear?", "anything from Fjordwear?"),
        ("an ardent and co backpack", "an Ardent & Co backpack"),
        ("hellio audio earbuds", "Helio Audio earbuds"),
        ("stride x running shoes", "Stridex running shoes"),
        ("smart watches", "smartwatches"),
        ("ear buds under 50 euros", "earbuds under 50 euros"),
    ],
)
def test_misheard_names_take_the_catalog_spelling(
    outdoor: CatalogVocabulary, heard: str, expected: str
) -> None:
    assert outdoor.correct(heard) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "I need a coat for the rain",
        "show me the second one",
        "the green one please",
        "where is my order 12186",
        "my email is maelle.clement@example.com",
        "something with a crest on it",
        "is the summit model waterproof",
        "what is the peak season for delivery",
        "do you ship to Norway",
        "I'd like a swift answer",
        "can I speak to a person",
        "Lumen is a nice name",
        "add 2 in size 42",
        "Nordpeak rain jacket",
    ],
)
def test_ordinary_sentences_are_left_alone(outdoor: CatalogVocabulary, sentence: str) -> None:
    assert outdoor.correct(sentence) == sentence


def test_two_names_about_as_close_are_not_guessed() -> None:
    vocabulary = CatalogVocabulary.from_names([], brands=["Nordpeak", "Nordteak"])
    assert vocabulary.correct("nordeak") == "nordeak"
    assert vocabulary.correct("nordpeek") == "Nordpeak"


def test_short_names_are_only_matched_exactly() -> None:
    vocabulary = CatalogVocabulary.from_names([], brands=["Aube", "Lumeo"])
    assert vocabulary.correct("aub and lumio") == "aub and lumio"
    assert vocabulary.correct("aube") == "Aube"


def _top_brand() -> str:
    counts = Counter(product.brand for product in demo_products(PRODUCTS, SEED))
    return sorted(counts, key=lambda brand: (-counts[brand], brand))[0]


def test_the_shop_database_gives_brands_by_frequency(catalog: CatalogVocabulary) -> None:
    products = demo_products(PRODUCTS, SEED)
    assert set(catalog.brands) == {p.brand for p in products}
    assert catalog.brands[0] == _top_brand()
    assert catalog.prompt().startswith(f"{_top_brand()}, ")


def test_the_shop_database_prompt_names_product_types(catalog: CatalogVocabulary) -> None:
    products = demo_products(PRODUCTS, SEED)
    types = Counter(p.product_type.casefold() for p in products)
    top_type = sorted(types, key=lambda t: (-types[t], t))[0]
    prompt = catalog.prompt()
    assert f", {top_type}," in prompt
    assert len(prompt) <= 400


def test_the_shop_database_vocabulary_corrects_its_own_brand(catalog: CatalogVocabulary) -> None:
    brand = _top_brand()
    single = brand.replace(" ", "")
    split = f"{single[: len(single) // 2]} {single[len(single) // 2 :]}".lower()
    assert catalog.correct(f"a {split} one") == f"a {brand} one"


def test_a_database_without_a_shop_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    url = f"sqlite:///{empty}"
    with pytest.raises(VocabularyUnavailable, match="no such table: products") as raised:
        CatalogVocabulary.from_shop_database(url)
    assert raised.value.database_url == url
    assert "python -m shop seed" in str(raised.value)


def test_a_missing_database_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "shop.db"
    with pytest.raises(VocabularyUnavailable, match="no database file"):
        CatalogVocabulary.from_shop_database(f"sqlite:///{missing}")
    assert not missing.parent.exists()
