"""Command line of the knowledge base.

    python -m knowledge build [--force]        index the shop catalog and the FAQ
    python -m knowledge serve [--port PORT]    run the HTTP JSON API
    python -m knowledge search "running shoes under 80" [--limit N] [--json]
    python -m knowledge ask "how long does delivery take?"

Settings come from the environment (see docs/architecture.md), parsed once here.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from knowledge.errors import KnowledgeError
from settings import Settings, SettingsError

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase
    from shop.sql_service import SqlShopService

log = logging.getLogger("knowledge")


def _shop(settings: Settings) -> SqlShopService:
    # Imported here: the shop back end (SQLAlchemy) is only needed by these commands.
    from shop.db import create_engine_from_url
    from shop.sql_service import SqlShopService

    return SqlShopService(
        create_engine_from_url(settings.shop_database_url), currency=settings.currency
    )


def _open(settings: Settings) -> KnowledgeBase:
    from knowledge.base import KnowledgeBase

    shop = _shop(settings)
    # the method, not its value: a reopened index after an import reads the new words
    return KnowledgeBase.open(
        settings, vocabulary=shop.vocabulary, in_stock=shop.in_stock_product_ids
    )


def cmd_build(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.base import build_indexes

    shop = _shop(settings)
    summary = build_indexes(
        settings,
        shop.iter_products(),
        shop.catalog_fingerprint(),
        settings.faq_path,
        force=args.force,
    )
    products, faq = summary.products, summary.faq
    print(
        f"products: {'built' if products.built else 'up to date'}, {products.count} indexed"
        + (f" in {products.seconds:.1f} s" if products.built else "")
    )
    print(
        f"faq: {'built' if faq.built else 'up to date'}, {faq.entries} entries, "
        f"{faq.phrasings} phrasings"
    )
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from aiohttp import web

    from knowledge.server import create_app

    app = create_app(_open(settings))
    web.run_app(
        app,
        host=args.host or settings.knowledge_host,
        port=args.port or settings.knowledge_port,
        print=None,
        access_log=None,
    )
    return 0


def cmd_search(settings: Settings, args: argparse.Namespace) -> int:
    kb = _open(settings)
    results = kb.search(args.query, limit=args.limit)
    if args.json:
        print(json.dumps(asdict(results), indent=2, ensure_ascii=False))
        return 0
    active = {k: v for k, v in asdict(results.filters).items() if v not in (None, False, ())}
    print(f"text: {results.query!r}  filters: {active}  total: {results.total}")
    if results.relaxed:
        print(f"dropped (nothing matched with them): {', '.join(results.relaxed)}")
    if results.no_match:
        print(f"nothing fits; nearest category: {results.nearest_category}")
    for rank, hit in enumerate(results.hits, start=1):
        stock = "in stock" if hit.in_stock else "out of stock"
        print(
            f"{rank:2}. {hit.title} ({hit.brand}) from {hit.price_from_cents / 100:.2f} "
            f"{hit.currency}, {stock}  [{hit.product_id}, {hit.subcategory}]"
        )
    return 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    kb = _open(settings)
    for answer in kb.ask(args.question).answers:
        mark = "*" if answer.confident else " "
        print(f"{mark} {answer.confidence:.2f} [{answer.entry.id}] {answer.entry.question}")
        print(f"       {answer.entry.answer}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="index the catalog and the FAQ")
    build.add_argument("--force", action="store_true", help="rebuild even if up to date")
    build.set_defaults(run=cmd_build)
    serve = commands.add_parser("serve", help="run the HTTP JSON API")
    serve.add_argument("--port", type=int, default=None, help="default: KNOWLEDGE_PORT")
    serve.add_argument("--host", default=None, help="default: KNOWLEDGE_HOST")
    serve.set_defaults(run=cmd_serve)
    search = commands.add_parser("search", help="search products from the command line")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=5)
    search.add_argument("--json", action="store_true", help="print the results as JSON")
    search.set_defaults(run=cmd_search)
    ask = commands.add_parser("ask", help="ask the FAQ a question")
    ask.add_argument("question")
    ask.set_defaults(run=cmd_ask)
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build step at DEBUG
    try:
        return int(args.run(settings, args))
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
