"""Command line of the shop back end.

    python -m shop seed [--products N] [--seed S] [--force | --refresh]
    python -m shop import FILE --format shopify|csv|json [--replace] [--strict] [--location CODE]
    python -m shop vocabulary      # the catalog vocabulary as JSON on stdout
    python -m shop fingerprint     # the catalog fingerprint on stdout

The database is ``SHOP_DATABASE_URL`` (default ``sqlite:///var/shop.db``). Exit codes: 0
success, 1 the command failed, 2 bad arguments or settings.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import shutil
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from settings import Settings, SettingsError
from shop.db import (
    ProductRow,
    count_rows,
    create_engine_from_url,
    drop_schema,
    has_schema,
    outdated_tables,
)
from shop.demo.freshness import Freshness, freshness, seeding_record
from shop.demo.seed import seed_demo_shop
from shop.importers.common import ImportAborted, ImportFailed
from shop.importers.run import IMPORT_FORMATS, import_catalog
from shop.sql_service import SqlShopService

logger = logging.getLogger("shop")


class CommandFailed(Exception):
    """A command could not do its job; the message says what to do next."""


def _parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shop", description="Shop back end: demo data, catalog import."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed", help="create the schema and seed an empty shop")
    seed.add_argument(
        "--products",
        type=int,
        default=settings.demo_products,
        help=f"number of demo products (default {settings.demo_products})",
    )
    seed.add_argument(
        "--seed",
        type=int,
        default=settings.demo_seed,
        help=f"random seed (default {settings.demo_seed})",
    )
    seed.add_argument(
        "--force",
        action="store_true",
        help="wipe the shop database (every table) and seed it again",
    )
    seed.add_argument(
        "--refresh",
        action="store_true",
        help="seed the demo shop again if it was seeded before today (UTC); a shop whose "
        "catalog changed since it was seeded (an import) is never wiped",
    )
    imp = commands.add_parser("import", help="import a merchant catalog file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--format", required=True, choices=IMPORT_FORMATS, dest="fmt")
    imp.add_argument(
        "--strict", action="store_true", help="abort (write nothing) if any row is rejected"
    )
    imp.add_argument(
        "--replace",
        action="store_true",
        help="the file becomes the whole catalog: every other product (the demo's too) is "
        "removed with its stock and cart lines; orders are kept as history",
    )
    imp.add_argument(
        "--location",
        default="WH-PARIS",
        help="location receiving single stock quantities (default WH-PARIS)",
    )
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    commands.add_parser("vocabulary", help="print the catalog vocabulary as JSON")
    commands.add_parser("fingerprint", help="print the catalog fingerprint")
    return parser


def _require_catalog(engine: Engine) -> None:
    if not has_schema(engine):
        raise CommandFailed(
            "The shop database has no tables yet. Run `python -m shop seed` "
            "(demo data) or `python -m shop import FILE --format ...` first."
        )


def _require_current_schema(engine: Engine) -> None:
    outdated = outdated_tables(engine)
    if outdated:
        raise CommandFailed(
            "The shop database was made by an older version of the shop (missing "
            f"{'; '.join(outdated)}). Re-create it: `python -m shop seed --force` for the demo "
            "shop, then import your catalog again with `python -m shop import FILE --format "
            "... --replace`."
        )


def _keep_aside(engine: Engine) -> Path:
    """Copy an SQLite shop file before it is replaced; refuse for other databases."""
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        raise CommandFailed(
            "The shop database has an older schema and may hold a merchant's catalog, so it "
            "is not wiped. Back it up, then run `python -m shop seed --force` and import "
            "the catalog again."
        )
    source = Path(database)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = source.with_name(f"{source.name}.{stamp}.bak")
    engine.dispose()
    shutil.copy2(source, target)
    return target


def _seed(engine: Engine, args: argparse.Namespace, settings: Settings) -> None:
    if args.products < 1:
        raise CommandFailed(f"--products must be at least 1, got {args.products}.")
    outdated = outdated_tables(engine) if has_schema(engine) else []
    if outdated and not args.force:
        # no migrations: an older schema cannot serve the assistant, so seed it again; a
        # shop that may hold a merchant's catalog (no demo seeding record) is kept aside first
        logger.warning("older shop schema (missing %s): seeding again", "; ".join(outdated))
        if seeding_record(engine) is None and count_rows(engine, ProductRow):
            kept = _keep_aside(engine)
            print(f"The shop database had an older schema; it was kept as {kept}.")
        args.force = True
    if args.refresh and not args.force and has_schema(engine) and count_rows(engine, ProductRow):
        state = freshness(
            seeding_record(engine),
            SqlShopService(engine, currency=settings.currency).catalog_fingerprint(),
            datetime.now(UTC).date(),
        )
        if state is not Freshness.STALE:
            print(f"The demo shop is not seeded again: {state.value}.")
            return
        logger.warning("the demo shop was seeded before today: seeding it again")
        args.force = True
    if has_schema(engine) and not args.force:
        existing = count_rows(engine, ProductRow)
        if existing:
            print(
                f"The shop database already has {existing} products; nothing seeded "
                "(use --force to wipe it and seed again)."
            )
            return
    if args.force:
        logger.warning("--force: dropping every shop table")
        drop_schema(engine)
    started = time.perf_counter()
    summary = seed_demo_shop(
        engine, seed=args.seed, products=args.products, currency=settings.currency
    )
    statuses = ", ".join(f"{k} {v}" for k, v in summary.orders_by_status.items())
    print(
        f"Seeded demo shop (seed {summary.seed}, anchor {summary.anchor:%Y-%m-%d}) in "
        f"{time.perf_counter() - started:.1f} s: {summary.products} products, "
        f"{summary.variants} variants, {summary.customers} customers, "
        f"{summary.orders} orders ({statuses})."
    )


def _import(engine: Engine, args: argparse.Namespace) -> None:
    if has_schema(engine):
        _require_current_schema(engine)
    report = import_catalog(
        engine,
        args.file,
        args.fmt,
        strict=args.strict,
        replace=args.replace,
        location=args.location,
        progress=not args.quiet,
    )
    print(report.summary())


def run(argv: Sequence[str] | None = None) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    args = _parser(settings).parse_args(argv)
    engine = create_engine_from_url(settings.shop_database_url)
    try:
        if args.command == "seed":
            _seed(engine, args, settings)
        elif args.command == "import":
            _import(engine, args)
        elif args.command == "vocabulary":
            _require_catalog(engine)
            _require_current_schema(engine)
            vocabulary = SqlShopService(engine, currency=settings.currency).vocabulary()
            print(json.dumps(dataclasses.asdict(vocabulary), indent=2, ensure_ascii=False))
        elif args.command == "fingerprint":
            _require_catalog(engine)
            _require_current_schema(engine)
            print(SqlShopService(engine, currency=settings.currency).catalog_fingerprint())
    except (CommandFailed, ImportFailed, ImportAborted) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"error: shop database {engine.url!r}: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(run())
