"""Real speech audio for the voice tests and benchmarks, made by Debian's espeak-ng and sox
(both installed by scripts/setup.sh with SETUP_VOICE_TOOLS=1, as scripts/test.sh runs it).

``spoken(text)`` is 16 kHz mono 16-bit PCM of an English voice saying ``text``, with some
silence before and after, optionally slower or faster and with noise mixed in. Files are
cached by their parameters under the given folder, so a test session makes each once.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import wave
from pathlib import Path

RATE = 16000


class SpeechToolsMissing(RuntimeError):
    """espeak-ng or sox is not installed: run `SETUP_VOICE_TOOLS=1 bash scripts/setup.sh`."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SpeechToolsMissing(
            f"{name} is not installed; `SETUP_VOICE_TOOLS=1 bash scripts/setup.sh` installs "
            "espeak-ng and sox (Debian packages)."
        )
    return path


def spoken_wav(
    text: str,
    folder: Path,
    *,
    words_per_minute: int = 165,
    voice: str = "en-us",
    rate: int = RATE,
    noise: float = 0.0,
    lead_s: float = 0.3,
    tail_s: float = 1.0,
) -> Path:
    """A WAV file (mono, 16-bit, ``rate`` Hz) of espeak-ng saying ``text``; ``noise`` is the
    amplitude (0..1) of pink noise mixed over the whole file, silence included."""
    key = hashlib.sha256(
        repr((text, words_per_minute, voice, rate, noise, lead_s, tail_s)).encode()
    ).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"speech-{key}.wav"
    if target.exists():
        return target
    raw = folder / f"raw-{key}.wav"
    subprocess.run(
        [_tool("espeak-ng"), "-v", voice, "-s", str(words_per_minute), "-w", str(raw), text],
        check=True,
        capture_output=True,
    )
    shaped = folder / f"shaped-{key}.wav"
    subprocess.run(
        [
            _tool("sox"),
            "-R",  # repeatable: no random dither, so a fixture is the same file every run
            str(raw),
            "-r",
            str(rate),
            "-c",
            "1",
            "-b",
            "16",
            str(shaped),
            "pad",
            str(lead_s),
            str(tail_s),
        ],
        check=True,
        capture_output=True,
    )
    if noise > 0:
        seconds = wav_seconds(shaped)
        noise_file = folder / f"noise-{key}.wav"
        subprocess.run(
            [
                _tool("sox"),
                "-R",
                "-n",
                "-r",
                str(rate),
                "-c",
                "1",
                "-b",
                "16",
                str(noise_file),
                "synth",
                f"{seconds:.3f}",
                "pinknoise",
                "vol",
                str(noise),
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [_tool("sox"), "-R", "-m", str(shaped), str(noise_file), str(target)],
            check=True,
            capture_output=True,
        )
        noise_file.unlink()
        shaped.unlink()
    else:
        shaped.rename(target)
    raw.unlink()
    return target


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def pcm_of(path: Path) -> bytes:
    """The 16-bit PCM frames of a mono WAV file."""
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise ValueError(f"{path} is not mono 16-bit PCM")
        return wav.readframes(wav.getnframes())


def spoken(text: str, folder: Path, **options: object) -> bytes:
    """16 kHz mono 16-bit PCM of espeak-ng saying ``text`` (see ``spoken_wav``)."""
    return pcm_of(spoken_wav(text, folder, **options))  # type: ignore[arg-type]


def silence(seconds: float, rate: int = RATE) -> bytes:
    return b"\x00\x00" * int(seconds * rate)
