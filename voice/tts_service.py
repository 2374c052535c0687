"""Our text-to-speech service: wyoming-piper, started on a voice that is already on disk.

    python -m voice.tts_service [--uri tcp://127.0.0.1:10200] [--voice en_US-joe-medium]
                                [-- extra wyoming-piper flags, e.g. --length-scale 0.9]

Piper (piper-tts) is GPL-3.0: it runs in its own process, the one this module becomes with
``os.execv``; the project's code never imports piper or wyoming_piper and talks to it over a
socket (Wyoming). This module only resolves the voice (voice.models: the packaged
en_US-joe-medium is linked into ``<models_dir>/piper``) and builds the command line.

Why wyoming-piper never downloads here: it fetches a voice's files only when they are missing
from every ``--data-dir`` (they are not: we resolved them first), and its voice list only with
``--update-voices`` (never passed; ``WYOMING_PIPER_ARGS``, which it appends to its arguments,
is removed from its environment). Streaming: a ``synthesize`` request is split into
sentences and each sentence's audio is sent as soon as it is made (audio-start once, then
chunks of ``--samples-per-chunk`` samples, audio-stop at the end), so the first sentence plays
while the next is synthesised.

wyoming-piper loads the voice on the first request (about a second); a small helper process
(``--no-warm-up`` turns it off) sends one short request as soon as the server listens, so the
first shopper does not wait for it. Synthesis runs at about 5-10x real time on 2 busy cores
(a short first sentence is heard after ~0.05-0.25 s), so no speed flag is needed;
wyoming-piper's ``--length-scale`` (below 1: faster speech) and ``--sentence-silence`` shape
the voice and pass through after ``--``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

_LOGGER = logging.getLogger("voice.tts_service")

SAMPLES_PER_CHUNK = 1024  # 46 ms at 22,050 Hz: small enough to start playing at once


def piper_command(
    *, uri: str, onnx: Path, samples_per_chunk: int = SAMPLES_PER_CHUNK, extra: Sequence[str] = ()
) -> list[str]:
    """The wyoming-piper command line serving the voice ``onnx`` (its .onnx.json beside)."""
    return [
        sys.executable,
        "-m",
        "wyoming_piper",
        "--voice",
        onnx.name.removesuffix(".onnx"),
        "--uri",
        uri,
        "--data-dir",
        str(onnx.parent),
        "--samples-per-chunk",
        str(samples_per_chunk),
        *extra,
    ]


def piper_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if environ is None else environ)
    env.pop("WYOMING_PIPER_ARGS", None)  # could add --update-voices (a download)
    env["HF_HUB_OFFLINE"] = "1"
    return env


async def _warm_up(uri: str, deadline_s: float) -> bool:
    from voice.speech_clients import SpeechServiceDown, TextToSpeech

    tts = TextToSpeech(uri, timeout_s=30.0)
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if await tts.is_up():
            try:
                await tts.wav("Ready.")
                return True
            except SpeechServiceDown:
                return False
        await asyncio.sleep(0.2)
    return False


def _start_warm_up(uri: str) -> None:
    """A helper process (forked twice, so it is not left a zombie of the server) that sends
    one request as soon as the server listens; it ends by itself within a minute."""
    child = os.fork()
    if child == 0:
        try:
            if os.fork() == 0:
                command = [sys.executable, "-m", "voice.tts_service", "--uri", uri]
                os.execv(sys.executable, [*command, "--warm-up-only"])
        finally:
            os._exit(0)
    os.waitpid(child, 0)


def main(argv: Sequence[str] | None = None) -> int:
    from voice.models import ModelError, resolve_piper_voice
    from voice.settings import VoiceSettings

    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    settings = VoiceSettings.from_env()
    parser = argparse.ArgumentParser(prog="python -m voice.tts_service", description=__doc__)
    parser.add_argument("--uri", default=settings.tts_uri, help="tcp://host:port or unix://path")
    parser.add_argument("--voice", default=settings.piper_voice, help="voice name or .onnx path")
    parser.add_argument("--models-dir", default=str(settings.models_dir))
    parser.add_argument("--samples-per-chunk", type=int, default=SAMPLES_PER_CHUNK)
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false")
    parser.add_argument("--warm-up-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.warm_up_only:
        started = time.monotonic()
        ok = asyncio.run(_warm_up(args.uri, deadline_s=60.0))
        _LOGGER.info("Warm-up %s in %.1f s", "done" if ok else "failed", time.monotonic() - started)
        return 0 if ok else 1
    try:
        onnx = resolve_piper_voice(args.voice, Path(args.models_dir))
    except ModelError as error:
        _LOGGER.error("%s", error)
        return 2
    if args.debug:
        extra.append("--debug")
    command = piper_command(
        uri=args.uri, onnx=onnx, samples_per_chunk=args.samples_per_chunk, extra=extra
    )
    if args.warm_up:
        _start_warm_up(args.uri)
    _LOGGER.info("Starting %s", " ".join(command))
    sys.stderr.flush()
    os.execve(sys.executable, command, piper_environment())
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
