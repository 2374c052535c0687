"""The NLU training data keeps the dialogue contract of docs/architecture.md.

Stories, rules and actions use these intent and entity names; a renamed intent or a
misspelt entity in nlu_data/ would silently stop the bot from reacting to it.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import yaml

NLU_DIR = Path(__file__).resolve().parents[2] / "nlu_data"

CONTRACT_INTENTS = {
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "chitchat",
    "out_of_scope",
    "help",
    "search_product",
    "refine_search",
    "search_cheaper",
    "show_more",
    "select_product",
    "product_question",
    "check_availability",
    "add_to_cart",
    "view_cart",
    "update_cart",
    "checkout",
    "list_orders",
    "track_order",
    "cancel_order",
    "return_item",
    "refund_status",
    "ask_faq",
    "human_handoff",
    "inform",
    "stop",
}
CONTRACT_ENTITIES = {
    "product",
    "category",
    "colour",
    "size",
    "brand",
    "material",
    "price",
    "quantity",
    "order_number",
    "email",
    "location",
    "ordinal",
    "attribute",
    "payment_method",
}
PAYMENT_METHODS = {"card", "paypal", "bank_transfer", "cash_on_delivery"}
CATEGORIES = {
    "fashion",
    "shoes",
    "electronics",
    "home",
    "sport",
    "beauty",
    "kids",
    "outdoor",
    "accessories",
}
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]+\}))")


def nlu_items() -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    for path in sorted(NLU_DIR.glob("*.yml")):
        items.extend(yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or [])
    return items


def examples_by_intent() -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for item in nlu_items():
        if "intent" in item:
            found[item["intent"]].extend(
                line[2:] for line in item["examples"].splitlines() if line.startswith("- ")
            )
    return found


def annotated_entities() -> list[tuple[str, str, str | None, str]]:
    """(entity, role, value or None, example) for every annotated entity."""
    found: list[tuple[str, str, str | None, str]] = []
    for examples in examples_by_intent().values():
        for example in examples:
            for match in ANNOTATION.finditer(example):
                if match["name"]:
                    found.append((match["name"], "", None, example))
                else:
                    spec = json.loads(match["json"])
                    found.append((spec["entity"], spec.get("role", ""), spec.get("value"), example))
    return found


def test_every_contract_intent_has_enough_varied_examples() -> None:
    found = examples_by_intent()

    assert set(found) == CONTRACT_INTENTS
    thin = {intent: len(examples) for intent, examples in found.items() if len(examples) < 30}
    assert not thin, f"intents with fewer than 30 examples: {thin}"


def test_no_example_is_given_two_intents() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for intent, examples in examples_by_intent().items():
        for example in examples:
            plain = ANNOTATION.sub(lambda m: m["text"], example).lower().strip(" ?!.")
            if owner.setdefault(plain, intent) != intent:
                clashes.append((plain, owner[plain], intent))
    assert not clashes


def test_annotations_use_contract_entities_and_roles() -> None:
    found = annotated_entities()

    assert {entity for entity, *_ in found} == CONTRACT_ENTITIES
    roles = {(entity, role) for entity, role, *_ in found if role}
    assert roles == {("price", "min"), ("price", "max")}


def test_normalised_values_are_what_the_shop_expects() -> None:
    synonyms = {item["synonym"] for item in nlu_items() if "synonym" in item}
    for entity, _, value, example in annotated_entities():
        if entity == "payment_method" and value is not None:
            assert value in PAYMENT_METHODS, example
        if entity == "category" and value is not None:
            assert value in CATEGORIES, example
    assert synonyms >= PAYMENT_METHODS


def test_order_number_regex_finds_order_numbers_not_postcodes() -> None:
    [pattern] = [
        item["examples"].strip()[2:] for item in nlu_items() if item.get("regex") == "order_number"
    ]
    found = [
        text
        for entity, _, _, example in annotated_entities()
        if entity == "order_number"
        for text in [ANNOTATION.sub(lambda m: m["text"], example)]
    ]

    assert found
    for text in found:
        assert re.search(pattern, text, flags=re.IGNORECASE), text
    for text in ("3 place Bellecour, 69002 Lyon", "call 06 12 34 56 78", "order 123456789"):
        assert not re.search(pattern, text, flags=re.IGNORECASE), text
