"""How bench/nlu_eval.py scores parses: what counts as right, kept out and found.

The scoring decides which pipeline the assistant ships, so each rule is pinned here on
hand-made parses (no Rasa needed); the benchmark itself runs the real models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.heldout import IntentMessage
from bench.nlu_eval import ROOT, VariantResult, fallback_threshold, percentile, score, table


def parse(intent: str, confidence: float = 0.9, **extra: Any) -> dict[str, Any]:
    return {
        "intent": intent,
        "confidence": confidence,
        "classifier_intent": extra.get("classifier", intent),
        "classifier_confidence": confidence,
        "entities": extra.get("entities", []),
        "ms": extra.get("ms", 10.0),
    }


def scored(intents: list[IntentMessage], tricky: list[bool], parses: list[dict[str, Any]]) -> Any:
    result = VariantResult("v", ROOT / "bench" / "nlu" / "config_baseline.yml", 1.0, 1.0, 0.4)
    score(result, intents, tricky, parses)
    return result.as_json()


def test_a_fallback_is_a_miss_even_when_the_classifier_was_right() -> None:
    figures = scored(
        [IntentMessage("where's my parcel", "track_order")],
        [],
        [parse("nlu_fallback", 0.3, classifier="track_order")],
    )
    assert (figures["intent_accuracy"], figures["classifier_accuracy"]) == (0.0, 1.0)
    assert figures["fell_back"] == 1


def test_out_of_scope_counts_as_kept_out_by_intent_or_by_low_confidence() -> None:
    figures = scored(
        [],
        [False, True, False, True],
        [
            parse("out_of_scope"),
            parse("chitchat"),
            parse("search_product", 0.35),  # below the 0.4 threshold
            parse("search_product", 0.8),  # a shop action: not kept out
        ],
    )
    assert figures["out_of_scope_kept_out"] == 0.75
    assert figures["out_of_scope_tricky_kept_out"] == 0.5


def test_an_entity_counts_only_with_its_name_and_value_case_ignored() -> None:
    figures = scored(
        [
            IntentMessage("in Green please", "inform", {"colour": "green"}),
            IntentMessage("size m", "inform", {"size": "M"}),
            IntentMessage("order 12186", "track_order", {"order_number": "12186"}),
        ],
        [],
        [
            parse("inform", entities=[{"entity": "colour", "value": "Green"}]),
            parse("inform", entities=[{"entity": "colour", "value": "M"}]),
            parse("track_order", entities=[{"entity": "order_number", "value": "12186"}]),
        ],
    )
    assert figures["entities"] == {
        "colour": [1, 1, 1.0],
        "size": [0, 1, 0.0],
        "order_number": [1, 1, 1.0],
    }


def test_the_threshold_is_read_from_the_variant_config() -> None:
    assert fallback_threshold(ROOT / "config.yml") == 0.3
    assert fallback_threshold(ROOT / "bench" / "nlu" / "config_dense.yml") == 0.4


def test_p95_is_the_value_95_percent_of_the_way_up_the_sorted_times() -> None:
    times = [float(v) for v in reversed(range(101))]  # 100 ... 0
    assert (percentile(times, 50), percentile(times, 95)) == (50.0, 95.0)


def test_the_table_puts_variants_side_by_side(tmp_path: Path) -> None:
    results = []
    for name, predicted in (("baseline", "chitchat"), ("dense", "greet")):
        result = VariantResult(name, ROOT / "config.yml", 60.0, 1.0, 0.4)
        score(result, [IntentMessage("hey there", "greet")], [], [parse(predicted)])
        results.append(result)
    lines = table(results).splitlines()
    assert lines[0] == "| | baseline | dense |"
    assert "| intent accuracy (1 messages) | 0.0% | 100.0% |" in lines
    assert "| greet (1) | 0.0% | 100.0% |" in lines
