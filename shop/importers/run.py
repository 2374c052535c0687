"""Import a merchant catalog (Shopify CSV export, generic CSV or JSON) into the shop database.

All or nothing: the whole import runs in one transaction. A fatal problem (unreadable
file, wrong format, database error) raises ``ImportFailed`` and writes nothing. Rows
that cannot be used (missing title, bad price, duplicate SKU, ...) are skipped and
reported in ``ImportReport.rejected``; with ``strict=True`` any rejected row raises
``ImportAborted`` instead and nothing is written.

Products are upserted by id (the Shopify handle, or ``product_id``/``handle`` in the
generic formats): an imported product's fields, images and variants replace the stored
ones; products that are not in the file are left alone, or, with ``replace=True``, removed
in the same transaction (the shop then sells the merchant's catalog alone; orders stay).
No product is rejected for its category (``shop.importers.categorise``). Formats:
docs/importing.md.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, get_args

from sqlalchemy import Engine, Result, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload
from tqdm import tqdm

from shop import policy
from shop.api import CategoryPath, Product
from shop.db import (
    CartLineRow,
    ImageRow,
    InventoryRow,
    LocationRow,
    OrderRow,
    ProductRow,
    VariantRow,
    create_schema,
    write_engine,
)
from shop.importers.categorise import KnownProduct, categorise, product_text
from shop.importers.common import (
    ImportAborted,
    ImportFailed,
    ParsedProduct,
    ParseResult,
    Rejection,
)
from shop.importers.generic import parse_generic_csv, parse_generic_json
from shop.importers.shopify import parse_shopify_csv
from shop.records import image_columns, product_columns, variant_columns
from shop.sql_service import utc_now
from shop.taxonomy import path_from_key, path_label, tree_of

logger = logging.getLogger(__name__)
_CHUNK = 500

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
    "Replaced",
    "Uncategorised",
    "import_catalog",
]


@dataclass(frozen=True)
class Uncategorised:
    """A product the file gives no category, with the classifier's suggestion (if any)."""

    product_id: str
    title: str
    suggestion: CategoryPath
    confidence: float | None

    def __str__(self) -> str:
        if not self.suggestion or self.confidence is None:
            return f"{self.product_id} ({self.title}): no suggestion"
        return (
            f"{self.product_id} ({self.title}): suggested {path_label(self.suggestion)} "
            f"(confidence {self.confidence:.2f})"
        )


@dataclass(frozen=True)
class Replaced:
    """What ``--replace`` removed: every product that is not in the file, with its
    variants, stock and cart lines. Orders stay as history (their lines keep titles)."""

    products: int
    variants: int
    cart_lines: int
    orders_kept: int


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
    categories: int = 0  # nodes of the category tree of the imported products
    uncategorised: tuple[Uncategorised, ...] = ()
    replaced: Replaced | None = None

    def summary(self, max_listed: int = 50) -> str:
        lines = [
            f"Imported {self.rows_imported} variant row(s) of {self.rows_read} row(s) read "
            f"from {self.path} ({self.format}): {self.products_created} product(s) created, "
            f"{self.products_updated} updated, {self.variants_removed} old variant(s) removed.",
            f"Categories: {self.categories} node(s) in the imported products' tree; "
            f"{len(self.uncategorised)} product(s) uncategorised.",
        ]
        if self.replaced is not None:
            r = self.replaced
            lines.append(
                f"Replaced the previous catalog: removed {r.products} product(s), "
                f"{r.variants} variant(s) with their stock, {r.cart_lines} cart line(s); "
                f"kept {r.orders_kept} order(s) as history."
            )
        if self.uncategorised:
            lines.append("Uncategorised (a suggestion only; give them a category in the file):")
            lines.extend(f"  {u}" for u in self.uncategorised[:max_listed])
            if len(self.uncategorised) > max_listed:
                lines.append(f"  ... and {len(self.uncategorised) - max_listed} more")
        if self.skipped:
            lines.append(f"Skipped {len(self.skipped)} unpublished product(s).")
        if self.rejected:
            lines.append(f"Rejected {len(self.rejected)} row(s):")
            lines.extend(f"  {r}" for r in self.rejected[:max_listed])
            if len(self.rejected) > max_listed:
                lines.append(f"  ... and {len(self.rejected) - max_listed} more")
        return "\n".join(lines)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _validate(
    session: Session, parsed: ParseResult, known_locations: set[str], *, replace: bool
) -> None:
    """Reject variants and products that would break the catalog (in place).

    With ``replace`` the products that are not in the file are about to go, so their
    SKUs and handles are free for the file's products.
    """
    file_ids = {p.id for p in parsed.products}
    first_row: dict[str, int] = {}
    all_skus = [v.sku for p in parsed.products for v in p.variants if v.sku]
    owners: dict[str, str] = {}
    for chunk in _chunks(all_skus):
        owners.update(
            session.execute(
                select(VariantRow.sku, VariantRow.product_id).where(VariantRow.sku.in_(chunk))
            ).all()
        )
    handle_owner: dict[str, str] = {}
    for chunk in _chunks([p.handle for p in parsed.products]):
        handle_owner.update(
            session.execute(
                select(ProductRow.handle, ProductRow.id).where(ProductRow.handle.in_(chunk))
            ).all()
        )
    if replace:
        owners = {sku: pid for sku, pid in owners.items() if pid in file_ids}
        handle_owner = {h: pid for h, pid in handle_owner.items() if pid in file_ids}
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


def _staying_products(session: Session, parsed: ParseResult) -> list[KnownProduct]:
    """The shop's products that the import leaves in place: the classifier learns from them."""
    file_ids = {p.id for p in parsed.products}
    rows = session.execute(
        select(
            ProductRow.id,
            ProductRow.category_path,
            ProductRow.product_type,
            ProductRow.title,
            ProductRow.tags,
            ProductRow.collections,
            ProductRow.description,
        )
    )
    return [
        KnownProduct(
            category_path=path_from_key(key),
            product_type=kind or "",
            text=product_text(title, kind or "", tags or (), collections or (), description),
        )
        for pid, key, kind, title, tags, collections, description in rows
        if pid not in file_ids
    ]


def _remove_others(session: Session, keep: set[str]) -> Replaced:
    """Delete every product not in ``keep`` with its variants, images, stock and cart lines."""
    doomed = [pid for pid in session.scalars(select(ProductRow.id)) if pid not in keep]
    products = variants = cart_lines = 0
    for chunk in _chunks(doomed):
        skus = select(VariantRow.sku).where(VariantRow.product_id.in_(chunk))
        cart_lines += _deleted(
            session.execute(delete(CartLineRow).where(CartLineRow.sku.in_(skus)))
        )
        session.execute(delete(InventoryRow).where(InventoryRow.sku.in_(skus)))
        session.execute(delete(ImageRow).where(ImageRow.product_id.in_(chunk)))
        variants += _deleted(
            session.execute(delete(VariantRow).where(VariantRow.product_id.in_(chunk)))
        )
        products += _deleted(session.execute(delete(ProductRow).where(ProductRow.id.in_(chunk))))
    orders = int(session.scalar(select(func.count()).select_from(OrderRow)) or 0)
    logger.info("Replace: removed %d products, %d variants", products, variants)
    return Replaced(products=products, variants=variants, cart_lines=cart_lines, orders_kept=orders)


def _deleted(result: Result[Any]) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


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


def _write_product(session: Session, product: Product, now: datetime) -> tuple[bool, int]:
    """Upsert one product with its images and variants; returns (created, variants removed)."""
    row = session.get(
        ProductRow,
        product.id,
        options=[selectinload(ProductRow.variants), selectinload(ProductRow.images)],
    )
    created = row is None
    if row is None:
        row = ProductRow(id=product.id, created_at=now, variants=[], images=[])
        session.add(row)
    for name, value in product_columns(product).items():
        setattr(row, name, value)
    row.updated_at = now
    row.images.clear()
    row.images.extend(ImageRow(**image_columns(product.id, image)) for image in product.images)
    existing = {v.sku: v for v in row.variants}
    wanted = {v.sku for v in product.variants}
    removed = [v for v in row.variants if v.sku not in wanted]
    for variant_row in removed:
        row.variants.remove(variant_row)
    for position, variant in enumerate(product.variants):
        target = existing.get(variant.sku)
        if target is None:
            target = VariantRow(sku=variant.sku)
            row.variants.append(target)
        for name, value in variant_columns(variant, position).items():
            if name != "sku":
                setattr(target, name, value)
    session.flush()
    return created, len(removed)


def _write_stock(session: Session, product: ParsedProduct) -> None:
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


def import_catalog(
    engine: Engine,
    path: Path,
    fmt: str,
    *,
    strict: bool = False,
    replace: bool = False,
    location: str = "WH-PARIS",
    progress: bool = True,
    clock: Callable[[], datetime] = utc_now,
) -> ImportReport:
    """Import ``path`` in format ``fmt`` ("shopify", "csv" or "json") in one transaction.

    ``replace``: the shop keeps the file's products only (see ``Replaced``). ``location``
    receives single stock quantities (Shopify's Variant Inventory Qty, a generic ``stock``
    number). Raises ``ImportFailed`` (nothing written) or, with ``strict``,
    ``ImportAborted`` when any row is rejected (nothing written).
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
    if replace and not parsed.products:
        raise ImportFailed(str(path), "no product to import; --replace would empty the shop")
    created = updated = removed = imported = 0
    replaced: Replaced | None = None
    try:
        create_schema(engine)
        with Session(write_engine(engine)) as session, session.begin():
            known = _ensure_locations(session)
            if any(not product.category_path for product in parsed.products):
                staying = [] if replace else _staying_products(session, parsed)
                categorise(parsed.products, staying)
            _validate(session, parsed, known, replace=replace)
            if strict and parsed.rejected:
                raise ImportAborted(str(path), parsed.rejected)
            if replace:
                replaced = _remove_others(session, {p.id for p in parsed.products})
            now = clock()
            bar = tqdm(
                parsed.products,
                desc="Importing",
                unit="product",
                file=sys.stderr,
                disable=not progress,
            )
            for product in bar:
                was_created, gone = _write_product(session, product.record(), now)
                _write_stock(session, product)
                created += was_created
                updated += not was_created
                removed += gone
                imported += len(product.variants)
    except SQLAlchemyError as exc:
        detail = getattr(exc, "orig", None) or exc
        raise ImportFailed(str(path), f"database error, nothing was written: {detail}") from exc
    counts = Counter(p.category_path for p in parsed.products)
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
        categories=len(tree_of(counts)),
        uncategorised=tuple(
            Uncategorised(p.id, p.title, p.suggested_category, p.suggestion_confidence)
            for p in parsed.products
            if not p.category_path
        ),
        replaced=replaced,
    )
    logger.info("Catalog import: %d variants, %d rejected", imported, len(report.rejected))
    return report
