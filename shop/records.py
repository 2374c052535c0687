"""Turning ORM rows into the frozen records of ``shop.api``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from shop.api import (
    Customer,
    Image,
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
    ImageRow,
    LocationRow,
    OrderRow,
    ProductRow,
    RefundRow,
    ReturnRow,
    VariantRow,
)
from shop.taxonomy import path_from_key, path_key


def image_record(row: ImageRow) -> Image:
    return Image(
        url=row.url,
        alt=row.alt,
        position=row.position,
        variant_skus=tuple(str(sku) for sku in row.variant_skus or ()),
    )


def variant_record(row: VariantRow, pictures: Mapping[str, Image] | None = None) -> Variant:
    """The variant with its picture (``pictures``: SKU -> the first image naming it)."""
    return Variant(
        sku=row.sku,
        product_id=row.product_id,
        price_cents=row.price_cents,
        size=row.size,
        colour=row.colour,
        compare_at_cents=row.compare_at_cents,
        options=tuple((str(name), str(value)) for name, value in row.options or ()),
        image=(pictures or {}).get(row.sku),
    )


def product_record(row: ProductRow) -> Product:
    images = tuple(image_record(image) for image in row.images)
    pictures: dict[str, Image] = {}
    for image in images:
        for sku in image.variant_skus:
            pictures.setdefault(sku, image)
    return Product(
        id=row.id,
        handle=row.handle,
        title=row.title,
        brand=row.brand,
        category_path=path_from_key(row.category_path),
        product_type=row.product_type or "",
        description=row.description,
        material=row.material,
        attributes={str(k): str(v) for k, v in (row.attributes or {}).items()},
        tags=tuple(row.tags or ()),
        images=images,
        variants=tuple(variant_record(v, pictures) for v in row.variants),
        collections=tuple(str(c) for c in row.collections or ()),
        suggested_category=path_from_key(row.suggested_category),
        suggestion_confidence=row.suggestion_confidence,
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
        delivered_at=row.delivered_at,
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


def product_columns(product: Product) -> dict[str, Any]:
    """The ``products`` row of a record (without its timestamps), for inserts and upserts."""
    return {
        "id": product.id,
        "handle": product.handle,
        "title": product.title,
        "brand": product.brand,
        "category_path": path_key(product.category_path),
        "product_type": product.product_type,
        "description": product.description,
        "material": product.material,
        "attributes": dict(product.attributes),
        "tags": list(product.tags),
        "collections": list(product.collections),
        "suggested_category": path_key(product.suggested_category),
        "suggestion_confidence": product.suggestion_confidence,
    }


def variant_columns(variant: Variant, position: int) -> dict[str, Any]:
    return {
        "sku": variant.sku,
        "product_id": variant.product_id,
        "position": position,
        "size": variant.size,
        "colour": variant.colour,
        "options": [list(option) for option in variant.options],
        "price_cents": variant.price_cents,
        "compare_at_cents": variant.compare_at_cents,
    }


def image_columns(product_id: str, image: Image) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "position": image.position,
        "url": image.url,
        "alt": image.alt,
        "variant_skus": list(image.variant_skus),
    }
