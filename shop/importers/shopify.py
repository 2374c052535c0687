"""Read Shopify's product CSV export (several rows per Handle) into parsed products.

The first row of a handle carries the product (Title, Body (HTML), Vendor, ...) and its
first variant; the following rows carry more variants (Option values, Variant SKU,
Variant Price, ...) or only an extra image (Image Src), which is ignored.
"""

from __future__ import annotations

import csv
from pathlib import Path

from shop.importers.common import (
    ImportFailed,
    ParsedProduct,
    ParsedVariant,
    ParseResult,
    Rejection,
    generated_sku,
    html_to_text,
    map_category,
    option_kind,
    parse_price,
    parse_quantity,
    product_id_for,
    split_tags,
    tags_to_fields,
)

REQUIRED_COLUMNS = ("Handle", "Title", "Variant Price")
OPTION_SLOTS = (1, 2, 3)


def _cell(row: dict[str, str | None], name: str) -> str:
    return (row.get(name) or "").strip()


def _is_image_row(row: dict[str, str | None]) -> bool:
    variant_cells = ["Variant SKU", "Variant Price"] + [f"Option{i} Value" for i in OPTION_SLOTS]
    return not any(_cell(row, name) for name in variant_cells)


def _product(row: dict[str, str | None], row_number: int, handle: str) -> ParsedProduct | Rejection:
    title = _cell(row, "Title")
    if not title:
        return Rejection(row_number, "missing title on the first row of this handle", handle)
    tags, attributes, tag_category, material = tags_to_fields(split_tags(_cell(row, "Tags")))
    product_category = _cell(row, "Product Category")
    product_type = _cell(row, "Type")
    category = map_category(tag_category, product_category, product_type, title)
    if category is None:
        return Rejection(
            row_number,
            f"cannot tell the shop category from Product Category {product_category!r} / "
            f"Type {product_type!r}; add a tag like 'category:shoes'",
            handle,
        )
    subcategory = (product_type or product_category.split(">")[-1]).strip().lower() or category
    grams = _cell(row, "Variant Grams")
    if grams and grams.replace(".", "", 1).isdigit() and float(grams) > 0:
        attributes.setdefault("weight", f"{float(grams):g} g")
    return ParsedProduct(
        row=row_number,
        id=product_id_for(handle),
        handle=product_id_for(handle),
        title=title,
        brand=_cell(row, "Vendor") or "Unbranded",
        category=category,
        subcategory=subcategory,
        description=html_to_text(_cell(row, "Body (HTML)")),
        material=material,
        attributes=attributes,
        tags=tags,
        image_url=_cell(row, "Image Src") or None,
        rows=[row_number],
    )


def _variant(
    row: dict[str, str | None],
    row_number: int,
    product: ParsedProduct,
    option_names: dict[int, str | None],
    default_location: str,
) -> ParsedVariant | Rejection:
    size = colour = None
    extras: list[str] = []
    for slot in OPTION_SLOTS:
        value = _cell(row, f"Option{slot} Value")
        kind = option_kind(option_names.get(slot))
        if not value or value == "Default Title":
            continue
        if kind == "size":
            size = value
        elif kind == "colour":
            colour = value.lower()
        else:
            extras.append(f"{option_names.get(slot) or 'option'}: {value}")
    if extras:
        product.attributes.setdefault("options", "; ".join(extras))
    sku = _cell(row, "Variant SKU") or None
    try:
        price = parse_price(_cell(row, "Variant Price"))
        compare_at = parse_price(_cell(row, "Variant Compare At Price"), label="compare-at price")
        quantity = parse_quantity(row.get("Variant Inventory Qty"))
    except ValueError as exc:
        return Rejection(row_number, str(exc), product.handle, sku)
    if price is None:
        return Rejection(row_number, "missing Variant Price", product.handle, sku)
    return ParsedVariant(
        row=row_number,
        sku=sku or generated_sku(product.handle, size, colour),
        size=size,
        colour=colour,
        price_cents=price,
        compare_at_cents=compare_at if compare_at and compare_at > price else None,
        stock={} if quantity is None else {default_location: quantity},
    )


def _is_published(row: dict[str, str | None]) -> bool:
    status = _cell(row, "Status").lower()
    published = _cell(row, "Published").lower()
    return status in ("", "active") and published not in ("false", "no", "0")


def parse_shopify_csv(path: Path, *, default_location: str) -> ParseResult:
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ImportFailed(
                    str(path),
                    f"not a Shopify product export: missing column(s) {', '.join(missing)}. "
                    "Export from Shopify admin > Products > Export, or use --format csv.",
                )
            rows = list(reader)
    except OSError as exc:
        raise ImportFailed(str(path), exc.strerror or str(exc)) from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFailed(str(path), f"unreadable CSV ({exc}); save it as UTF-8") from exc

    result = ParseResult(rows_read=len(rows))
    products: dict[str, ParsedProduct | Rejection] = {}
    option_names: dict[str, dict[int, str | None]] = {}
    for index, row in enumerate(rows):
        row_number = index + 2  # the header is row 1
        raw_handle = _cell(row, "Handle")
        if not raw_handle:
            result.rejected.append(Rejection(row_number, "missing Handle"))
            continue
        handle = product_id_for(raw_handle)
        current = products.get(handle)
        if current is None:
            if not _is_published(row):
                status = _cell(row, "Status") or "unpublished"
                current = Rejection(row_number, f"not imported: product is {status}", handle)
                result.skipped.append(current)
            else:
                current = _product(row, row_number, handle)
                if isinstance(current, Rejection):
                    result.rejected.append(current)
                else:
                    result.products.append(current)
            products[handle] = current
            option_names[handle] = {
                slot: _cell(row, f"Option{slot} Name") or None for slot in OPTION_SLOTS
            }
        elif isinstance(current, Rejection):
            if current in result.rejected:  # later rows of a rejected product
                result.rejected.append(
                    Rejection(
                        row_number,
                        f"product rejected on row {current.row}",
                        handle,
                        _cell(row, "Variant SKU") or None,
                    )
                )
            continue
        if isinstance(current, Rejection) or _is_image_row(row):
            continue
        if row_number not in current.rows:
            current.rows.append(row_number)
        variant = _variant(row, row_number, current, option_names[handle], default_location)
        if isinstance(variant, Rejection):
            result.rejected.append(variant)
        else:
            current.variants.append(variant)
    return result
