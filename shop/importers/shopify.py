"""Read Shopify's product CSV export (several rows per Handle) into parsed products.

The first row of a handle carries the product (Title, Body (HTML), Vendor, Product
Category, Type, Tags, ...) and its first variant; the following rows carry more variants
(Option values, Variant SKU, Variant Price, Variant Image, ...) and/or more pictures
(Image Src, Image Position, Image Alt Text). Nothing is rejected for its category: the
"Product Category" path is the merchant's taxonomy as it is, and a product without one is
placed later (``shop.importers.categorise``). Column names are matched case-insensitively
(Shopify has written both "Product Category" and "Product category").
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
    parse_price,
    parse_quantity,
    product_id_for,
    split_tags,
    tags_to_fields,
    variant_fields,
)
from shop.taxonomy import parse_path

REQUIRED_COLUMNS = ("Handle", "Title", "Variant Price")
OPTION_SLOTS = (1, 2, 3)
COLLECTION_COLUMNS = ("Collection", "Collections")

Row = dict[str, str]


def _normalise(row: dict[str | None, str | None]) -> Row:
    """Keys in lower case, values stripped: the export's column case does not matter."""
    return {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}


def _cell(row: Row, name: str) -> str:
    return row.get(name.lower(), "")


def _is_image_row(row: Row) -> bool:
    variant_cells = ["Variant SKU", "Variant Price"] + [f"Option{i} Value" for i in OPTION_SLOTS]
    return not any(_cell(row, name) for name in variant_cells)


def _category(row: Row, tag_category: tuple[str, ...]) -> tuple[str, ...]:
    """A 'category:' tag wins (the merchant asked for it), then Product Category; a
    taxonomy id ('gid://shopify/TaxonomyCategory/...') names nothing we can show."""
    if tag_category:
        return tag_category
    raw = _cell(row, "Product Category")
    return () if raw.startswith("gid://") else parse_path(raw)


def _product(row: Row, row_number: int, handle: str) -> ParsedProduct | Rejection:
    title = _cell(row, "Title")
    if not title:
        return Rejection(row_number, "missing title on the first row of this handle", handle)
    tags, attributes, tag_category, material = tags_to_fields(split_tags(_cell(row, "Tags")))
    grams = _cell(row, "Variant Grams")
    if grams and grams.replace(".", "", 1).isdigit() and float(grams) > 0:
        attributes.setdefault("weight", f"{float(grams):g} g")
    collections = [c for name in COLLECTION_COLUMNS for c in split_tags(_cell(row, name))]
    return ParsedProduct(
        row=row_number,
        id=product_id_for(handle),
        handle=product_id_for(handle),
        title=title,
        brand=_cell(row, "Vendor"),
        category_path=_category(row, tag_category),
        product_type=" ".join(_cell(row, "Type").split()),
        description=html_to_text(_cell(row, "Body (HTML)")),
        material=material,
        attributes=attributes,
        tags=tags,
        collections=list(dict.fromkeys(collections)),
        rows=[row_number],
    )


def _add_image(row: Row, product: ParsedProduct) -> None:
    url = _cell(row, "Image Src")
    if not url:
        return
    raw_position = _cell(row, "Image Position")
    position = int(raw_position) - 1 if raw_position.isdigit() and int(raw_position) > 0 else None
    product.add_image(url, _cell(row, "Image Alt Text"), position)


def _variant(
    row: Row,
    row_number: int,
    product: ParsedProduct,
    option_names: dict[int, str],
    default_location: str,
) -> ParsedVariant | Rejection:
    size, colour, options = variant_fields(
        [(option_names.get(slot, ""), _cell(row, f"Option{slot} Value")) for slot in OPTION_SLOTS]
    )
    sku = _cell(row, "Variant SKU") or None
    try:
        price = parse_price(_cell(row, "Variant Price"))
        compare_at = parse_price(_cell(row, "Variant Compare At Price"), label="compare-at price")
        quantity = parse_quantity(row.get("variant inventory qty"))
    except ValueError as exc:
        return Rejection(row_number, str(exc), product.handle, sku)
    if price is None:
        return Rejection(row_number, "missing Variant Price", product.handle, sku)
    return ParsedVariant(
        row=row_number,
        sku=sku or generated_sku(product.handle, [value for _, value in options]),
        size=size,
        colour=colour,
        price_cents=price,
        compare_at_cents=compare_at if compare_at and compare_at > price else None,
        stock={} if quantity is None else {default_location: quantity},
        options=options,
        image_url=_cell(row, "Variant Image") or None,
    )


def _is_published(row: Row) -> bool:
    status = _cell(row, "Status").lower()
    published = _cell(row, "Published").lower()
    return status in ("", "active") and published not in ("false", "no", "0")


def _read_rows(path: Path) -> list[Row]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
            missing = [c for c in REQUIRED_COLUMNS if c.lower() not in columns]
            if missing:
                raise ImportFailed(
                    str(path),
                    f"not a Shopify product export: missing column(s) {', '.join(missing)}. "
                    "Export from Shopify admin > Products > Export, or use --format csv.",
                )
            return [_normalise(row) for row in reader]
    except OSError as exc:
        raise ImportFailed(str(path), exc.strerror or str(exc)) from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFailed(str(path), f"unreadable CSV ({exc}); save it as UTF-8") from exc


def parse_shopify_csv(path: Path, *, default_location: str) -> ParseResult:
    rows = _read_rows(path)
    result = ParseResult(rows_read=len(rows))
    products: dict[str, ParsedProduct | Rejection] = {}
    option_names: dict[str, dict[int, str]] = {}
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
            option_names[handle] = {slot: _cell(row, f"Option{slot} Name") for slot in OPTION_SLOTS}
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
        if isinstance(current, Rejection):
            continue
        _add_image(row, current)
        if _is_image_row(row):
            continue
        if row_number not in current.rows:
            current.rows.append(row_number)
        variant = _variant(row, row_number, current, option_names[handle], default_location)
        if isinstance(variant, Rejection):
            result.rejected.append(variant)
        else:
            current.variants.append(variant)
    return result
