"""Command line of the voice gateway.

    python -m voice serve [--host H] [--port P]   the browser WebSocket and voice page (/voice/),
                                                  the HTTP API (/v1/...) and the phone line

Settings come from the environment (scripts/env.sh), parsed once here: VoiceSettings for the
gateway and the project's Settings for the shop database (the catalog's words for the ear).
The speech services run as their own processes (python -m voice.stt_service / tts_service).
"""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from settings import Settings, SettingsError
from voice.app import make_app
from voice.settings import VoiceSettings


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        settings = VoiceSettings.from_env()
        shop = Settings.from_env()
    except SettingsError as exc:
        print(f"python -m voice: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=shop.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    host = args.host or settings.host
    port = args.port or settings.port
    logging.getLogger("voice").info("voice gateway on http://%s:%d/voice/", host, port)
    web.run_app(
        make_app(settings, shop_database_url=shop.shop_database_url),
        host=host,
        port=port,
        print=None,
        access_log=None,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voice", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the voice gateway")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(run=cmd_serve)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
