"""Adding a product whose variants differ by the merchant's own options ("Wood": Oak or
Walnut), on the project's fixture catalog (tests/fixtures/catalog/), not the demo shop."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import services
from actions.dialogue.cart import ActionAddToCart
from shop.api import Product
from shop.db import create_engine_from_url
from shop.importers.run import import_catalog
from shop.sql_service import SqlShopService
from tests.actions.trackers import buttons, entity, new_sender, texts, tracker

FIXTURE = Path(__file__).parents[1] / "fixtures" / "catalog" / "shopify_home_jewellery.csv"


@pytest.fixture(scope="module")
def merchant_world(
    world: services.Services, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[services.Services]:
    folder = tmp_path_factory.mktemp("merchant")
    engine = create_engine_from_url(f"sqlite:///{folder / 'shop.db'}")
    import_catalog(engine, FIXTURE, "shopify", progress=False)
    merchant = dataclasses.replace(world, shop=SqlShopService(engine, currency="EUR"))
    services.register(merchant)
    yield merchant
    services.register(world)
    engine.dispose()


def _product(world: services.Services, handle: str) -> Product:
    found = [p for p in world.shop.iter_products() if p.handle == handle]
    assert len(found) == 1
    return found[0]


async def _add(
    text: str,
    focus: Product,
    sender: str,
    *,
    entities: list[dict[str, Any]] | None = None,
    search_state: dict[str, Any] | None = None,
) -> CollectingDispatcher:
    slots: dict[str, Any] = {"product_in_focus": focus.id}
    if search_state is not None:
        slots["search_state"] = search_state
    dispatcher = CollectingDispatcher()
    await ActionAddToCart().run(
        dispatcher,
        tracker(text, intent="add_to_cart", slots=slots, entities=entities, sender=sender),
        {},
    )
    return dispatcher


async def test_the_option_value_said_in_the_message_picks_the_variant(
    merchant_world: services.Services,
) -> None:
    table = _product(merchant_world, "alder-bedside-table")
    sender = new_sender()
    await _add("add the walnut one to my cart", table, sender)
    lines = merchant_world.shop.get_cart(sender).lines
    walnut = next(v for v in table.variants if v.option("Wood") == "Walnut")
    assert [(line.sku, line.quantity) for line in lines] == [(walnut.sku, 1)]


async def test_without_a_choice_the_bot_asks_which_wood_and_the_button_adds_it(
    merchant_world: services.Services,
) -> None:
    table = _product(merchant_world, "alder-bedside-table")
    sender = new_sender()
    asked = await _add("add it to my cart", table, sender)
    assert "Which wood for the Alder Bedside Table: Oak, Walnut?" in texts(asked)
    assert merchant_world.shop.get_cart(sender).lines == ()
    oak_button = next(b for b in buttons(asked) if b["title"] == "Oak")
    payload = json.loads(oak_button["payload"].removeprefix("/add_to_cart"))
    await _add(
        "",
        table,
        sender,
        entities=[entity(name, str(value)) for name, value in payload.items()],
    )
    oak = next(v for v in table.variants if v.option("Wood") == "Oak")
    assert [line.sku for line in merchant_world.shop.get_cart(sender).lines] == [oak.sku]


async def test_a_search_refinement_by_an_option_value_carries_into_the_cart(
    merchant_world: services.Services,
) -> None:
    chair = _product(merchant_world, "wren-reading-armchair")
    sender = new_sender()
    refined = {"query": "armchair", "filters": {"options": [["Fabric", "Wool"]]}}
    await _add("I'll take it", chair, sender, search_state=refined)
    wool = next(v for v in chair.variants if v.option("Fabric") == "Wool")
    assert [line.sku for line in merchant_world.shop.get_cart(sender).lines] == [wool.sku]
