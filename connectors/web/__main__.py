"""Command line of the web service.

    python -m connectors.web serve        the storefront, widget assets, chat API, agent desk
    python -m connectors.web set-customer-password --email X   (password on stdin)
    python -m connectors.web demo-shopper  (password on stdin; prints the demo e-mail)
    python -m connectors.web create-agent --email E --name N   (password on stdin or typed)
    python -m connectors.web list-agents | disable-agent --email E [--enable]

Settings come from the environment (scripts/env.sh), parsed once here; RASA_TOKEN and
CUSTOMER_TOKEN_SECRET arrive in the environment from the supervisor, never as arguments.
"""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from connectors.web.app import create_app
from connectors.web.context import WebContext, templates
from connectors.web.desk_cli import add_commands as add_desk_commands
from connectors.web.rasa_api import RasaApi
from connectors.web.shopper_cli import add_commands as add_shopper_commands
from handoff.queue import HandoffQueue
from settings import Settings, SettingsError
from shop.db import create_engine_from_url
from shop.sql_service import SqlShopService

log = logging.getLogger("connectors.web")


def build_context(settings: Settings) -> WebContext:
    engine = create_engine_from_url(settings.shop_database_url)
    return WebContext(
        settings=settings,
        engine=engine,
        shop=SqlShopService(engine, currency=settings.currency),
        handoff=HandoffQueue(engine),
        rasa=RasaApi(settings.rasa_url, settings.rasa_token),
        templates=templates(),
    )


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    web.run_app(
        create_app(build_context(settings)),
        host=settings.web_host,
        port=args.port or settings.web_port,
        print=None,
        access_log=None,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connectors.web", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web service")
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(run=cmd_serve)
    add_shopper_commands(sub)
    add_desk_commands(sub)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"connectors.web: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    code: int = args.run(settings, args)
    return code


if __name__ == "__main__":
    sys.exit(main())
