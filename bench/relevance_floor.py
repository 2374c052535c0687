"""Calibrate the relevance floor: when does nothing in the catalog fit the shopper's words?

    PYTHONPATH=. .venv/bin/python -m bench.relevance_floor [--workdir DIR]

For queries the demo shop answers (the judged queries of ``bench/search_judged.py``) and
queries for things it does not sell (``NOT_SOLD_*``), after the query parser, takes each
query's evidence: the best cosine similarity of any product, and the best lexical coverage
(share of the query's IDF mass one product holds). The floor says "no match" when both are
below their thresholds. Thresholds are picked on the tuning halves: the fewest sold queries
refused first (a shopper who gets "we don't have that" for something we sell is the worse
mistake), then the most unsold ones caught. The held-out halves are then only measured.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.demo_index import DemoSearch, open_demo_search
from bench.search_judged import HELD_OUT, NOT_SOLD_HELD_OUT, NOT_SOLD_TUNING, TUNING

Evidence = tuple[float, float]  # (best similarity, best coverage)


def evidence(demo: DemoSearch, queries: Sequence[str]) -> list[Evidence]:
    found = []
    for query in queries:
        text = demo.parser.parse(query).text
        found.append(demo.search.relevance_evidence(text))
    return found


def refused(points: list[Evidence], similarity: float, coverage: float) -> int:
    return sum(s < similarity and c < coverage for s, c in points)


def calibrate(sold: list[Evidence], unsold: list[Evidence]) -> tuple[float, float]:
    """Thresholds that refuse the fewest sold queries, then catch the most unsold ones,
    then are the lowest (the least eager to say "we don't sell that")."""
    candidates = [
        (float(similarity), float(coverage))
        for similarity in np.arange(0.20, 0.71, 0.01)
        for coverage in np.arange(0.05, 1.001, 0.05)
    ]
    similarity, coverage = max(
        candidates,
        key=lambda t: (-refused(sold, *t), refused(unsold, *t), -t[0], -t[1]),
    )
    return round(similarity, 2), round(coverage, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep the index here")
    parser.add_argument("--show", action="store_true", help="print each query's evidence")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    demo = open_demo_search(args.workdir or Path(tempfile.mkdtemp(prefix="floor-")))
    halves = {
        "tuning": ([j.query for j in TUNING], list(NOT_SOLD_TUNING)),
        "held_out": ([j.query for j in HELD_OUT], list(NOT_SOLD_HELD_OUT)),
    }
    points = {name: (evidence(demo, s), evidence(demo, u)) for name, (s, u) in halves.items()}
    if args.show:
        for name, (sold, unsold) in halves.items():
            for label, queries, found in (
                ("sold", sold, points[name][0]),
                ("NOT sold", unsold, points[name][1]),
            ):
                for query, (sim, cov) in zip(queries, found, strict=True):
                    offer = demo.assistant(query).nearest_category if label != "sold" else ""
                    print(f"{name:9} {label:9} sim={sim:.3f} cov={cov:.2f}  {query}  {offer or ''}")
    similarity, coverage = calibrate(*points["tuning"])
    print(f"\nfloor: similarity < {similarity:.2f} and coverage < {coverage:.2f}")
    current = (demo.search.floor_similarity, demo.search.floor_coverage)
    for label, (sim, cov) in (("calibrated", (similarity, coverage)), ("in code", current)):
        for name, (sold_points, unsold_points) in points.items():
            print(
                f"{label:10} {name:9}: sold refused "
                f"{refused(sold_points, sim, cov)}/{len(sold_points)}, "
                f"not-sold caught {refused(unsold_points, sim, cov)}/{len(unsold_points)}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
