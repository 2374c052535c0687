"""The cards (custom payloads) the actions send beside their texts, checked against the real
shop: the right products, cart lines and order, and buttons that really do what they say."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import services
from actions.dialogue.cart import ActionAddToCart, ActionUpdateCart, ActionViewCart
from actions.dialogue.formatting import money
from actions.dialogue.orders import ActionHandleOrderRequest
from actions.dialogue.product_info import ActionSelectProduct
from actions.dialogue.search import ActionSearchProducts
from shop.api import OrderAccess, Product
from shop.cards import LOW_STOCK, stock_label
from shop.demo.images import public_image_url
from tests.actions.orders_db import an_order
from tests.actions.trackers import ORDER_FORM_DOMAIN, entity, new_sender, slots_set, tracker


def customs(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]


def single_variant_products(shop: Any, *, minimum_stock: int) -> list[Product]:
    return [
        p
        for p in shop.iter_products()
        if len(p.variants) == 1 and shop.availability(p.id).online_available >= minimum_stock
    ]


def button(payload: str) -> tuple[str, str, dict[str, Any]]:
    """A button payload as Rasa parses it: (text, intent, entities)."""
    intent, _, raw = payload[1:].partition("{")
    values = json.loads("{" + raw) if raw else {}
    return payload, intent, values


async def press(action: Any, payload: str, **kwargs: Any) -> tuple[CollectingDispatcher, Any]:
    text, intent, values = button(payload)
    dispatcher = CollectingDispatcher()
    events = await action.run(
        dispatcher,
        tracker(text, intent=intent, entities=[entity(k, v) for k, v in values.items()], **kwargs),
        {},
    )
    return dispatcher, slots_set(events)


async def test_a_selected_product_comes_with_its_card(shop: Any, world: Any) -> None:
    shown = [p.id for p in list(shop.iter_products())[:3]]
    dispatcher = CollectingDispatcher()
    await ActionSelectProduct().run(
        dispatcher,
        tracker(
            "the second one",
            intent="select_product",
            entities=[entity("ordinal", "second")],
            slots={"last_results": shown},
        ),
        {},
    )
    product = shop.get_product(shown[1])
    available = shop.availability(product.id).online_available
    [payload] = customs(dispatcher)
    assert payload["type"] == "products"
    [card] = payload["products"]
    assert card == {
        "id": product.id,
        "title": product.title,
        "brand": product.brand,
        "price": money(product.price_from_cents, shop.currency),
        "price_cents": product.price_from_cents,
        "image": public_image_url(product.images[0].url, world.settings.storefront_url),
        "image_alt": product.images[0].alt,
        "url": f"{world.settings.storefront_url}/products/{product.handle}",
        "in_stock": available > 0,
        "stock_label": card["stock_label"],
        "add_payload": f'/add_to_cart{{"product": "{product.id}"}}',
        "details_payload": f'/select_product{{"product": "{product.id}"}}',
    }


async def test_stock_labels_follow_the_online_stock(shop: Any) -> None:
    plenty = single_variant_products(shop, minimum_stock=LOW_STOCK + 1)[0]
    dispatcher, _ = await press(
        ActionSelectProduct(), f'/select_product{{"product": "{plenty.id}"}}'
    )
    [card] = customs(dispatcher)[0]["products"]
    assert (card["in_stock"], card["stock_label"]) == (True, "In stock")


def test_stock_labels_say_in_stock_only_n_left_or_out_of_stock() -> None:
    assert [stock_label(n) for n in (0, 1, LOW_STOCK, LOW_STOCK + 1)] == [
        "Out of stock",
        "Only 1 left",
        f"Only {LOW_STOCK} left",
        "In stock",
    ]


async def test_search_results_come_with_one_card_per_result_in_order(shop: Any) -> None:
    product = next(p for p in shop.iter_products() if p.brand)
    dispatcher = CollectingDispatcher()
    events = await ActionSearchProducts().run(
        dispatcher, tracker(f"show me {product.title}", intent="search_product"), {}
    )
    shown = slots_set(events)["last_results"]
    [payload] = customs(dispatcher)
    assert [card["id"] for card in payload["products"]] == shown
    assert product.id in shown
    by_id = {card["id"]: card for card in payload["products"]}
    assert by_id[product.id]["title"] == product.title


async def test_a_cards_details_button_shows_that_product_whatever_is_in_focus(shop: Any) -> None:
    first, second = list(shop.iter_products())[:2]
    dispatcher, slots = await press(
        ActionSelectProduct(),
        f'/select_product{{"product": "{second.id}"}}',
        slots={"product_in_focus": first.id, "last_results": [first.id]},
    )
    assert dispatcher.messages[0]["text"].startswith(second.title)
    assert slots["product_in_focus"] == second.id


async def test_a_cards_add_button_adds_that_product_and_answers_with_the_cart(shop: Any) -> None:
    product, other = single_variant_products(shop, minimum_stock=2)[:2]
    sender = new_sender()
    dispatcher, slots = await press(
        ActionAddToCart(),
        f'/add_to_cart{{"product": "{product.id}"}}',
        sender=sender,
        slots={"product_in_focus": other.id, "last_results": [other.id]},
    )
    cart = shop.get_cart(sender)
    assert [(line.product_id, line.quantity) for line in cart.lines] == [(product.id, 1)]
    assert slots["product_in_focus"] == product.id
    [payload] = customs(dispatcher)
    assert payload == {
        "type": "cart",
        "lines": [
            {
                "sku": cart.lines[0].sku,
                "title": product.title,
                "options": payload["lines"][0]["options"],
                "quantity": 1,
                "unit_price": money(product.variants[0].price_cents, shop.currency),
                "line_total": money(product.variants[0].price_cents, shop.currency),
                # the demo catalog's pictures, as the storefront serves them
                "image": public_image_url(
                    (product.variants[0].image or product.images[0]).url,
                    services.current().settings.storefront_url,
                ),
            }
        ],
        "item_count": 1,
        "subtotal": money(product.variants[0].price_cents, shop.currency),
        "subtotal_cents": product.variants[0].price_cents,
        "currency": shop.currency,
    }


async def test_viewing_the_cart_shows_size_and_colour_on_each_line(shop: Any) -> None:
    product = next(p for p in shop.iter_products() if p.sizes and p.colours)
    variant = next(v for v in product.variants if v.size and v.colour)
    sender = new_sender()
    shop.add_to_cart(sender, product.id, quantity=2, size=variant.size, colour=variant.colour)
    dispatcher = CollectingDispatcher()
    await ActionViewCart().run(dispatcher, tracker("show my cart", sender=sender), {})
    [payload] = customs(dispatcher)
    [line] = payload["lines"]
    assert line["options"].startswith(f"Size {variant.size}, {variant.colour}")
    assert (line["quantity"], payload["item_count"]) == (2, 2)
    assert payload["subtotal_cents"] == shop.get_cart(sender).total_cents


async def test_emptying_the_cart_sends_the_empty_cart(shop: Any) -> None:
    product = single_variant_products(shop, minimum_stock=1)[0]
    sender = new_sender()
    shop.add_to_cart(sender, product.id)
    dispatcher = CollectingDispatcher()
    await ActionUpdateCart().run(
        dispatcher, tracker("empty my cart", intent="update_cart", sender=sender), {}
    )
    [payload] = customs(dispatcher)
    assert (payload["type"], payload["lines"], payload["item_count"]) == ("cart", [], 0)


async def test_an_order_status_answer_comes_with_the_order_card(shop: Any) -> None:
    row = an_order(shop, "shipped")
    order = shop.get_order(str(row.number), OrderAccess(email=row.email))
    dispatcher = CollectingDispatcher()
    await ActionHandleOrderRequest().run(
        dispatcher,
        tracker(
            "",
            slots={
                "order_purpose": "track",
                "order_number": order.number,
                "order_email": order.email,
                "order_status": "shipped",
            },
        ),
        ORDER_FORM_DOMAIN,
    )
    [payload] = customs(dispatcher)
    assert payload["type"] == "order"
    assert (payload["number"], payload["status"], payload["status_label"]) == (
        order.number,
        "shipped",
        "Shipped",
    )
    assert payload["items"] == [{"title": li.title, "quantity": li.quantity} for li in order.lines]
    assert payload["total"] == money(order.total_cents, order.currency)
    assert payload["tracking"]["carrier"] == order.shipment.carrier
    assert payload["tracking"]["code"] == order.shipment.tracking_number
    assert order.shipment.last_event.description in payload["tracking"]["last_event"]
