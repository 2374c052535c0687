"""Import a merchant catalog (Shopify CSV export, generic CSV or JSON) into the shop database.

All or nothing: the whole import runs in one transaction. A fatal problem (unreadable
file, wrong format, database error) raises ``ImportFailed`` and writes nothing. Rows
that cannot be used (missing title, bad price, duplicate SKU, ...) are skipped and
reported in ``ImportReport.rejected``; with ``strict=True`` any rejected row raises
``ImportAborted`` instead and nothing is written.

Products are upserted by id (the Shopify handle, or ``product_id``/``handle`` in the
generic formats): an imported product's fields and variants replace the stored ones;
products that are not in the file are left alone. Formats: docs/importing.md.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, get_args

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload
from tqdm import tqdm

from shop import policy
from shop.db import (
    InventoryRow,
    LocationRow,
    ProductRow,
    VariantRow,
    create_schema,
    write_engine,
)
from shop.importers.common import (
    ImportAborted,
    ImportFailed,
    ParsedProduct,
    ParseResult,
    Rejection,
)
from shop.importers.generic import parse_generic_csv, parse_generic_json
from shop.importers.shopify import parse_shopify_csv
from shop.sql_service import utc_now

logger = logging.getLogger(__name__)

ImportFormat = Literal["shopify", "csv", "json"]
IMPORT_FORMATS: tuple[str, ...] = get_args(ImportFormat)
_PARSERS: dict[str, Callable[..., ParseResult]] = {
    "shopify": parse_shopify_csv,
    "csv": parse_generic_csv,
    "json": parse_generic_json,
}

__all__ = [
    "IMPORT_FORMATS",
    "ImportAborted",
    "ImportFailed",
    "ImportFormat",
    "ImportReport",
    "Rejection",
    "import_catalog",
]


@dataclass(frozen=True)
class ImportReport:
    path: str
    format: str
    rows_read: int
    rows_imported: int  # variant rows written
    products_created: int
    products_updated: int
    variants_removed: int  # variants of updated products that the file no longer lists
    rejected: tuple[Rejection, ...]
    skipped: tuple[Rejection, ...]  # drafts / archived products: left out on purpose

    def summary(self, max_listed: int = 50) -> str:
        lines = [
            f"Imported {self.rows_imported} variant row(s) of {self.rows_read} row(s) read "
            f"from {self.path} ({self.format}): {self.products_created} product(s) created, "
            f"{self.products_updated} updated, {self.variants_removed} old variant(s) removed.",
        ]
        if self.skipped:
            lines.append(f"Skipped {len(self.skipped)} unpublished product(s).")
        if self.rejected:
            lines.append(f"Rejected {len(self.rejected)} row(s):")
            lines.extend(f"  {r}" for r in self.rejected[:max_listed])
            if len(self.rejected) > max_listed:
                lines.append(f"  ... and {len(self.rejected) - max_listed} more")
        return "\n".join(lines)


def _validate(session: Session, parsed: ParseResult, known_locations: set[str]) -> None:
    """Reject variants and products that would break the catalog (in place)."""
    first_row: dict[str, int] = {}
    all_skus = [v.sku for p in parsed.products for v in p.variants if v.sku]
    owners: dict[str, str] = {}
    for start in range(0, len(all_skus), 500):
        chunk = all_skus[start : start + 500]
        owners.update(
            session.execute(
                select(VariantRow.sku, VariantRow.product_id).where(VariantRow.sku.in_(chunk))
            ).all()
        )
    handles = [p.handle for p in parsed.products]
    handle_owner: dict[str, str] = {}
    for start in range(0, len(handles), 500):
        handle_owner.update(
            session.execute(
                select(ProductRow.handle, ProductRow.id).where(
                    ProductRow.handle.in_(handles[start : start + 500])
                )
            ).all()
        )
    kept: list[ParsedProduct] = []
    seen_handles: dict[str, str] = {}
    for product in parsed.products:
        owner = handle_owner.get(product.handle) or seen_handles.get(product.handle)
        if owner is not None and owner != product.id:
            parsed.rejected.append(
                Rejection(
                    product.row,
                    f"handle {product.handle!r} is already used by product {owner}",
                    product.handle,
                )
            )
            continue
        seen_handles[product.handle] = product.id
        variants = []
        for variant in product.variants:
            assert variant.sku is not None
            unknown = sorted(set(variant.stock) - known_locations)
            reason = None
            if variant.sku in first_row:
                reason = f"duplicate SKU {variant.sku} (first on row {first_row[variant.sku]})"
            elif owners.get(variant.sku, product.id) != product.id:
                reason = f"SKU {variant.sku} already belongs to product {owners[variant.sku]}"
            elif unknown:
                reason = f"unknown location(s) {', '.join(unknown)}"
            if reason:
                parsed.rejected.append(Rejection(variant.row, reason, product.handle, variant.sku))
                continue
            first_row[variant.sku] = variant.row
            variants.append(variant)
        product.variants = variants
        if not variants:
            parsed.rejected.append(Rejection(product.row, "no valid variant left", product.handle))
            continue
        kept.append(product)
    parsed.products = kept
    parsed.rejected.sort(key=lambda r: r.row)


def _ensure_locations(session: Session) -> set[str]:
    known = set(session.scalars(select(LocationRow.code)))
    for location in policy.LOCATIONS:
        if location.code not in known:
            session.add(
                LocationRow(
                    code=location.code,
                    name=location.name,
                    city=location.city,
                    kind=location.kind,
                    address=location.address,
                )
            )
            known.add(location.code)
    session.flush()
    return known


def _write_product(session: Session, product: ParsedProduct, now: datetime) -> tuple[bool, int]:
    """Upsert one product; returns (created, variants removed)."""
    row = session.get(ProductRow, product.id, options=[selectinload(ProductRow.variants)])
    created = row is None
    if row is None:
        row = ProductRow(id=product.id, created_at=now, variants=[])
        session.add(row)
    row.handle = product.handle
    row.title = product.title
    row.brand = product.brand
    row.category = product.category
    row.subcategory = product.subcategory
    row.description = product.description
    row.material = product.material
    row.attributes = dict(product.attributes)
    row.tags = list(product.tags)
    row.image_url = product.image_url
    row.updated_at = now
    existing = {v.sku: v for v in row.variants}
    wanted = {v.sku for v in product.variants}
    removed = [v for v in row.variants if v.sku not in wanted]
    for variant_row in removed:
        row.variants.remove(variant_row)
    for position, variant in enumerate(product.variants):
        assert variant.sku is not None
        target = existing.get(variant.sku)
        if target is None:
            target = VariantRow(sku=variant.sku)
            row.variants.append(target)
        target.position = position
        target.size = variant.size
        target.colour = variant.colour
        target.price_cents = variant.price_cents
        target.compare_at_cents = variant.compare_at_cents
    session.flush()
    for variant in product.variants:
        assert variant.sku is not None
        for code, quantity in variant.stock.items():
            stock = session.get(InventoryRow, (variant.sku, code))
            if stock is None:
                session.add(
                    InventoryRow(sku=variant.sku, location_code=code, on_hand=quantity, reserved=0)
                )
            else:
                stock.on_hand = quantity
    return created, len(removed)


def import_catalog(
    engine: Engine,
    path: Path,
    fmt: str,
    *,
    strict: bool = False,
    location: str = "WH-PARIS",
    progress: bool = True,
    clock: Callable[[], datetime] = utc_now,
) -> ImportReport:
    """Import ``path`` in format ``fmt`` ("shopify", "csv" or "json") in one transaction.

    ``location`` receives single stock quantities (Shopify's Variant Inventory Qty, a
    generic ``stock`` number). Raises ``ImportFailed`` (nothing written) or, with
    ``strict``, ``ImportAborted`` when any row is rejected (nothing written).
    """
    if fmt not in _PARSERS:
        raise ImportFailed(
            str(path), f"unknown format {fmt!r}; use one of {', '.join(IMPORT_FORMATS)}"
        )
    if not path.is_file():
        raise ImportFailed(str(path), "no such file")
    parsed = _PARSERS[fmt](path, default_location=location.upper())
    if not parsed.products and not parsed.rejected and not parsed.skipped:
        raise ImportFailed(str(path), "the file holds no products")
    created = updated = removed = imported = 0
    try:
        create_schema(engine)
        with Session(write_engine(engine)) as session, session.begin():
            known = _ensure_locations(session)
            _validate(session, parsed, known)
            if strict and parsed.rejected:
                raise ImportAborted(str(path), parsed.rejected)
            now = clock()
            bar = tqdm(
                parsed.products,
                desc="Importing",
                unit="product",
                file=sys.stderr,
                disable=not progress,
            )
            for product in bar:
                was_created, gone = _write_product(session, product, now)
                created += was_created
                updated += not was_created
                removed += gone
                imported += len(product.variants)
    except SQLAlchemyError as exc:
        detail = getattr(exc, "orig", None) or exc
        raise ImportFailed(str(path), f"database error, nothing was written: {detail}") from exc
    report = ImportReport(
        path=str(path),
        format=fmt,
        rows_read=parsed.rows_read,
        rows_imported=imported,
        products_created=created,
        products_updated=updated,
        variants_removed=removed,
        rejected=tuple(parsed.rejected),
        skipped=tuple(parsed.skipped),
    )
    logger.info("Catalog import: %d variants, %d rejected", imported, len(report.rejected))
    return report
