"""Search quality on judged queries: nDCG@10 with bootstrap intervals, paired against BM25.

    PYTHONPATH=. .venv/bin/python -m bench.search_quality [--workdir DIR] [--set held_out]

Builds (or reuses, in ``--workdir``) the real index of the demo catalog and measures, on
the judged queries of ``bench/search_judged.py`` (written by hand for the demo shop, NOT a
public data set), nDCG@10 of:

- assistant: the query parser, then hybrid search (what the shopper gets);
- bm25: the project's BM25 alone on the raw query (the baseline to never lose to);
- parser+rrf, parser+bm25, parser+vector: fusion variants on the same parsed query.

``--titles-only`` indexes the titles alone (judged with the full products): the regime of
a catalog that has nothing but titles, where BM25 is strongest.

Each figure has a 95% bootstrap interval over queries, and each variant's difference to
BM25 alone a paired bootstrap interval (same resampled queries for both).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.demo_index import DemoSearch, open_demo_search
from bench.search_judged import HELD_OUT, TUNING, Judged
from knowledge.api import SearchResults

K = 10
RESAMPLES = 5000


def ndcg_at_k(results: SearchResults, judged: Judged, grades: dict[str, int], k: int = K) -> float:
    """Normalised discounted cumulative gain of the first ``k`` hits (gain 2^grade - 1)."""
    gains = [2 ** grades.get(hit.product_id, 0) - 1 for hit in results.hits[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((2**g - 1 for g in grades.values() if g > 0), reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best > 0 else 0.0


def bootstrap_mean(values: np.ndarray, rng: np.random.Generator) -> tuple[float, float, float]:
    picks = rng.integers(0, len(values), size=(RESAMPLES, len(values)))
    means = values[picks].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(values.mean()), float(low), float(high)


def paired_difference(
    a: np.ndarray, b: np.ndarray, rng: np.random.Generator
) -> tuple[float, float, float, float]:
    """Mean of a - b, its 95% interval and the share of resamples where a <= b."""
    diff = a - b
    picks = rng.integers(0, len(diff), size=(RESAMPLES, len(diff)))
    means = diff[picks].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(diff.mean()), float(low), float(high), float((means <= 0).mean())


def score_runs(
    demo: DemoSearch, queries: Sequence[Judged], runs: dict[str, Callable[[str], SearchResults]]
) -> dict[str, np.ndarray]:
    scores: dict[str, list[float]] = {name: [] for name in runs}
    for judged in queries:
        grades = {p.id: judged.grade(p) for p in demo.products}
        for name, run in runs.items():
            scores[name].append(ndcg_at_k(run(judged.query), judged, grades))
    return {name: np.asarray(values) for name, values in scores.items()}


def runs_of(demo: DemoSearch) -> dict[str, Callable[[str], SearchResults]]:
    return {
        "assistant": lambda q: demo.assistant(q),
        "bm25": lambda q: demo.bm25(q),
        "parser+rrf": lambda q: demo.assistant(q, mode="rrf"),
        "parser+bm25": lambda q: demo.assistant(q, mode="lexical"),
        "parser+vector": lambda q: demo.assistant(q, mode="vector"),
    }


def report(name: str, scores: dict[str, np.ndarray], seed: int = 7) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    print(f"\n{name}: {len(scores['bm25'])} queries, nDCG@{K} (95% bootstrap interval)")
    print(f"{'run':>14} {'nDCG@10':>8} {'interval':>17} {'vs bm25':>8} {'paired interval':>19}")
    rows: dict[str, object] = {}
    for run, values in scores.items():
        mean, low, high = bootstrap_mean(values, rng)
        row: dict[str, object] = {"ndcg": mean, "ci": [low, high]}
        line = f"{run:>14} {mean:>8.3f} [{low:.3f}, {high:.3f}]"
        if run != "bm25":
            diff, dlow, dhigh, p_not_better = paired_difference(values, scores["bm25"], rng)
            row |= {"vs_bm25": diff, "vs_bm25_ci": [dlow, dhigh], "p_not_better": p_not_better}
            line += f" {diff:>+8.3f} [{dlow:+.3f}, {dhigh:+.3f}]"
        rows[run] = row
        print(line)
    print("assistant against each fusion variant (paired):")
    for run, values in scores.items():
        if run in ("assistant", "bm25"):
            continue
        diff, dlow, dhigh, _ = paired_difference(scores["assistant"], values, rng)
        rows[f"assistant-vs-{run}"] = {"diff": diff, "ci": [dlow, dhigh]}
        print(f"{'- ' + run:>14} {diff:>+8.3f} [{dlow:+.3f}, {dhigh:+.3f}]")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep the index here")
    parser.add_argument("--set", choices=("tuning", "held_out", "both"), default="both")
    parser.add_argument("--show", action="store_true", help="print per-query figures")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument(
        "--titles-only",
        action="store_true",
        help="index the titles alone (no description, category, colours): BM25's best case",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="search-quality-"))
    demo = open_demo_search(workdir, titles_only=args.titles_only)
    sets = {"tuning": TUNING, "held_out": HELD_OUT}
    chosen = sets if args.set == "both" else {args.set: sets[args.set]}
    figures: dict[str, object] = {}
    for name, queries in chosen.items():
        scores = score_runs(demo, queries, runs_of(demo))
        if args.show:
            for i, judged in enumerate(queries):
                cells = " ".join(f"{run}={values[i]:.2f}" for run, values in scores.items())
                print(f"  {judged.query!r:45} {cells}")
        figures[name] = report(name, scores)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
