"""Turning ORM rows into the frozen records of ``shop.api``."""

from __future__ import annotations

from typing import cast

from shop.api import (
    Customer,
    Location,
    LocationKind,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Product,
    Refund,
    ReturnRequest,
    Shipment,
    TrackingEvent,
    Variant,
)
from shop.db import (
    CustomerRow,
    LocationRow,
    OrderRow,
    ProductRow,
    RefundRow,
    ReturnRow,
    VariantRow,
)


def variant_record(row: VariantRow) -> Variant:
    return Variant(
        sku=row.sku,
        product_id=row.product_id,
        price_cents=row.price_cents,
        size=row.size,
        colour=row.colour,
        compare_at_cents=row.compare_at_cents,
    )


def product_record(row: ProductRow) -> Product:
    return Product(
        id=row.id,
        handle=row.handle,
        title=row.title,
        brand=row.brand,
        category=row.category,
        subcategory=row.subcategory,
        description=row.description,
        material=row.material,
        attributes={str(k): str(v) for k, v in (row.attributes or {}).items()},
        tags=tuple(row.tags or ()),
        image_url=row.image_url,
        variants=tuple(variant_record(v) for v in row.variants),
    )


def location_record(row: LocationRow) -> Location:
    return Location(
        code=row.code,
        name=row.name,
        city=row.city,
        kind=cast(LocationKind, row.kind),
        address=row.address,
    )


def customer_record(row: CustomerRow) -> Customer:
    return Customer(id=row.id, email=row.email, name=row.name, phone=row.phone, city=row.city)


def order_record(row: OrderRow) -> Order:
    shipment = None
    if row.shipment is not None:
        s = row.shipment
        shipment = Shipment(
            carrier=s.carrier,
            tracking_number=s.tracking_number,
            shipped_at=s.shipped_at,
            eta=s.eta,
            events=tuple(
                TrackingEvent(at=e.at, location=e.location, description=e.description)
                for e in s.events
            ),
        )
    return Order(
        number=str(row.number),
        customer_id=row.customer_id,
        email=row.email,
        status=cast(OrderStatus, row.status),
        created_at=row.created_at,
        lines=tuple(
            OrderLine(
                sku=line.sku,
                product_id=line.product_id,
                title=line.title,
                size=line.size,
                colour=line.colour,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
            )
            for line in row.lines
        ),
        shipping_name=row.shipping_name,
        shipping_address=row.shipping_address,
        payment_method=cast(PaymentMethod, row.payment_method),
        subtotal_cents=row.subtotal_cents,
        shipping_cents=row.shipping_cents,
        total_cents=row.total_cents,
        currency=row.currency,
        shipment=shipment,
    )


def return_record(row: ReturnRow) -> ReturnRequest:
    status = row.status if row.status in ("open", "received", "closed") else "open"
    return ReturnRequest(
        rma=row.rma,
        order_number=str(row.order_number),
        sku=row.sku,
        reason=row.reason,
        status=status,  # type: ignore[arg-type]
        created_at=row.created_at,
        instructions=row.instructions,
    )


def refund_record(row: RefundRow) -> Refund:
    status = row.status if row.status in ("pending", "processed") else "pending"
    return Refund(
        order_number=str(row.order_number),
        amount_cents=row.amount_cents,
        currency=row.currency,
        status=status,  # type: ignore[arg-type]
        created_at=row.created_at,
        processed_at=row.processed_at,
    )
