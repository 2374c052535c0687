"""A real small shop (seeded SQLite) and a real knowledge index (Chroma) for action tests.

Built once per session in a temporary folder; the actions get them through
``actions.dialogue.services``, as they do in the action server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.dialogue import services
from handoff import HandoffQueue
from handoff.availability import DeskAvailability
from handoff.hours import OpeningHours
from knowledge.base import KnowledgeBase, build_indexes
from settings import PROJECT_ROOT, Settings
from shop.db import create_engine_from_url
from shop.demo.seed import seed_demo_shop
from shop.sql_service import SqlShopService
from shop.verification import VerificationLimiter
from tests.actions.trackers import SECRET

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# the state scripts/setup.sh built: var/, or ASSISTANT_VAR_DIR when it is set elsewhere
SETUP_VAR = Path(os.environ.get("ASSISTANT_VAR_DIR") or PROJECT_ROOT / "var")


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[services.Services]:
    var: Path = tmp_path_factory.mktemp("var")
    settings = Settings.from_env(
        {
            "ASSISTANT_VAR_DIR": str(var),
            "CUSTOMER_TOKEN_SECRET": SECRET,
            # the FAQ's own encoder, as set-up tuned it (what shoppers get)
            "FAQ_ENCODER": str(SETUP_VAR / "models" / "faq-encoder"),
        }
    )
    engine = create_engine_from_url(settings.shop_database_url)
    seed_demo_shop(engine, seed=7, products=200)
    shop = SqlShopService(engine, currency=settings.currency)
    build_indexes(settings, shop.iter_products(), shop.catalog_fingerprint(), settings.faq_path)
    knowledge = KnowledgeBase.open(
        settings, vocabulary=shop.vocabulary(), in_stock=shop.in_stock_product_ids
    )
    world = services.Services(
        settings=settings,
        shop=shop,
        knowledge=knowledge,
        handoff=HandoffQueue(engine),
        verification=VerificationLimiter(engine),
        desk=DeskAvailability(engine, OpeningHours.parse("always", "UTC")),  # nobody online
    )
    services.register(world)
    yield world
    engine.dispose()


@pytest.fixture
def shop(world: services.Services) -> Any:
    services.register(world)
    return world.shop
