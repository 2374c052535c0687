"""Read the shop's own catalog formats: a CSV with one row per variant, and JSON.

Both are documented in docs/importing.md. Column and key names are the same in both.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shop.demo.catalog import slugify
from shop.importers.common import (
    ImportFailed,
    ParsedProduct,
    ParsedVariant,
    ParseResult,
    Rejection,
    generated_sku,
    map_category,
    parse_price,
    parse_quantity,
    product_id_for,
    split_tags,
)

CSV_REQUIRED = ("title", "price")
TAG_SEPARATORS = "|;"


def _text(fields: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = fields.get(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def _product_key(fields: Mapping[str, Any]) -> str:
    return product_id_for(
        _text(fields, "product_id", "id", "handle") or slugify(_text(fields, "title"))
    )


def _build_product(fields: Mapping[str, Any], row: int) -> ParsedProduct | Rejection:
    key = _product_key(fields)
    title = _text(fields, "title")
    if not title:
        return Rejection(row, "missing title", key or None)
    raw_category = _text(fields, "category")
    if not raw_category:
        return Rejection(row, "missing category", key)
    category = map_category(raw_category)
    if category is None:
        return Rejection(row, f"unknown category {raw_category!r}", key)
    raw_tags = fields.get("tags")
    tags = (
        [str(t).strip() for t in raw_tags if str(t).strip()]
        if isinstance(raw_tags, list)
        else split_tags(str(raw_tags or ""), TAG_SEPARATORS)
    )
    attributes: dict[str, str] = {}
    raw_attributes = fields.get("attributes")
    if isinstance(raw_attributes, Mapping):
        attributes.update({str(k): str(v) for k, v in raw_attributes.items() if v is not None})
    for name, value in fields.items():
        if name.startswith("attr:") and value is not None and str(value).strip():
            attributes[name[5:].strip()] = str(value).strip()
    handle = product_id_for(_text(fields, "handle") or key)
    return ParsedProduct(
        row=row,
        id=key,
        handle=handle,
        title=title,
        brand=_text(fields, "brand", "vendor") or "Unbranded",
        category=category,
        subcategory=(_text(fields, "subcategory", "type") or category).lower(),
        description=_text(fields, "description"),
        material=_text(fields, "material") or None,
        attributes=attributes,
        tags=tags,
        image_url=_text(fields, "image_url") or None,
        rows=[row],
    )


def _stock(fields: Mapping[str, Any], default_location: str) -> dict[str, int]:
    stock: dict[str, int] = {}
    raw = fields.get("stock")
    if isinstance(raw, Mapping):
        for code, value in raw.items():
            quantity = parse_quantity(value)
            if quantity is not None:
                stock[str(code).upper()] = quantity
    else:
        quantity = parse_quantity(raw)
        if quantity is not None:
            stock[default_location] = quantity
    for name, value in fields.items():
        if name.lower().startswith("stock:"):
            quantity = parse_quantity(value)
            if quantity is not None:
                stock[name[6:].strip().upper()] = quantity
    return stock


def _build_variant(
    fields: Mapping[str, Any],
    row: int,
    product: ParsedProduct,
    default_location: str,
    label: str = "",
) -> ParsedVariant | Rejection:
    size = _text(fields, "size") or None
    colour = (_text(fields, "colour", "color") or "").lower() or None
    sku = _text(fields, "sku") or None
    try:
        if "price_cents" in fields and fields["price_cents"] not in (None, ""):
            price: int | None = int(fields["price_cents"])
            if price is not None and price < 0:
                raise ValueError(f"bad price_cents {price} (must be zero or more)")
        else:
            price = parse_price(fields.get("price"))
        compare_at = parse_price(fields.get("compare_at_price"), label="compare-at price")
        stock = _stock(fields, default_location)
    except (ValueError, TypeError) as exc:
        return Rejection(row, f"{label}{exc}", product.handle, sku)
    if price is None:
        return Rejection(row, f"{label}missing price", product.handle, sku)
    return ParsedVariant(
        row=row,
        sku=sku or generated_sku(product.handle, size, colour),
        size=size,
        colour=colour,
        price_cents=price,
        compare_at_cents=compare_at if compare_at and compare_at > price else None,
        stock=stock,
    )


def parse_generic_csv(path: Path, *, default_location: str) -> ParseResult:
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            columns = [c.strip() for c in reader.fieldnames or []]
            missing = [c for c in CSV_REQUIRED if c not in columns]
            if missing:
                raise ImportFailed(
                    str(path),
                    f"missing column(s) {', '.join(missing)}; see docs/importing.md for the "
                    "columns of the generic CSV (or use --format shopify for a Shopify export)",
                )
            rows = [{(k or "").strip(): v for k, v in row.items()} for row in reader]
    except OSError as exc:
        raise ImportFailed(str(path), exc.strerror or str(exc)) from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFailed(str(path), f"unreadable CSV ({exc}); save it as UTF-8") from exc

    result = ParseResult(rows_read=len(rows))
    products: dict[str, ParsedProduct | Rejection] = {}
    for index, fields in enumerate(rows):
        row = index + 2
        key = _product_key(fields)
        if not key:
            result.rejected.append(Rejection(row, "missing title (and no product_id/handle)"))
            continue
        current = products.get(key)
        if current is None:
            current = _build_product(fields, row)
            products[key] = current
            if isinstance(current, Rejection):
                result.rejected.append(current)
                continue
            result.products.append(current)
        elif isinstance(current, Rejection):
            result.rejected.append(
                Rejection(row, f"product rejected on row {current.row}", key, fields.get("sku"))
            )
            continue
        else:
            current.rows.append(row)
        variant = _build_variant(fields, row, current, default_location)
        if isinstance(variant, Rejection):
            result.rejected.append(variant)
        else:
            current.variants.append(variant)
    return result


def parse_generic_json(path: Path, *, default_location: str) -> ParseResult:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImportFailed(str(path), exc.strerror or str(exc)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed(str(path), f"invalid JSON ({exc})") from exc
    if isinstance(data, Mapping):
        data = data.get("products")
    if not isinstance(data, list):
        raise ImportFailed(
            str(path), 'expected a list of products or {"products": [...]} at the top level'
        )
    result = ParseResult(rows_read=len(data))
    seen: set[str] = set()
    for index, item in enumerate(data, start=1):
        if not isinstance(item, Mapping):
            result.rejected.append(Rejection(index, "not an object"))
            continue
        product = _build_product(item, index)
        if isinstance(product, Rejection):
            result.rejected.append(product)
            continue
        if product.id in seen:
            result.rejected.append(Rejection(index, "duplicate product id", product.id))
            continue
        seen.add(product.id)
        variants = item.get("variants")
        if not isinstance(variants, list) or not variants:
            variants = [item]  # a product without options: its own single variant
        for position, fields in enumerate(variants, start=1):
            if not isinstance(fields, Mapping):
                result.rejected.append(
                    Rejection(index, f"variant {position}: not an object", product.handle)
                )
                continue
            variant = _build_variant(
                fields, index, product, default_location, label=f"variant {position}: "
            )
            if isinstance(variant, Rejection):
                result.rejected.append(variant)
            else:
                product.variants.append(variant)
        result.products.append(product)
    return result
