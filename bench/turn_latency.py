"""Turn latency and memory of the assistant against a minimal Rasa bot (``rasa init``).

    bash bench/run.sh                 # everything (about 15 minutes on 2 cores)
    bash bench/run.sh --no-training   # skip the two timed trainings
    bash bench/run.sh --no-training --reuse-baseline   # and train the rasa init bot only once
    python -m bench --no-training --model M.tar.gz --baseline-dir DIR --baseline-tracker-store both

Starts the real stack (scripts/stackctl.py, as the integration tests do) over a copy of
var/ and the baseline bot beside it. The sequential rounds (one conversation at a time over
the REST channel) alternate between the shop and the baseline, so that a machine whose speed
drifts during the run weighs on both alike; then each gets its concurrent run (20 at a time)
while the summed RSS of its processes is sampled. Prints the two side by side and writes
JSON to bench/results/.

The shop keeps conversations in SQLite (bot/endpoints.yml); ``rasa init`` keeps them in
memory. ``--baseline-tracker-store sql`` gives the baseline the same SQLite tracker store
(``both`` measures it both ways), so the two keep conversations the same way.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.drive import Script, Turn, percentiles, run_concurrent, run_sequential
from bench.memory import PeakSampler
from connectors.tracker_db import use_wal
from scripts.stackctl import ROOT, Child, LocalStack, ProcessSpec, free_port

log = logging.getLogger("bench.turn_latency")

RESULTS = ROOT / "bench" / "results"
REUSED_BASELINE = ROOT / "var" / "bench" / "baseline"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
TARGET_RATIO = 1.5
TARGET_PEAK_BYTES = 4 * 1024**3
# The baseline's SQLite tracker store when it keeps conversations as the shop does.
SQL_TRACKER_ENDPOINTS = """tracker_store:
  type: SQL
  dialect: sqlite
  db: {db}
"""
BASELINE_SCRIPTS: dict[str, Script] = {
    "sad": ["hello", "I am sad", "yes", "bye"],
    "happy": ["hi", "I am great", "bye"],
    "challenge": ["hey", "are you a bot?", "goodbye"],
    "unhappy": ["good morning", "very bad", "no", "bye"],
}


def shop_scripts(shop_db: Path) -> dict[str, Script]:
    with sqlite3.connect(shop_db) as db:
        number, email = db.execute("SELECT number, email FROM orders ORDER BY number").fetchone()
    return {
        "search_refine": ["hi", "I'm looking for running shoes", "any in blue?", "under 100 euros"],
        "product_question": [
            "show me rain jackets",
            "tell me about the first one",
            "is it waterproof?",
        ],
        "availability": [
            "wireless headphones",
            "the first one",
            "is it in stock at the Lyon store?",
        ],
        "add_to_cart": [
            "I need a backpack",
            "the second one",
            "add it to my cart",
            "what's in my cart?",
        ],
        "track_order": [f"where is my order {number}?", email],
        "faq": ["how long does delivery take?", "can I pay with PayPal?"],
        "greet_thanks": ["hello", "thanks", "bye"],
    }


def timed(command: Sequence[str], cwd: Path, log_path: Path) -> float:
    started = time.perf_counter()
    with log_path.open("wb") as out:
        subprocess.run(
            list(command),
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        )
    return time.perf_counter() - started


def train_shop_model(work: Path) -> float:
    """A full training from a cold cache (own working folder), as in a fresh clone."""
    work.mkdir(parents=True, exist_ok=True)
    return timed(
        [
            str(RASA),
            "train",
            "--config",
            str(ROOT / "config.yml"),
            "--domain",
            str(ROOT / "bot" / "domain"),
            "--data",
            str(ROOT / "nlu_data"),
            str(ROOT / "bot" / "data"),
            "--out",
            str(work / "models"),
            "--fixed-model-name",
            "shop",
        ],
        work,
        work / "train.log",
    )


@dataclasses.dataclass
class Server:
    """A running bot to measure: where to send messages and what to send."""

    name: str
    webhook_url: str
    scripts: dict[str, Script]
    rounds_per_round: int  # sequential rounds of its mix in one round of the run
    pids: Callable[[], list[int]]
    info: dict[str, Any]  # startup_s, and for a baseline train_s and tracker_store


def measure(servers: list[Server], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Every server's figures. The sequential rounds alternate between the servers (all of
    them up at once), so a machine that speeds up or slows down during the run (this one
    does, by a fifth) weighs on the shop and the baselines alike; the concurrent runs follow,
    one server at a time."""
    for server in servers:  # warm-up: lazy model loads, caches
        run_sequential(server.webhook_url, server.scripts, 1)
    sequential: dict[str, list[Turn]] = {server.name: [] for server in servers}
    for _ in range(args.rounds):
        for server in servers:
            sequential[server.name] += run_sequential(
                server.webhook_url, server.scripts, server.rounds_per_round
            )
    results = {}
    for server in servers:
        with PeakSampler(server.pids) as sampler:
            concurrent, wall = run_concurrent(
                server.webhook_url, server.scripts, args.conversations, args.concurrency
            )
        results[server.name] = {
            "sequential": percentiles(sequential[server.name]),
            "concurrent": {
                **percentiles(concurrent),
                "wall_s": round(wall, 1),
                "turns_per_s": round(len(concurrent) / wall, 2),
            },
            "peak_rss_mb": round(sampler.peak / 1024**2),
            "per_script_p50_ms": per_script(sequential[server.name]),
            **server.info,
        }
    return results


def per_script(turns: list[Turn]) -> dict[str, float]:
    names = sorted({t.script for t in turns})
    return {n: percentiles([t for t in turns if t.script == n])["p50_ms"] for n in names}


def start_shop(work: Path, args: argparse.Namespace, stop: ExitStack) -> Server:
    stack = LocalStack.create(work / "shop", model=args.model)
    stop.callback(stack.stop)
    rasa = stack.children["rasa"]
    rasa.spec = dataclasses.replace(rasa.spec, health_timeout=args.start_timeout)
    # The action server first: it and the knowledge API both rebuild a stale FAQ index
    # of the copied var/ at start, and doing it at the same time makes one of them fail.
    startup = stack.start("actions")
    startup.update(stack.start("knowledge", "rasa"))
    log.info("shop stack up: %s", startup)
    return Server(
        "shop",
        stack.cfg.rest_webhook_url,
        shop_scripts(stack.cfg.var_dir / "shop.db"),
        1,
        stack.pids,
        {"startup_s": {k: round(v, 1) for k, v in startup.items()}},
    )


def baseline_bot(work: Path, reuse: bool, kept: Path | None) -> tuple[Path, float | None]:
    """A folder made by ``rasa init`` (trained), and its training time if it was trained now.

    With ``reuse`` the bot is kept in ``kept`` (default ``var/bench/baseline``) and trained
    only once.
    """
    folder = (kept or REUSED_BASELINE) if reuse else work / "baseline"
    # trained earlier in this run (the second baseline of --baseline-tracker-store both)
    if (reuse or folder.parent == work) and any((folder / "models").glob("*.tar.gz")):
        log.info("reusing the trained baseline bot in %s", folder)
        return folder, None
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    train_s = timed(
        [str(RASA), "init", "--no-prompt", "--init-dir", str(folder)],
        folder,
        work / "baseline-init.log",
    )
    return folder, train_s


def start_baseline(
    work: Path,
    args: argparse.Namespace,
    bot: tuple[Path, float | None],
    tracker_store: str,
    stop: ExitStack,
) -> Server:
    folder, train_s = bot
    port = free_port()
    endpoints: list[str] = []
    if tracker_store == "sql":
        endpoints_file = work / "baseline-endpoints.yml"
        db = work / "baseline-tracker.db"
        endpoints_file.write_text(SQL_TRACKER_ENDPOINTS.format(db=db))
        use_wal(db)  # as connectors/serve.py does for the shop's tracker database
        endpoints = ["--endpoints", str(endpoints_file)]
    spec = ProcessSpec(
        f"baseline-rasa-{tracker_store}",
        [
            str(RASA),
            "run",
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            "--model",
            str(folder / "models"),
            "--credentials",
            str(folder / "credentials.yml"),
            *endpoints,
        ],
        f"http://127.0.0.1:{port}/",
        args.start_timeout,
        {"RASA_TELEMETRY_ENABLED": "false"},
        str(folder),
    )
    child = Child(spec, work / f"logs-{tracker_store}")
    stop.callback(child.stop)
    child.start(wait=False)
    startup = child.wait_healthy()
    return Server(
        f"baseline-{tracker_store}",
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        BASELINE_SCRIPTS,
        2,  # its conversations are shorter: twice the rounds, as many turns as the shop's
        lambda: [p for p in [child.pid] if p],
        {
            "startup_s": {"rasa": round(startup, 1)},
            "train_s": round(train_s, 1) if train_s is not None else None,
            "tracker_store": tracker_store,
        },
    )


def summary(report: dict[str, Any]) -> str:
    shop, base = report["shop"], report.get("baseline")
    lines = ["", "turn latency (REST round trip)      shop assistant    rasa init baseline  ratio"]
    for mode in ("sequential", "concurrent"):
        for q in ("p50_ms", "p95_ms"):
            ours = shop[mode][q]
            theirs = base[mode][q] if base else None
            ratio = f"{ours / theirs:5.2f}x" if theirs else "   -"
            label = f"{mode} {q.replace('_ms', '')}"
            theirs_text = f"{theirs:10.0f} ms" if theirs else "         -"
            lines.append(f"  {label:<32} {ours:10.0f} ms  {theirs_text}   {ratio}")
    lines.append(
        f"  target: sequential p50 <= {TARGET_RATIO}x baseline"
        + (f" -> {'met' if report['p50_ratio'] <= TARGET_RATIO else 'NOT met'}" if base else "")
    )
    lines.append(
        f"peak RSS of all stack processes (concurrent run): {shop['peak_rss_mb']} MB"
        f" (target < 4096 MB -> {'met' if shop['peak_rss_mb'] < 4096 else 'NOT met'})"
    )
    if base:
        lines.append(f"baseline peak RSS: {base['peak_rss_mb']} MB")
    sql = report.get("baseline_sql")
    if sql:
        lines.append(
            "baseline with the shop's SQLite tracker store: sequential p50 "
            f"{sql['sequential']['p50_ms']:.0f} ms, p95 {sql['sequential']['p95_ms']:.0f} ms"
            f" -> shop/baseline p50 ratio {report['p50_ratio_sql']:.2f}x"
        )
    if "load_average" in report:
        lines.append(f"1-minute load average at start and end: {report['load_average']}")
    if "training_s" in report:
        lines.append(
            f"Rasa training from a cold cache: shop {report['training_s']['shop']} s, "
            f"baseline (rasa init) {report['training_s'].get('baseline', '-')} s"
        )
    lines.append(f"startup to healthy: {shop['startup_s']}")
    lines.append(
        f"silent turns (no bot message): shop {shop['sequential']['silent_turns']} "
        f"sequential, {shop['concurrent']['silent_turns']} concurrent"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="sequential rounds of the mix")
    parser.add_argument("--conversations", type=int, default=40, help="concurrent-run total")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--no-training", action="store_true", help="skip timed trainings")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--reuse-baseline",
        action="store_true",
        help=f"train the rasa init bot once and keep it (in {REUSED_BASELINE} by default)",
    )
    parser.add_argument(
        "--baseline-dir",
        type=Path,
        default=None,
        help="where --reuse-baseline keeps the rasa init bot",
    )
    parser.add_argument(
        "--baseline-tracker-store",
        choices=("memory", "sql", "both"),
        default="memory",
        help="how the baseline keeps conversations (the shop: SQLite)",
    )
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=900.0,
        help="seconds Rasa may take to load its model (9 min seen on a loaded 2-core machine)",
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="the shop model to serve (default var/models/shop.tar.gz)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "load_average": [round(os.getloadavg()[0], 1)],
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        if not args.no_training:
            log.info("timing a cold training of the shop model")
            report["training_s"] = {"shop": round(train_shop_model(work / "train"), 1)}
        stores = {
            "memory": ["memory"],
            "sql": ["sql"],
            "both": ["memory", "sql"],
        }[args.baseline_tracker_store]
        bot = (
            None if args.no_baseline else baseline_bot(work, args.reuse_baseline, args.baseline_dir)
        )
        with ExitStack() as stop:
            log.info("starting the shop assistant")
            servers = [start_shop(work, args, stop)]
            if bot is not None:
                for store in stores:
                    log.info("starting the rasa init baseline (tracker store: %s)", store)
                    servers.append(start_baseline(work, args, bot, store, stop))
            log.info("measuring %s", ", ".join(server.name for server in servers))
            results = measure(servers, args)
        report["shop"] = results["shop"]
        shop_p50 = report["shop"]["sequential"]["p50_ms"]
        if "baseline-memory" in results:
            report["baseline"] = base = results["baseline-memory"]
            report["p50_ratio"] = round(shop_p50 / base["sequential"]["p50_ms"], 2)
        if "baseline-sql" in results:
            report["baseline_sql"] = sql = results["baseline-sql"]
            report["p50_ratio_sql"] = round(shop_p50 / sql["sequential"]["p50_ms"], 2)
        if "training_s" in report and bot is not None and bot[1] is not None:
            report["training_s"]["baseline"] = round(bot[1], 1)
        report["load_average"].append(round(os.getloadavg()[0], 1))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"turn_latency-{report['when'].replace(':', '')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(summary(report))
    print(f"\nfull results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
