"""`python -m shop seed --refresh` (what scripts/setup.sh runs): a demo shop seeded before
today is seeded again, relative to today; a fresh one and a changed catalog are left alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from shop.db import OrderRow, VariantRow, create_engine_from_url
from shop.demo.freshness import seeding_record
from shop.demo.seed import default_anchor, seed_demo_shop

ROOT = Path(__file__).resolve().parents[2]
SEED, PRODUCTS = 7, 40
_SIZE = ("--seed", str(SEED), "--products", str(PRODUCTS))


def _refresh(var: Path) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SHOP_", "ASSISTANT_"))},
        "ASSISTANT_VAR_DIR": str(var),
        "SHOP_DATABASE_URL": f"sqlite:///{var / 'shop.db'}",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "shop",
            "seed",
            "--refresh",
            *("--seed", str(SEED)),
            "--products",
            str(PRODUCTS),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _seeded(var: Path, days_ago: int) -> Engine:
    engine = create_engine_from_url(f"sqlite:///{var / 'shop.db'}")
    anchor = default_anchor() - timedelta(days=days_ago)
    seed_demo_shop(engine, seed=SEED, products=PRODUCTS, anchor=anchor)
    return engine


def _latest_delivery(engine: Engine) -> datetime:
    with Session(engine) as session:
        latest = session.scalar(select(func.max(OrderRow.delivered_at)))
    assert latest is not None
    return latest


def test_a_demo_shop_seeded_weeks_ago_is_seeded_again_relative_to_today(tmp_path: Path) -> None:
    engine = _seeded(tmp_path, days_ago=40)
    before = _latest_delivery(engine)
    output = _refresh(tmp_path)
    assert "Seeded demo shop" in output
    record = seeding_record(engine)
    assert record is not None and record.anchor == default_anchor()
    # same seed, anchored 40 days later: every date moved forward by exactly 40 days
    assert _latest_delivery(engine) - before == timedelta(days=40)
    engine.dispose()


def test_a_demo_shop_seeded_today_is_left_alone(tmp_path: Path) -> None:
    engine = _seeded(tmp_path, days_ago=0)
    with Session(engine) as session, session.begin():
        number = session.scalar(select(func.min(OrderRow.number)))
        session.execute(update(OrderRow).where(OrderRow.number == number).values(email="x@y.z"))
    output = _refresh(tmp_path)
    assert output.strip() == "The demo shop is not seeded again: seeded today."
    with Session(engine) as session:
        assert session.scalar(select(OrderRow.email).where(OrderRow.number == number)) == "x@y.z"
    engine.dispose()


def test_a_stale_shop_whose_catalog_changed_is_never_wiped(tmp_path: Path) -> None:
    engine = _seeded(tmp_path, days_ago=40)
    with Session(engine) as session, session.begin():  # as an import would
        session.execute(update(VariantRow).values(price_cents=VariantRow.price_cents + 100))
    output = _refresh(tmp_path)
    assert output.strip().startswith("The demo shop is not seeded again: not a demo shop")
    record = seeding_record(engine)
    assert record is not None and record.anchor == default_anchor() - timedelta(days=40)
    engine.dispose()
