"""A broken shop database is a shop error: the shopper hears it is down, nothing crashes.

The adapters (actions/dialogue) catch only the shop's and the knowledge base's errors; the
shop turns every database failure into ``ShopUnavailable`` at its boundary.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import services
from actions.dialogue.base import SHOP_DOWN
from actions.dialogue.handoff import ActionRequestHandoff
from actions.dialogue.orders import ValidateOrderRequestForm
from handoff import HandoffQueue
from settings import PROJECT_ROOT
from shop.api import OrderAccess
from shop.db import create_engine_from_url
from shop.errors import ShopUnavailable
from shop.sql_service import SqlShopService
from tests.actions.trackers import new_sender, slots_set, texts, tracker

FORM = "order_request_form"
DOMAIN: dict[str, Any] = {"forms": {FORM: {"required_slots": ["order_number", "order_email"]}}}


@pytest.fixture
def broken(world: services.Services, tmp_path: Path) -> Iterator[services.Services]:
    """The action server's services on a shop database file that is no database any more."""
    path = tmp_path / "shop.db"
    engine = create_engine_from_url(f"sqlite:///{path}")
    queue = HandoffQueue(engine)  # creates its table while the file is still sound
    engine.dispose()
    path.write_bytes(b"this file was overwritten by a failed backup restore\n" * 200)
    down = replace(world, shop=SqlShopService(engine), handoff=queue)
    services.register(down)
    yield down
    services.register(world)
    engine.dispose()


def test_the_shop_raises_its_own_error_for_a_corrupt_database(
    broken: services.Services,
) -> None:
    with pytest.raises(
        ShopUnavailable, match=r"shop database sqlite:///\S+/shop\.db is unavailable: DatabaseError"
    ):
        broken.shop.get_order("10023", OrderAccess(email="marie@example.com"))


async def test_an_order_lookup_on_a_corrupt_database_says_the_shop_is_down(
    broken: services.Services,
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ValidateOrderRequestForm().run(
        dispatcher,
        tracker(
            "marie@example.com",
            slots={"order_purpose": "track", "order_number": "10023"},
            new_slots={"order_email": "marie@example.com"},
            active_loop=FORM,
        ),
        DOMAIN,
    )
    assert texts(dispatcher) == SHOP_DOWN
    assert slots_set(events) == {}


async def test_a_handoff_on_a_corrupt_database_says_the_shop_is_down(
    broken: services.Services,
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionRequestHandoff().run(
        dispatcher, tracker("I want a person", intent="human_handoff", sender=new_sender()), {}
    )
    assert events == []
    assert texts(dispatcher) == SHOP_DOWN


def test_the_dialogue_adapters_do_not_load_the_database_library() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import actions.dialogue as d\n"
        "for m in pkgutil.walk_packages(d.__path__, 'actions.dialogue.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
