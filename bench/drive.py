"""Drive scripted conversations over a REST channel, sequentially and concurrently."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from scripts.stackctl import post_json

Script = Sequence[str]


class TurnFailed(RuntimeError):
    """A turn got an HTTP error or no reply: the benchmark's figures would be meaningless."""


@dataclass(frozen=True)
class Turn:
    script: str
    text: str
    seconds: float
    replies: int


def run_conversation(webhook_url: str, name: str, script: Script) -> list[Turn]:
    sender = f"bench-{name}-{uuid.uuid4().hex[:8]}"
    turns = []
    for text in script:
        started = time.perf_counter()
        status, body = post_json(webhook_url, {"sender": sender, "message": text}, timeout=120)
        elapsed = time.perf_counter() - started
        if status != 200 or not isinstance(body, list):
            raise TurnFailed(f"{name}: {text!r} -> HTTP {status}: {body!r}")
        turns.append(Turn(name, text, elapsed, len(body)))
    return turns


def run_sequential(webhook_url: str, scripts: dict[str, Script], rounds: int) -> list[Turn]:
    turns: list[Turn] = []
    for _ in range(rounds):
        for name, script in scripts.items():
            turns += run_conversation(webhook_url, name, script)
    return turns


def run_concurrent(
    webhook_url: str, scripts: dict[str, Script], conversations: int, concurrency: int
) -> tuple[list[Turn], float]:
    """``conversations`` conversations (cycling through the scripts), ``concurrency`` at once;
    returns the turns and the wall time."""
    names = list(scripts)
    jobs = [names[i % len(names)] for i in range(conversations)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda n: run_conversation(webhook_url, n, scripts[n]), jobs))
    wall = time.perf_counter() - started
    return [t for r in results for t in r], wall


def percentiles(turns: Sequence[Turn]) -> dict[str, float]:
    seconds = sorted(t.seconds for t in turns)
    if not seconds:
        return {"count": 0}
    q = statistics.quantiles(seconds, n=100, method="inclusive") if len(seconds) > 1 else seconds
    return {
        "count": len(seconds),
        "p50_ms": round(1000 * statistics.median(seconds), 1),
        "p95_ms": round(1000 * (q[94] if len(seconds) > 1 else seconds[0]), 1),
        "max_ms": round(1000 * seconds[-1], 1),
        "silent_turns": sum(1 for t in turns if t.replies == 0),
    }
