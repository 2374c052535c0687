"""The action server: ``python -m actions``.

Parses ``Settings`` (and the desk's opening hours) once, opens the shop database, the
knowledge base, the handoff queue and the desk's availability, registers them for the
custom actions in ``actions.dialogue`` and serves the rasa-sdk endpoint (``/webhook``,
``/actions``, ``/health``) on ACTION_HOST:ACTION_PORT.
"""

from __future__ import annotations

import logging
import sys

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor

from actions.dialogue import services
from handoff import HandoffQueue
from handoff.availability import DeskAvailability
from handoff.hours import OpeningHours
from knowledge.base import KnowledgeBase
from knowledge.errors import KnowledgeError
from settings import Settings, SettingsError
from shop.db import create_engine_from_url
from shop.sql_service import SqlShopService
from shop.verification import VerificationLimiter

logger = logging.getLogger("actions")

ACTIONS_PACKAGE = "actions.dialogue"


def open_services(settings: Settings, hours: OpeningHours) -> services.Services:
    engine = create_engine_from_url(settings.shop_database_url)
    shop = SqlShopService(engine, currency=settings.currency)
    knowledge = KnowledgeBase.open(
        settings, vocabulary=shop.vocabulary, in_stock=shop.in_stock_product_ids
    )
    knowledge.warm_up()  # the first shopper should not wait for the model to load
    return services.Services(
        settings=settings,
        shop=shop,
        knowledge=knowledge,
        handoff=HandoffQueue(engine),
        verification=VerificationLimiter(engine),
        desk=DeskAvailability(engine, hours),
    )


def main() -> int:
    try:
        settings = Settings.from_env()
        hours = OpeningHours.parse(settings.desk_hours, settings.desk_timezone)
    except (SettingsError, ValueError) as error:  # ValueError: DESK_HOURS, DESK_TIMEZONE
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not settings.customer_token_secret:
        logger.warning("CUSTOMER_TOKEN_SECRET is not set: no shopper counts as logged in.")
    try:
        services.register(open_services(settings, hours))
    except KnowledgeError as error:
        print(f"Cannot open the knowledge base: {error}", file=sys.stderr)
        return 1
    executor = ActionExecutor()
    executor.register_package(ACTIONS_PACKAGE)
    app = create_app(executor)
    logger.info("Action server on http://%s:%s", settings.action_host, settings.action_port)
    # one process: the services registered above live in this process
    app.run(
        host=settings.action_host,
        port=settings.action_port,
        single_process=True,
        access_log=False,
        motd=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
