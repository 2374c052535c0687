"""Order access control, cancellation, returns and refunds."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shop.api import OrderAccess
from shop.errors import OrderNotCancellable, OrderNotFound, ReturnNotAllowed
from shop.sql_service import SqlShopService


def _owner(order: Any) -> OrderAccess:
    return OrderAccess(email=order.email)


def test_wrong_email_looks_exactly_like_an_unknown_number(shop: SqlShopService, data: Any) -> None:
    order = data.order("shipped")
    number = str(order.number)
    with pytest.raises(OrderNotFound) as wrong_email:
        shop.get_order(number, OrderAccess(email="stranger@example.com"))
    with pytest.raises(OrderNotFound) as unknown:
        shop.get_order("99999", OrderAccess(email="stranger@example.com"))
    assert type(wrong_email.value) is type(unknown.value)
    assert str(wrong_email.value).replace(number, "N") == str(unknown.value).replace("99999", "N")
    with pytest.raises(OrderNotFound):
        shop.get_order(number, OrderAccess())
    for action in (shop.refunds, shop.returns):
        with pytest.raises(OrderNotFound):
            action(number, OrderAccess(email="stranger@example.com"))


def test_owner_sees_order_by_email_any_case_or_customer_id(shop: SqlShopService, data: Any) -> None:
    order = data.order("shipped")
    by_email = shop.get_order(f"#{order.number}", OrderAccess(email=f" {order.email.upper()} "))
    by_id = shop.get_order(str(order.number), OrderAccess(customer_id=order.customer_id))
    assert by_email == by_id
    assert by_email.shipment is not None and by_email.shipment.last_event is not None
    assert by_email.lines and by_email.total_cents == order.total_cents


def test_list_orders_only_shows_the_askers_orders(shop: SqlShopService, data: Any) -> None:
    order = data.order("paid")
    mine = shop.list_orders(OrderAccess(customer_id=order.customer_id), limit=100)
    assert str(order.number) in [o.number for o in mine]
    assert {o.customer_id for o in mine} == {order.customer_id}
    assert shop.list_orders(OrderAccess()) == []
    assert shop.list_orders(OrderAccess(email="nobody@example.net")) == []


def test_cancelling_a_paid_order_releases_stock_and_starts_a_refund(
    shop: SqlShopService, data: Any
) -> None:
    order = data.order("paid")
    line = order.lines[0]
    reserved_before = sum(r for _, r in data.stock(line.sku).values())
    cancelled = shop.cancel_order(str(order.number), _owner(order))
    assert cancelled.status == "cancelled"
    reserved_after = sum(r for _, r in data.stock(line.sku).values())
    assert reserved_before - reserved_after == line.quantity
    refunds = shop.refunds(str(order.number), _owner(order))
    assert [(r.amount_cents, r.status) for r in refunds] == [(order.total_cents, "pending")]
    with pytest.raises(OrderNotCancellable):
        shop.cancel_order(str(order.number), _owner(order))


def test_cancelling_a_pending_order_needs_no_refund(shop: SqlShopService, data: Any) -> None:
    order = data.order("pending")
    assert shop.cancel_order(str(order.number), _owner(order)).status == "cancelled"
    assert shop.refunds(str(order.number), _owner(order)) == []


@pytest.mark.parametrize("status", ["shipped", "delivered", "refunded"])
def test_shipped_orders_cannot_be_cancelled(shop: SqlShopService, data: Any, status: str) -> None:
    order = data.order(status)
    with pytest.raises(OrderNotCancellable) as caught:
        shop.cancel_order(str(order.number), _owner(order))
    assert caught.value.status == status
    assert shop.get_order(str(order.number), _owner(order)).status == status


def test_cancel_checks_access_first(shop: SqlShopService, data: Any) -> None:
    order = data.order("paid")
    with pytest.raises(OrderNotFound):
        shop.cancel_order(str(order.number), OrderAccess(email="thief@example.com"))
    assert shop.get_order(str(order.number), _owner(order)).status == "paid"


def test_return_within_30_days_gets_an_rma_with_a_free_label(
    shop: SqlShopService, data: Any
) -> None:
    order = data.order("delivered", delivered_within_days=25)
    ret = shop.start_return(str(order.number), _owner(order), reason="Too small")
    assert re.fullmatch(r"RMA-[A-Z0-9]{6}", ret.rma)
    assert ret.status == "open" and ret.sku is None and ret.order_number == str(order.number)
    assert "free" in ret.instructions and ret.rma in ret.instructions
    again = shop.start_return(str(order.number), _owner(order), reason="Too small")
    assert again.rma == ret.rma
    assert [r.rma for r in shop.returns(str(order.number), _owner(order))] == [ret.rma]


def test_return_of_one_item_must_be_on_the_order(shop: SqlShopService, data: Any) -> None:
    order = data.order("delivered", delivered_within_days=25)
    with pytest.raises(ReturnNotAllowed) as caught:
        shop.start_return(str(order.number), _owner(order), reason="x", sku="NOT-ON-ORDER")
    assert "not part of this order" in caught.value.reason
    sku = order.lines[0].sku
    ret = shop.start_return(str(order.number), _owner(order), reason="Too big", sku=sku)
    assert ret.sku == sku


def test_no_return_after_30_days(shop: SqlShopService, data: Any) -> None:
    order = data.order("delivered", delivered_before_days=31)
    with pytest.raises(ReturnNotAllowed) as caught:
        shop.start_return(str(order.number), _owner(order), reason="Changed my mind")
    assert "30 days" in caught.value.reason
    assert shop.returns(str(order.number), _owner(order)) == []


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        ("shipped", "on its way"),
        ("paid", "cancel it instead"),
        ("cancelled", "cancelled"),
    ],
)
def test_undelivered_orders_cannot_be_returned(
    shop: SqlShopService, data: Any, status: str, hint: str
) -> None:
    order = data.order(status)
    with pytest.raises(ReturnNotAllowed) as caught:
        shop.start_return(str(order.number), _owner(order), reason="x")
    assert hint in caught.value.reason


def test_received_return_makes_a_pending_refund(shop: SqlShopService, data: Any) -> None:
    order = data.order("delivered", delivered_within_days=25)
    ret = shop.start_return(str(order.number), _owner(order), reason="Arrived damaged")
    refund = shop.receive_return(ret.rma)
    assert refund.status == "pending" and refund.amount_cents == order.subtotal_cents
    assert shop.get_order(str(order.number), _owner(order)).status == "returned"
    assert shop.refunds(str(order.number), _owner(order)) == [refund]
    assert [r.status for r in shop.returns(str(order.number), _owner(order))] == ["received"]


def test_refunded_demo_orders_show_a_processed_refund(shop: SqlShopService, data: Any) -> None:
    order = data.order("refunded")
    refunds = shop.refunds(str(order.number), _owner(order))
    assert len(refunds) == 1
    assert refunds[0].status == "processed" and refunds[0].processed_at is not None
    returns = shop.returns(str(order.number), _owner(order))
    assert [r.status for r in returns] == ["closed"]
