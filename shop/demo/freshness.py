"""When the demo shop was seeded, so that a stale demo shop is seeded again.

Demo dates are relative to the seeding day ("delivered 12 days ago", "shipped yesterday").
A demo shop seeded weeks ago has aged: recent deliveries are past the return window, open
orders look forgotten, and tests that need "a recently delivered order" find none. So the
seeding day is stored in the shop database (table ``demo_seed``, one row), with the catalog
fingerprint at that time, and ``python -m shop seed --refresh`` (run by scripts/setup.sh)
seeds again when the demo was seeded before today (UTC) — but only if the catalog is still
the demo's: a shop whose catalog changed since (an import) is never wiped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    inspect,
    select,
)

from shop.db import UtcDateTime

_metadata = MetaData()
DEMO_SEED = Table(
    "demo_seed",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("anchor", UtcDateTime(), nullable=False),
    Column("seed", Integer, nullable=False),
    Column("products", Integer, nullable=False),
    Column("catalog_fingerprint", String(64), nullable=False),
)


@dataclass(frozen=True)
class DemoSeed:
    """How and when the demo shop in a database was seeded."""

    anchor: datetime
    seed: int
    products: int
    catalog_fingerprint: str


class Freshness(Enum):
    FRESH = "seeded today"
    STALE = "seeded before today"
    NOT_DEMO = "not a demo shop as seeded (no seeding record, or the catalog changed since)"


def record_seed(engine: Engine, record: DemoSeed) -> None:
    """Store the seeding record (replacing an older one)."""
    _metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(delete(DEMO_SEED))
        conn.execute(
            insert(DEMO_SEED).values(
                id=1,
                anchor=record.anchor,
                seed=record.seed,
                products=record.products,
                catalog_fingerprint=record.catalog_fingerprint,
            )
        )


def seeding_record(engine: Engine) -> DemoSeed | None:
    """The stored seeding record, or None (never seeded as a demo, or an older version)."""
    if not inspect(engine).has_table(DEMO_SEED.name):
        return None
    with engine.connect() as conn:
        row = conn.execute(select(DEMO_SEED)).first()
    if row is None:
        return None
    return DemoSeed(row.anchor, row.seed, row.products, row.catalog_fingerprint)


def freshness(record: DemoSeed | None, catalog_fingerprint: str, today: date) -> Freshness:
    """Whether the demo shop should be seeded again today."""
    if record is None or record.catalog_fingerprint != catalog_fingerprint:
        return Freshness.NOT_DEMO
    if record.anchor.date() < today:
        return Freshness.STALE
    return Freshness.FRESH
