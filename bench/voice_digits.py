"""Spoken numbers through speech to text: are all the digits heard? (issue 8)

    .venv/bin/python -m bench.voice_digits [--model base] [--count 40] [--seed 7]
        [--isa AVX512,AVX2] [--out-dir DIR]

Order numbers, read digit by digit as people read them off a screen ("where is my order,
one, two, two, three, six"), said by espeak-ng at 165 and 140 words a minute, clean and with
pink noise. Each utterance goes to voice.stt_engine.WhisperEngine as the speech service
gives it a streamed utterance (short encoder window, the catalog prompt of the demo shop),
cut where the service cuts it (the end of speech plus 0.2 s, as a tentative pass; plus
1.0 s, as an answer at the end of the turn). The figure: the share of utterances whose
transcript, read by voice.ear.normalise, holds the exact number.

Side by side in the same run, on the same audio and engine: the prompted pass alone
(``digits_check`` off, the service before this bench) and with the digit check (a second
pass without the prompt when the transcript holds a number: voice.stt_engine.keep_digits),
with the whisper passes each needed and the time per utterance. Half the numbers have a
digit said twice in a row (the case the prompt breaks), half have none; both are reported.

The numbers come from a seeded random generator (``--seed``); ``--isa`` runs the whole set
again with CTranslate2 forced to each instruction set (CT2_FORCE_CPU_ISA, in a subprocess),
since whisper's int8 answers on borderline audio differ between machines. It does not cap
oneDNN, which does the int8 matrix products on non-Intel CPUs (``ONEDNN_MAX_CPU_ISA`` does;
tests/conftest.py sets both for the tests).

Prints a table and writes bench/results/voice-digits-<time>.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
PHRASES = (
    "where is my order, {digits}",
    "my order number is {digits}",
    "can you check order {digits} please",
)
TAILS_S = (0.2, 1.0)


def numbers(count: int, seed: int) -> list[tuple[str, bool]]:
    """``count`` five-digit order numbers, alternately with and without a digit repeated
    next to itself: (number, has a repeat)."""
    rng = random.Random(seed)
    found: list[tuple[str, bool]] = []
    while len(found) < count:
        want_repeat = len(found) % 2 == 0
        digits = [str(rng.randint(1, 9))] + [str(rng.randint(0, 9)) for _ in range(4)]
        has_repeat = any(a == b for a, b in itertools.pairwise(digits))
        if has_repeat == want_repeat:
            found.append(("".join(digits), has_repeat))
    return found


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from settings import Settings
    from tests.voice.speech import spoken
    from voice.ear import normalise
    from voice.models import resolve_whisper
    from voice.settings import VoiceSettings
    from voice.stt_engine import StretchFinder, WhisperEngine
    from voice.vocabulary import CatalogVocabulary

    database_url = Settings.from_env(os.environ).shop_database_url
    prompt = CatalogVocabulary.from_shop_database(database_url).prompt()
    models_dir = VoiceSettings.from_env(os.environ).models_dir
    engine = WhisperEngine(str(resolve_whisper(args.model, models_dir)), threads=args.threads)
    folder = args.speech_folder or Path(tempfile.gettempdir()) / "voice-digits-speech"
    rows: dict[str, dict[str, Any]] = {
        variant: {"right": 0, "right_repeat": 0, "right_plain": 0, "passes": 0, "seconds": 0.0}
        for variant in ("prompt only", "digit check")
    }
    misses: list[dict[str, Any]] = []
    total = repeats = 0
    for index, (number, has_repeat) in enumerate(numbers(args.count, args.seed)):
        phrase = PHRASES[index % len(PHRASES)].format(
            digits=", ".join(DIGITS[int(d)] for d in number)
        )
        for wpm in (165, 140):
            for noise in (0.0, 0.03):
                pcm = spoken(phrase, folder, words_per_minute=wpm, noise=noise)
                finder = StretchFinder()
                finder.feed(pcm)
                for tail in TAILS_S:
                    end = min(len(pcm), finder.speech_end + int(tail * 16000) * 2)
                    audio = pcm[:end]
                    total += 1
                    repeats += has_repeat
                    for variant, check in (("prompt only", False), ("digit check", True)):
                        engine.digits_check = check
                        before = engine.passes
                        started = time.perf_counter()
                        text = engine.transcribe_blocking(audio, prompt=prompt)
                        row = rows[variant]
                        row["seconds"] += time.perf_counter() - started
                        row["passes"] += engine.passes - before
                        right = number in normalise(text)
                        row["right"] += right
                        row["right_repeat" if has_repeat else "right_plain"] += right
                        if not right:
                            misses.append(
                                {
                                    "variant": variant,
                                    "number": number,
                                    "wpm": wpm,
                                    "noise": noise,
                                    "tail_s": tail,
                                    "heard": text,
                                }
                            )
    report: dict[str, Any] = {
        "isa": os.environ.get("CT2_FORCE_CPU_ISA", "(default)"),
        "model": args.model,
        "utterances": total,
        "with_repeat": repeats,
        "variants": {
            variant: {
                "exact": round(row["right"] / total, 4),
                "exact_with_repeat": round(row["right_repeat"] / repeats, 4),
                "exact_without_repeat": round(row["right_plain"] / (total - repeats), 4),
                "passes_per_utterance": round(row["passes"] / total, 3),
                "ms_per_utterance": round(1000 * row["seconds"] / total, 1),
            }
            for variant, row in rows.items()
        },
        "misses": misses,
    }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--count", type=int, default=40, help="order numbers")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--isa", default="", help="CT2_FORCE_CPU_ISA values, comma-separated")
    parser.add_argument("--speech-folder", type=Path)
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one ISA run
    args = parser.parse_args(argv)
    if args.json:
        print(json.dumps(measure(args)))
        return 0
    reports: list[dict[str, Any]] = []
    for isa in [""] + [i for i in args.isa.split(",") if i]:
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        if isa:
            env["CT2_FORCE_CPU_ISA"] = isa
        command = [
            sys.executable,
            "-m",
            "bench.voice_digits",
            "--json",
            "--model",
            args.model,
            "--count",
            str(args.count),
            "--seed",
            str(args.seed),
            "--threads",
            str(args.threads),
        ]
        if args.speech_folder:
            command += ["--speech-folder", str(args.speech_folder)]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        reports.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"{'isa':<10} {'variant':<12} {'exact':>7} {'repeat':>7} {'no rep.':>7} "
        f"{'passes':>7} {'ms/utt':>7}"
    )
    for report in reports:
        for variant, row in report["variants"].items():
            print(
                f"{report['isa']:<10} {variant:<12} {row['exact']:>7.1%} "
                f"{row['exact_with_repeat']:>7.1%} {row['exact_without_repeat']:>7.1%} "
                f"{row['passes_per_utterance']:>7.2f} {row['ms_per_utterance']:>7.0f}"
            )
    print(
        f"({reports[0]['utterances']} utterances per run, {reports[0]['with_repeat']} "
        f"with a repeated digit; whisper {args.model})"
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / f"voice-digits-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.write_text(json.dumps({"command": " ".join(sys.argv), "runs": reports}, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
