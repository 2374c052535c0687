"""Carts and checkout: variant choice, stock checks, reservations, the order itself."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from shop.api import CheckoutDetails, OrderAccess
from shop.db import OrderRow, ReservationRow
from shop.errors import (
    CartEmpty,
    InvalidCheckoutDetails,
    InvalidQuantity,
    OutOfStock,
    VariantNotFound,
)
from shop.sql_service import SqlShopService

DETAILS = CheckoutDetails(
    email="Zoe.Newcomer@Example.com",
    shipping_name="Zoé Newcomer",
    shipping_address="4 rue des Fleurs, 44000 Nantes",
    payment_method="card",
)


def _stocked(shop: SqlShopService, data: Any, *, many: bool, units: int = 10) -> tuple[str, str]:
    product = shop.get_product(data.product_with_variants(many=many))
    variant = product.variants[-1]
    data.set_stock(variant.sku, "WH-PARIS", units)
    data.set_stock(variant.sku, "WH-LILLE", 0)
    return product.id, variant.sku


def test_several_variants_and_no_choice_asks_which(shop: SqlShopService, data: Any) -> None:
    product = shop.get_product(data.product_with_variants(many=True))
    with pytest.raises(VariantNotFound) as caught:
        shop.add_to_cart("conv-1", product.id)
    assert caught.value.ambiguous
    assert set(caught.value.available_sizes) == set(product.sizes)
    assert set(caught.value.available_colours) == set(product.colours)
    assert shop.get_cart("conv-1").lines == ()


def test_single_variant_product_needs_no_choice(shop: SqlShopService, data: Any) -> None:
    product_id, sku = _stocked(shop, data, many=False)
    cart = shop.add_to_cart("conv-1", product_id, quantity=2)
    assert [(line.sku, line.quantity) for line in cart.lines] == [(sku, 2)]
    assert cart.total_cents == 2 * shop.get_product(product_id).variants[0].price_cents


def test_size_and_colour_pick_the_variant(shop: SqlShopService, data: Any) -> None:
    product_id, sku = _stocked(shop, data, many=True)
    variant = next(v for v in shop.get_product(product_id).variants if v.sku == sku)
    cart = shop.add_to_cart(
        "conv-1", product_id, size=variant.size, colour=(variant.colour or "").upper() or None
    )
    assert cart.lines[0].sku == sku
    cart = shop.add_to_cart("conv-1", product_id, size=variant.size, colour=variant.colour)
    assert cart.item_count == 2 and len(cart.lines) == 1


def test_quantity_limits(shop: SqlShopService, data: Any) -> None:
    product_id, sku = _stocked(shop, data, many=False, units=500)
    for bad in (0, -1, 100):
        with pytest.raises(InvalidQuantity):
            shop.add_to_cart("conv-1", product_id, quantity=bad)
    shop.add_to_cart("conv-1", product_id, quantity=60)
    with pytest.raises(InvalidQuantity):
        shop.add_to_cart("conv-1", product_id, quantity=40)
    assert shop.set_quantity("conv-1", sku, 3).item_count == 3
    assert shop.set_quantity("conv-1", sku, 0).lines == ()


def test_out_of_stock_is_refused(shop: SqlShopService, data: Any) -> None:
    product_id, sku = _stocked(shop, data, many=False, units=3)
    data.set_stock(sku, "ST-LYON", 50)  # store stock is not sold online
    with pytest.raises(OutOfStock) as caught:
        shop.add_to_cart("conv-1", product_id, quantity=4)
    assert (caught.value.available, caught.value.requested) == (3, 4)
    shop.add_to_cart("conv-1", product_id, quantity=3)
    with pytest.raises(OutOfStock):
        shop.add_to_cart("conv-1", product_id, quantity=1)


def test_checkout_reserves_stock_and_creates_the_order(
    shop: SqlShopService, data: Any, engine: Engine
) -> None:
    product_id, sku = _stocked(shop, data, many=False, units=6)
    data.set_stock(sku, "WH-LILLE", 2)
    price = shop.get_product(product_id).variants[0].price_cents
    quantity = 7
    shop.add_to_cart("conv-9", product_id, quantity=quantity)
    with Session(engine) as session:
        last_number = session.scalar(select(func.max(OrderRow.number)))
    order = shop.checkout("conv-9", DETAILS)
    assert int(order.number) == (last_number or 0) + 1
    assert order.status == "paid"
    assert order.email == "zoe.newcomer@example.com"
    assert [(line.sku, line.quantity) for line in order.lines] == [(sku, quantity)]
    assert order.subtotal_cents == price * quantity
    expected_shipping = 0 if order.subtotal_cents >= 5000 else 490
    assert order.shipping_cents == expected_shipping
    assert order.total_cents == order.subtotal_cents + expected_shipping
    stock = data.stock(sku)
    assert stock["WH-PARIS"][1] + stock["WH-LILLE"][1] == quantity
    assert shop.availability(product_id).online_available == 1
    assert shop.get_cart("conv-9").lines == ()
    # a guest checkout creates no account: the order is found with its number and e-mail
    assert order.customer_id is None
    assert shop.find_customer_by_email("ZOE.NEWCOMER@example.com") is None
    assert shop.get_order(order.number, OrderAccess(email="zoe.newcomer@example.com")) == order


def test_small_orders_pay_shipping_and_transfers_stay_pending(
    shop: SqlShopService, data: Any
) -> None:
    cheap = next(v for p in shop.iter_products() for v in p.variants if v.price_cents < 2000)
    data.set_stock(cheap.sku, "WH-PARIS", 5)
    shop.add_to_cart("conv-2", cheap.product_id, size=cheap.size, colour=cheap.colour)
    details = CheckoutDetails(
        email="someone@example.org",
        shipping_name="Some One",
        shipping_address="1 place X, 75001 Paris",
        payment_method="bank_transfer",
    )
    order = shop.checkout("conv-2", details)
    assert order.status == "pending"
    assert order.shipping_cents == 490
    assert order.total_cents == cheap.price_cents + 490


def test_checkout_rechecks_stock_and_changes_nothing_when_short(
    shop: SqlShopService, data: Any, engine: Engine
) -> None:
    product_id, sku = _stocked(shop, data, many=False, units=4)
    other_id, other_sku = _stocked(shop, data, many=True, units=4)
    variant = next(v for v in shop.get_product(other_id).variants if v.sku == other_sku)
    shop.add_to_cart("conv-3", other_id, size=variant.size, colour=variant.colour, quantity=2)
    shop.add_to_cart("conv-3", product_id, quantity=4)
    data.set_stock(sku, "WH-PARIS", 4, reserved=2)  # someone else bought two meanwhile
    with Session(engine) as session:
        orders_before = session.scalar(select(func.count()).select_from(OrderRow))
        reservations_before = session.scalar(select(func.count()).select_from(ReservationRow))
    with pytest.raises(OutOfStock):
        shop.checkout("conv-3", DETAILS)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OrderRow)) == orders_before
        assert (
            session.scalar(select(func.count()).select_from(ReservationRow)) == reservations_before
        )
    assert data.stock(other_sku)["WH-PARIS"] == (4, 0)
    assert shop.get_cart("conv-3").item_count == 6


def test_checkout_needs_a_cart_and_valid_details(shop: SqlShopService, data: Any) -> None:
    with pytest.raises(CartEmpty):
        shop.checkout("nobody", DETAILS)
    product_id, _ = _stocked(shop, data, many=False)
    shop.add_to_cart("conv-4", product_id)
    bad = CheckoutDetails(
        email="not-an-email", shipping_name="X", shipping_address="Y", payment_method="card"
    )
    with pytest.raises(InvalidCheckoutDetails) as caught:
        shop.checkout("conv-4", bad)
    assert caught.value.field == "email"
    assert shop.get_cart("conv-4").item_count == 1


def test_a_guest_order_with_someone_elses_email_stays_a_guest_order(
    shop: SqlShopService, data: Any
) -> None:
    known = data.order("delivered")
    stranger = data.order("delivered", not_customer=known.customer_id)
    product_id, _ = _stocked(shop, data, many=False)
    shop.add_to_cart("conv-5", product_id)
    details = CheckoutDetails(
        email=known.email.upper(),
        shipping_name="Somebody Else",
        shipping_address="Somewhere 1",
        payment_method="paypal",
    )
    order = shop.checkout("conv-5", details)
    assert order.customer_id is None
    # the guest finds it with the number and the e-mail given at checkout
    assert shop.get_order(order.number, OrderAccess(email=known.email)) == order
    # the address's owner sees it once logged in (that proves the address); nobody else
    mine = shop.list_orders(OrderAccess(customer_id=known.customer_id), limit=1000)
    assert order.number in [o.number for o in mine]
    theirs = shop.list_orders(OrderAccess(customer_id=stranger.customer_id), limit=1000)
    assert order.number not in [o.number for o in theirs]


def test_a_logged_in_customer_checks_out_into_their_account(
    shop: SqlShopService, data: Any
) -> None:
    known = data.order("delivered")
    product_id, _ = _stocked(shop, data, many=False)
    shop.add_to_cart("conv-6", product_id)
    details = CheckoutDetails(
        email="another.address@example.org",
        shipping_name="Same Person",
        shipping_address="Somewhere 1",
        payment_method="card",
        customer_id=known.customer_id,
    )
    order = shop.checkout("conv-6", details)
    assert order.customer_id == known.customer_id
    assert shop.get_order(order.number, OrderAccess(customer_id=known.customer_id)) == order
