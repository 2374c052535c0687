"""The FAQ's own encoder (knowledge.faq_tune, knowledge.faq_encoder): made from the FAQ file,
used only for that file, and its int8 file encodes as the tuned model does."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from knowledge import faq_tune
from knowledge.embeddings import load_embedder
from knowledge.faq import MINILM_CALIBRATION
from knowledge.faq_encoder import TUNED_CALIBRATION, load_faq_encoder
from knowledge.onnx_model import packaged_graph
from settings import PROJECT_ROOT
from tests.knowledge.helpers import make_settings

FAQ = PROJECT_ROOT / "knowledge" / "data" / "faq.yml"


def _encoder_folder(folder: Path, phrasings: str) -> Path:
    """A folder shaped as faq_tune writes it, around the packaged graph."""
    folder.mkdir(parents=True)
    shutil.copyfile(packaged_graph(), folder / faq_tune.MODEL_FILE)
    shutil.copyfile(
        PROJECT_ROOT / "knowledge" / "data" / "all-MiniLM-L6-v2" / "tokenizer.json",
        folder / faq_tune.TOKENIZER_COPY,
    )
    (folder / faq_tune.META_FILE).write_text(json.dumps({"phrasings_sha256": phrasings}))
    return folder


def test_the_encoder_tuned_on_this_faq_file_reads_it(tmp_path: Path) -> None:
    folder = _encoder_folder(tmp_path / "enc", faq_tune.phrasings_sha256(FAQ))
    settings = make_settings(tmp_path, FAQ_ENCODER=str(folder), FAQ_PATH=str(FAQ))

    chosen = load_faq_encoder(settings)

    assert (chosen.tuned, chosen.calibration) == (True, TUNED_CALIBRATION)


def test_an_faq_question_edited_after_tuning_is_read_with_the_shared_model_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    edited = tmp_path / "faq.yml"
    text = FAQ.read_text(encoding="utf-8")
    edited.write_text(text.replace("How much is postage?", "How much is the postage?", 1))
    folder = _encoder_folder(tmp_path / "enc", faq_tune.phrasings_sha256(FAQ))
    settings = make_settings(tmp_path, FAQ_ENCODER=str(folder), FAQ_PATH=str(edited))
    shared = load_embedder("all-MiniLM-L6-v2")

    with caplog.at_level(logging.WARNING, logger="knowledge.faq_encoder"):
        chosen = load_faq_encoder(settings, shared)

    assert (chosen.embedder, chosen.calibration) == (shared, MINILM_CALIBRATION)
    assert "tuned on other questions" in caplog.text


def test_an_edited_answer_keeps_the_tuned_encoder(tmp_path: Path) -> None:
    edited = tmp_path / "faq.yml"
    text = FAQ.read_text(encoding="utf-8")
    edited.write_text(text.replace("Below 50 EUR it costs", "Under 50 EUR it costs", 1))
    folder = _encoder_folder(tmp_path / "enc", faq_tune.phrasings_sha256(FAQ))
    settings = make_settings(tmp_path, FAQ_ENCODER=str(folder), FAQ_PATH=str(edited))

    assert load_faq_encoder(settings).tuned is True


def test_faq_encoder_off_reads_the_faq_with_the_shared_model(tmp_path: Path) -> None:
    _encoder_folder(tmp_path / "models" / "faq-encoder", faq_tune.phrasings_sha256(FAQ))
    settings = make_settings(tmp_path, FAQ_ENCODER="off", FAQ_PATH=str(FAQ))

    assert load_faq_encoder(settings).tuned is False


def test_set_up_with_faq_encoder_off_tunes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQ_ENCODER", "off")
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(tmp_path))

    assert faq_tune.main(["--faq", str(FAQ)]) == 0
    assert not (tmp_path / "models").exists()


def test_negatives_are_the_out_of_scope_and_small_talk_examples_without_annotations() -> None:
    negatives = faq_tune.negative_messages(PROJECT_ROOT / "nlu_data")

    assert len(negatives) > 300
    assert not [text for text in negatives if "](" in text or "]{" in text]


def test_a_second_run_on_the_same_files_keeps_the_encoder(tmp_path: Path) -> None:
    negatives = faq_tune.negative_messages(PROJECT_ROOT / "nlu_data")
    wanted = faq_tune.recipe(FAQ, negatives, steps=150, learning_rate=2e-5, seed=13)
    folder = _encoder_folder(tmp_path / "enc", wanted["phrasings_sha256"])
    (folder / faq_tune.META_FILE).write_text(json.dumps(wanted))
    before = (folder / faq_tune.MODEL_FILE).stat().st_mtime_ns

    assert faq_tune.main(["--faq", str(FAQ), "--out", str(folder)]) == 0

    assert (folder / faq_tune.MODEL_FILE).stat().st_mtime_ns == before


def test_a_short_tuning_serves_what_it_trained(tmp_path: Path) -> None:
    """Two steps (the set-up runs 150); the int8 file's vectors are the tuned model's."""
    groups = faq_tune.phrasing_groups(FAQ)
    negatives = faq_tune.negative_messages(PROJECT_ROOT / "nlu_data")
    out = tmp_path / "enc"

    meta = faq_tune.tune(groups, negatives, out, steps=2, learning_rate=2e-5, seed=13, threads=2)

    assert meta["onnx_min_cosine"] >= 0.99
    settings = make_settings(tmp_path, FAQ_ENCODER=str(out), FAQ_PATH=str(FAQ))
    # tune() called directly writes no recipe: say which FAQ it was tuned on
    (out / faq_tune.META_FILE).write_text(
        json.dumps({**meta, "phrasings_sha256": faq_tune.phrasings_sha256(FAQ)})
    )
    vectors = load_faq_encoder(settings).embedder.encode(
        ["how much does shipping cost", "How much is postage?", "can I pay with paypal"]
    )
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])
