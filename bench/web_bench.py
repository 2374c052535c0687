"""The web widget's figures: script size, page load to widget ready, and the message round
trip over Rasa's socket.io channel side by side with the REST channel.

    source scripts/env.sh && .venv/bin/python -m bench.web_bench [--loads 20] [--rounds 2]

Starts the real stack (actions, Rasa, web service) over a copy of var/ on free ports, as
the integration tests do, then:

- **size**: widget.js + widget.css, gzip -9, against the 50 KB target;
- **page load**: a product page of the demo storefront in headless Chromium (Debian's),
  a fresh browser context each time: navigation start to ``load``, and to the widget's
  ``shopchat:ready`` event (connected, session confirmed, history shown);
- **round trip**: the shop conversation mix of bench/turn_latency.py, one shopper at a time
  and 50 at once, over socket.io (python-socketio's client, as Rasa web-chat clients speak
  it: ``session_request``, ``user_uttered``, ``bot_uttered``) and over the REST channel, in
  the same run. A socket.io turn ends when as many bot messages arrived as the REST channel
  returned for the same turn in a calibration pass (Rasa emits a turn's messages one by one).

Prints a table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import logging
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import socketio

from bench.drive import Script
from bench.turn_latency import shop_scripts
from scripts.browser import CHROMIUM, CHROMIUM_ARGS
from scripts.stackctl import ROOT, LocalStack

log = logging.getLogger("bench.web_bench")

RESULTS = ROOT / "bench" / "results"
WIDGET = ROOT / "connectors" / "widget"
TARGET_GZIP_BYTES = 50 * 1024
TURN_TIMEOUT = 120.0


class BenchError(RuntimeError):
    """A turn failed or timed out: the figures would be meaningless."""


def widget_size() -> dict[str, int]:
    files = [WIDGET / "widget.js", WIDGET / "widget.css"]
    raw = sum(len(f.read_bytes()) for f in files)
    packed = sum(len(gzip.compress(f.read_bytes(), compresslevel=9)) for f in files)
    return {"raw_bytes": raw, "gzip_bytes": packed, "target_gzip_bytes": TARGET_GZIP_BYTES}


def stats(seconds: Sequence[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    if len(ordered) < 2:
        raise BenchError("too few samples for percentiles")
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "count": len(ordered),
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * q[94], 1),
        "max_ms": round(1000 * ordered[-1], 1),
    }


# --- round trips ------------------------------------------------------------------------


async def rest_conversation(
    http: aiohttp.ClientSession, url: str, script: Script
) -> list[tuple[float, int]]:
    """(seconds, bot events socket.io sends for it) per turn of one conversation over REST."""
    sender = f"bench-rest-{uuid.uuid4().hex[:10]}"
    turns = []
    for text in script:
        started = time.perf_counter()
        async with http.post(url, json={"sender": sender, "message": text}) as resp:
            body = await resp.json(content_type=None)
        elapsed = time.perf_counter() - started
        if resp.status != 200 or not isinstance(body, list):
            raise BenchError(f"REST {text!r}: HTTP {resp.status}: {body!r:.200}")
        # the socket.io channel sends a card with its text as one event; Rasa's REST
        # collector returns the card as a message of its own: count what socket.io sends
        turns.append((elapsed, sum(1 for m in body if set(m) - {"recipient_id", "custom"})))
    return turns


async def socket_conversation(server: str, script: Script, expected: Sequence[int]) -> list[float]:
    """Seconds per turn of one conversation over socket.io (until ``expected[i]`` messages)."""
    client = socketio.AsyncClient(reconnection=False)
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    confirmed = asyncio.Event()
    session_id = f"bench-sio-{uuid.uuid4().hex[:10]}"

    @client.on("session_confirm")
    async def on_confirm(data: Any) -> None:
        confirmed.set()

    @client.on("bot_uttered")
    async def on_bot(data: Any) -> None:
        await inbox.put(data if isinstance(data, dict) else {"raw": data})

    await client.connect(server, transports=["websocket"], socketio_path="/socket.io")
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), TURN_TIMEOUT)
        turns = []
        for text, count in zip(script, expected, strict=True):
            started = time.perf_counter()
            await client.emit(
                "user_uttered",
                {
                    "message": text,
                    "session_id": session_id,
                    "metadata": {"message_id": uuid.uuid4().hex},
                },
            )
            for _ in range(count):
                await asyncio.wait_for(inbox.get(), TURN_TIMEOUT)
            turns.append(time.perf_counter() - started)
        return turns
    finally:
        await client.disconnect()


async def round_trips(
    stack: LocalStack, scripts: dict[str, Script], rounds: int, concurrency: int
) -> dict[str, Any]:
    rest_url = stack.cfg.rest_webhook_url
    server = stack.cfg.rasa_url
    timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        # calibration (and warm-up): how many bot messages each turn gets
        expected = {
            name: [count for _, count in await rest_conversation(http, rest_url, script)]
            for name, script in scripts.items()
        }
        for name, script in scripts.items():  # socket.io warm-up
            await socket_conversation(server, script, expected[name])

        names = list(scripts)
        result: dict[str, Any] = {}
        # one shopper at a time, the two channels interleaved round by round
        rest_one: list[float] = []
        sio_one: list[float] = []
        for _ in range(rounds):
            for name in names:
                rest_one += [s for s, _ in await rest_conversation(http, rest_url, scripts[name])]
                sio_one += await socket_conversation(server, scripts[name], expected[name])
        result["1_shopper"] = {"rest": stats(rest_one), "socketio": stats(sio_one)}

        # `concurrency` shoppers at once, each one conversation of the mix
        jobs = [names[i % len(names)] for i in range(concurrency)]
        started = time.perf_counter()
        rest_runs = await asyncio.gather(
            *(rest_conversation(http, rest_url, scripts[n]) for n in jobs)
        )
        rest_wall = time.perf_counter() - started
        started = time.perf_counter()
        sio_runs = await asyncio.gather(
            *(socket_conversation(server, scripts[n], expected[n]) for n in jobs)
        )
        sio_wall = time.perf_counter() - started
        result[f"{concurrency}_shoppers"] = {
            "rest": {**stats([s for run in rest_runs for s, _ in run]), "wall_s": rest_wall},
            "socketio": {**stats([s for run in sio_runs for s in run]), "wall_s": sio_wall},
        }
        return result


# --- page load --------------------------------------------------------------------------

READY_PROBE = """
window.__shopchatReady = null;
window.addEventListener('shopchat:ready', () => {
  if (window.__shopchatReady === null) window.__shopchatReady = performance.now();
});
"""


def page_loads(stack: LocalStack, loads: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sqlite3.connect(stack.cfg.var_dir / "shop.db") as db:
        (handle,) = db.execute("SELECT handle FROM products ORDER BY id LIMIT 1").fetchone()
    url = f"{stack.cfg.web_url}/products/{handle}"
    load_s: list[float] = []
    ready_s: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            for i in range(loads + 1):
                # the probe reads a page variable; the pages forbid eval (CSP) for their own code
                context = browser.new_context(bypass_csp=True)
                page = context.new_page()
                page.add_init_script(READY_PROBE)
                page.goto(url, wait_until="load")
                page.wait_for_function("window.__shopchatReady !== null", timeout=60_000)
                timing = page.evaluate(
                    "() => { const n = performance.getEntriesByType('navigation')[0];"
                    " return [n.loadEventEnd, window.__shopchatReady]; }"
                )
                context.close()
                if i == 0:
                    continue  # warm-up: the first load compiles and caches
                load_s.append(timing[0] / 1000)
                ready_s.append(timing[1] / 1000)
        finally:
            browser.close()
    return {"url_path": f"/products/{handle}", "load": stats(load_s), "ready": stats(ready_s)}


# --- report -----------------------------------------------------------------------------


def summary(report: dict[str, Any], concurrency: int) -> str:
    size = report["size"]
    lines = [
        f"widget.js + widget.css: {size['gzip_bytes'] / 1024:.1f} KB gzip "
        f"({size['raw_bytes'] / 1024:.1f} KB raw); target < {TARGET_GZIP_BYTES // 1024} KB",
    ]
    if "page" in report:
        page = report["page"]
        lines.append(
            f"product page, {page['load']['count']} loads: load p50 {page['load']['p50_ms']} ms "
            f"p95 {page['load']['p95_ms']} ms; widget ready p50 {page['ready']['p50_ms']} ms "
            f"p95 {page['ready']['p95_ms']} ms (from navigation start)"
        )
    lines.append(f"{'round trip':<22}{'REST p50':>10}{'p95':>9}{'socket.io p50':>15}{'p95':>9}")
    for key in ("1_shopper", f"{concurrency}_shoppers"):
        row = report["round_trip"][key]
        lines.append(
            f"{key:<22}{row['rest']['p50_ms']:>10}{row['rest']['p95_ms']:>9}"
            f"{row['socketio']['p50_ms']:>15}{row['socketio']['p95_ms']:>9}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=20, help="page loads in Chromium")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the mix, 1 shopper")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--no-browser", action="store_true", help="skip the page loads")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "load_average": round(os.getloadavg()[0], 1)},
        "settings": vars(args),
        "size": widget_size(),
    }
    with tempfile.TemporaryDirectory(prefix="web-bench-") as tmp:
        stack = LocalStack.create(Path(tmp))
        try:
            startup = stack.start("actions")
            startup.update(stack.start("rasa", "web"))
            log.info("stack up: %s", startup)
            if not args.no_browser:
                report["page"] = page_loads(stack, args.loads)
            scripts = shop_scripts(stack.cfg.var_dir / "shop.db")
            report["round_trip"] = asyncio.run(
                round_trips(stack, scripts, args.rounds, args.concurrency)
            )
        finally:
            stack.stop()
    report["machine"]["load_average_after"] = round(os.getloadavg()[0], 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"web-{report['when'].replace(':', '')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(summary(report, args.concurrency))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
