from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.cart import ActionAddToCart, ActionUpdateCart, ActionViewCart
from actions.dialogue.checkout import (
    ActionPlaceOrder,
    ActionStartCheckout,
    ValidateCheckoutForm,
)
from actions.dialogue.product_info import (
    ActionAnswerProductQuestion,
    ActionCheckAvailability,
    ActionSelectProduct,
)
from shop.api import OrderAccess
from tests.actions.trackers import buttons, entity, new_sender, slots_set, texts, tracker

DOMAIN: dict[str, Any] = {
    "forms": {
        "checkout_form": {
            "required_slots": [
                "email",
                "customer_name",
                "shipping_address",
                "payment_method",
                "checkout_confirmed",
            ]
        }
    }
}


def _sized_product(shop: Any) -> Any:
    for product in shop.iter_products():
        if len(product.sizes) > 1 and len(product.colours) <= 1:
            available = shop.availability(product.id, size=product.sizes[0])
            if available.online_available >= 3:
                return product
    raise AssertionError("no multi-size product in stock in the demo data")


async def _run(action: Any, **kwargs: Any) -> tuple[CollectingDispatcher, dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(**kwargs), DOMAIN)
    return dispatcher, slots_set(events)


async def test_selecting_the_second_result_shows_its_details(shop: Any) -> None:
    shown = [p.id for p in list(shop.iter_products())[:3]]
    dispatcher, slots = await _run(
        ActionSelectProduct(),
        text="tell me about the second one",
        intent="select_product",
        entities=[entity("ordinal", "second")],
        slots={"last_results": shown},
    )
    second = shop.get_product(shown[1])
    assert slots["product_in_focus"] == second.id
    assert second.title in texts(dispatcher)
    assert f"{second.price_from_cents / 100:.2f} EUR" in texts(dispatcher)


async def test_questions_are_answered_from_the_product_in_focus(shop: Any) -> None:
    product = _sized_product(shop)
    dispatcher, _ = await _run(
        ActionAnswerProductQuestion(),
        text="what sizes does it come in?",
        intent="product_question",
        slots={"product_in_focus": product.id},
    )
    for size in product.sizes[:5]:
        assert size in texts(dispatcher)
    with_attribute = next(
        p for p in shop.iter_products() if p.attributes.get("waterproof", "").lower() == "yes"
    )
    dispatcher, _ = await _run(
        ActionAnswerProductQuestion(),
        text="is it waterproof?",
        intent="product_question",
        entities=[entity("attribute", "waterproof")],
        slots={"product_in_focus": with_attribute.id},
    )
    assert "Yes" in texts(dispatcher)


async def test_a_question_without_a_product_asks_which_one(shop: Any) -> None:
    dispatcher, slots = await _run(
        ActionAnswerProductQuestion(), text="is it waterproof?", intent="product_question"
    )
    assert slots == {}
    assert "Which product" in texts(dispatcher)


async def test_stock_at_the_lyon_store_and_online(shop: Any) -> None:
    product = _sized_product(shop)
    dispatcher, _ = await _run(
        ActionCheckAvailability(),
        text="is it in stock at the Lyon store?",
        intent="check_availability",
        entities=[entity("location", "Lyon")],
        slots={"product_in_focus": product.id},
    )
    availability = shop.availability(product.id)
    lyon = next(s for s in availability.per_location if s.location.code == "ST-LYON")
    said = texts(dispatcher)
    assert "Lyon store" in said
    assert "Marseille" not in said
    assert (f"{lyon.available} available" if lyon.available else "out of stock") in said
    assert "Online" in said


async def test_adding_asks_for_a_size_then_adds_to_the_cart(shop: Any) -> None:
    product = _sized_product(shop)
    sender = new_sender()
    dispatcher, _ = await _run(
        ActionAddToCart(),
        text="add 2 to my cart",
        intent="add_to_cart",
        entities=[entity("quantity", "2")],
        slots={"product_in_focus": product.id},
        sender=sender,
    )
    sizes = [b["title"] for b in buttons(dispatcher)]
    assert sizes == list(product.sizes[:12])
    assert '"quantity": "2"' in buttons(dispatcher)[0]["payload"]
    assert shop.get_cart(sender).lines == ()
    size = product.sizes[0]
    dispatcher, _ = await _run(
        ActionAddToCart(),
        text="",
        intent="add_to_cart",
        entities=[entity("quantity", "2"), entity("size", size)],
        slots={"product_in_focus": product.id},
        sender=sender,
    )
    cart = shop.get_cart(sender)
    assert [(line.product_id, line.size, line.quantity) for line in cart.lines] == [
        (product.id, size, 2)
    ]
    assert f"{cart.total_cents / 100:.2f} EUR" in texts(dispatcher)

    dispatcher, _ = await _run(
        ActionUpdateCart(),
        text="change the quantity to 3",
        intent="update_cart",
        entities=[entity("quantity", "3")],
        sender=sender,
    )
    assert shop.get_cart(sender).lines[0].quantity == 3
    dispatcher, _ = await _run(
        ActionViewCart(), text="what's in my cart", intent="view_cart", sender=sender
    )
    assert f"3 x {product.title}" in texts(dispatcher)
    await _run(ActionUpdateCart(), text="remove it", intent="update_cart", sender=sender)
    assert shop.get_cart(sender).lines == ()


async def test_a_quantity_said_as_words_is_counted(shop: Any) -> None:
    product = _sized_product(shop)
    size = product.sizes[0]
    sender = new_sender()
    await _run(
        ActionAddToCart(),
        text=f"add twelve in size {size}",
        intent="add_to_cart",
        entities=[entity("quantity", "twelve"), entity("size", size)],
        slots={"product_in_focus": product.id},
        sender=sender,
    )
    cart = shop.get_cart(sender)
    assert [(line.product_id, line.size, line.quantity) for line in cart.lines] == [
        (product.id, size, 12)
    ]


async def test_a_count_the_nlu_read_as_a_size_is_the_quantity(shop: Any) -> None:
    product = _sized_product(shop)
    size = product.sizes[0]
    sender = new_sender()
    # the NLU tagged "add 2 in size <size>" as two sizes, 2 and the real one
    await _run(
        ActionAddToCart(),
        text=f"add 2 in size {size} to my cart",
        intent="add_to_cart",
        entities=[entity("size", "2"), entity("size", size)],
        slots={"product_in_focus": product.id},
        sender=sender,
    )
    cart = shop.get_cart(sender)
    assert [(line.product_id, line.size, line.quantity) for line in cart.lines] == [
        (product.id, size, 2)
    ]


async def test_checkout_validates_answers_and_places_the_order(shop: Any) -> None:
    product = _sized_product(shop)
    sender = new_sender()
    shop.add_to_cart(sender, product.id, quantity=1, size=product.sizes[0])
    _, started = await _run(
        ActionStartCheckout(), text="checkout", intent="checkout", sender=sender
    )
    assert started["checkout_confirmed"] is None

    validator = ValidateCheckoutForm()
    dispatcher = CollectingDispatcher()
    events = await validator.run(
        dispatcher,
        tracker("not an email", new_slots={"email": "not an email"}, active_loop="checkout_form"),
        DOMAIN,
    )
    assert slots_set(events)["email"] is None
    assert "e-mail" in texts(dispatcher)
    events = await validator.run(
        CollectingDispatcher(),
        tracker("pay pal", new_slots={"payment_method": "pay pal"}, active_loop="checkout_form"),
        DOMAIN,
    )
    assert slots_set(events)["payment_method"] == "paypal"

    slots = {
        "email": "Lea.Martin@example.com",
        "customer_name": "Lea Martin",
        "shipping_address": "12 rue de la Paix, 75002 Paris",
        "payment_method": "card",
        "checkout_confirmed": True,
    }
    dispatcher, _ = await _run(
        ActionPlaceOrder(), text="yes", intent="affirm", slots=slots, sender=sender
    )
    said = texts(dispatcher)
    orders = shop.list_orders(OrderAccess(email="lea.martin@example.com"), 10)
    placed = next(o for o in orders if str(o.number) in said)
    assert [line.product_id for line in placed.lines] == [product.id]
    assert f"{placed.total_cents / 100:.2f} EUR" in said
    assert shop.get_cart(sender).lines == ()


async def test_checkout_with_an_empty_cart_does_not_open_the_form(shop: Any) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionStartCheckout().run(
        dispatcher, tracker("checkout", intent="checkout", sender=new_sender()), DOMAIN
    )
    assert events == [{"event": "followup", "timestamp": None, "name": "action_listen"}]
    assert "empty" in texts(dispatcher)


async def test_saying_no_to_the_summary_places_nothing(shop: Any) -> None:
    product = _sized_product(shop)
    sender = new_sender()
    shop.add_to_cart(sender, product.id, quantity=1, size=product.sizes[0])
    slots = {
        "email": "no.order@example.com",
        "customer_name": "Noa Order",
        "shipping_address": "1 rue du Non, 69001 Lyon",
        "payment_method": "paypal",
        "checkout_confirmed": False,
    }
    dispatcher, changed = await _run(
        ActionPlaceOrder(), text="no", intent="deny", slots=slots, sender=sender
    )
    assert "haven't placed the order" in texts(dispatcher)
    assert changed == {"shipping_address": None, "payment_method": None, "checkout_confirmed": None}
    assert len(shop.get_cart(sender).lines) == 1
    assert shop.list_orders(OrderAccess(email="no.order@example.com"), 5) == []
