"""Read the shop's own catalog formats: a CSV with one row per variant, and JSON.

Both are documented in docs/importing.md. Column and key names are the same in both.
The "category" is the merchant's own path ("Home > Furniture > Sofas"); any category is
accepted and a product without one is placed later (``shop.importers.categorise``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shop.api import CategoryPath
from shop.importers.common import (
    ImportFailed,
    ParsedProduct,
    ParsedVariant,
    ParseResult,
    Rejection,
    generated_sku,
    parse_price,
    parse_quantity,
    product_id_for,
    split_tags,
    variant_fields,
)
from shop.slugs import slugify
from shop.taxonomy import parse_path
from shop.variants import option_kind

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


def _list(raw: Any, separators: str = TAG_SEPARATORS) -> list[str]:
    """A JSON list, or a CSV cell split on '|' / ';'."""
    if isinstance(raw, list):
        return [str(item).strip() for item in raw if str(item).strip()]
    return split_tags(str(raw or ""), separators)


def _category(fields: Mapping[str, Any]) -> CategoryPath:
    """'Home > Furniture > Sofas' (or a JSON list); the older two columns
    category + subcategory ("shoes", "hiking boots") make a two-level path."""
    raw = fields.get("category")
    path = parse_path(raw if isinstance(raw, list) else str(raw or ""))
    subcategory = parse_path(_text(fields, "subcategory"))
    if len(path) == 1 and subcategory and subcategory[0].casefold() != path[0].casefold():
        path = (*path, *subcategory)
    return path


def _add_images(fields: Mapping[str, Any], product: ParsedProduct) -> None:
    url = _text(fields, "image_url")
    if url:
        product.add_image(url, _text(fields, "image_alt"))
    raw = fields.get("images")
    items: list[Any] = raw if isinstance(raw, list) else _list(raw)
    for item in items:
        if isinstance(item, Mapping) and _text(item, "url"):
            image = product.add_image(_text(item, "url"), _text(item, "alt"))
            skus = item.get("variant_skus")
            if isinstance(skus, list):
                image.variant_skus.extend(str(s) for s in skus if str(s) not in image.variant_skus)
        elif isinstance(item, str) and item.strip():
            product.add_image(item.strip(), "")


def _build_product(fields: Mapping[str, Any], row: int) -> ParsedProduct | Rejection:
    key = _product_key(fields)
    title = _text(fields, "title")
    if not title:
        return Rejection(row, "missing title", key or None)
    attributes: dict[str, str] = {}
    raw_attributes = fields.get("attributes")
    if isinstance(raw_attributes, Mapping):
        attributes.update({str(k): str(v) for k, v in raw_attributes.items() if v is not None})
    for name, value in fields.items():
        if name.startswith("attr:") and value is not None and str(value).strip():
            attributes[name[5:].strip()] = str(value).strip()
    handle = product_id_for(_text(fields, "handle") or key)
    product = ParsedProduct(
        row=row,
        id=key,
        handle=handle,
        title=title,
        brand=_text(fields, "brand", "vendor"),
        category_path=_category(fields),
        product_type=" ".join(_text(fields, "type", "product_type").split()),
        description=_text(fields, "description"),
        material=_text(fields, "material") or None,
        attributes=attributes,
        tags=_list(fields.get("tags")),
        collections=_list(fields.get("collections")),
        rows=[row],
    )
    _add_images(fields, product)
    return product


def _options(fields: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Options in the file's order: JSON "options" ({"Wood": "Oak"} or [["Wood", "Oak"]]),
    CSV "option:Wood" columns, then the plain size and colour fields."""
    pairs: list[tuple[str, str]] = []
    raw = fields.get("options")
    if isinstance(raw, Mapping):
        pairs.extend((str(k), str(v)) for k, v in raw.items() if v is not None)
    elif isinstance(raw, list):
        pairs.extend(
            (str(item[0]), str(item[1]))
            for item in raw
            if isinstance(item, list | tuple) and len(item) == 2
        )
    for name, value in fields.items():
        if name.lower().startswith("option:") and value is not None and str(value).strip():
            pairs.append((name[7:].strip(), str(value)))
    named = {option_kind(name) for name, _ in pairs}
    size = _text(fields, "size")
    colour = _text(fields, "colour", "color")
    if size and "size" not in named:
        pairs.append(("Size", size))
    if colour and "colour" not in named:
        pairs.append(("Colour", colour))
    return pairs


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
    size, colour, options = variant_fields(_options(fields))
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
        sku=sku or generated_sku(product.handle, [value for _, value in options]),
        size=size,
        colour=colour,
        price_cents=price,
        compare_at_cents=compare_at if compare_at and compare_at > price else None,
        stock=stock,
        options=options,
        image_url=_text(fields, "variant_image", "image") or None,
        image_alt=_text(fields, "variant_image_alt"),
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
