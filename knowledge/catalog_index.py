"""Build the product index: Chroma documents, a BM25 index and the columnar side table.

Everything lives under one folder (``<var>/knowledge/products``) plus the Chroma collection
``products``; a manifest written last records the catalog fingerprint, the model and the
index code version, so ``build_catalog_index`` skips when nothing changed.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api import ClientAPI

from knowledge.catalog_table import CatalogTable
from knowledge.embeddings import BUILD_THREADS, Embedder
from knowledge.lexical import LexicalIndex
from knowledge.manifest import Manifest, fingerprint
from knowledge.store import add_batched, existing_collection, fresh_collection
from shop.api import Product

log = logging.getLogger(__name__)

PRODUCTS_COLLECTION = "products"
INDEX_VERSION = 2  # bump when document text, table columns or tokenization change
ENCODE_BATCH = 256
# Texts per model call, sorted by length: small batches pad less (onnxruntime: 256 product
# documents in 10.5 s with 16 per call against 13.8 s with 64, measured on 2 busy cores).
MODEL_BATCH = 16
_DESCRIPTION_CHARS = 600


def product_document(product: Product) -> str:
    """The text that represents a product for lexical and vector matching."""
    kinds = [*reversed(product.category_path)]
    if product.product_type and product.product_type.casefold() not in (
        k.casefold() for k in kinds
    ):
        kinds.insert(0, product.product_type)
    options = {
        name: values
        for name, values in product.option_values.items()
        if name.casefold() not in ("size", "colour", "color")
    }
    parts = [
        product.title,
        f"by {product.brand}" if product.brand else "",
        f"{kinds[0]} ({', '.join(kinds[1:])})" if len(kinds) > 1 else "".join(kinds),
        f"material: {product.material}" if product.material else "",
        f"colours: {', '.join(product.colours)}" if product.colours else "",
        ", ".join(f"{name}: {', '.join(values)}" for name, values in options.items()),
        ", ".join(f"{k}: {v}" for k, v in product.attributes.items()),
        ", ".join(product.tags),
        product.description[:_DESCRIPTION_CHARS],
    ]
    return ". ".join(part for part in parts if part)


def lexical_document(product: Product) -> str:
    # The title twice: a word of the title matters more than one in the description.
    return f"{product.title}. {product_document(product)}"


def product_metadata(product: Product) -> dict[str, Any]:
    """Scalar metadata for Chroma ``where`` filters (lists are not scalar: joined)."""
    meta: dict[str, Any] = {
        "title": product.title,
        "brand": product.brand.lower(),
        "category": product.category.lower(),
        "subcategory": product.subcategory.lower(),
        "price_min_cents": product.price_from_cents,
        "price_max_cents": max(v.price_cents for v in product.variants),
        "colours": "|".join(c.lower() for c in product.colours),
        "sizes": "|".join(product.sizes),
    }
    if product.material:
        meta["material"] = product.material.lower()
    return meta


@dataclass(frozen=True)
class BuildReport:
    built: bool  # False: skipped, the index was up to date
    count: int
    seconds: float
    fingerprint: str


def _batches(items: Iterable[Product], size: int) -> Iterator[list[Product]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def catalog_up_to_date(client: ClientAPI, folder: Path, wanted: str) -> bool:
    manifest = Manifest.load(folder)
    if manifest is None or manifest.fingerprint != wanted:
        return False
    collection = existing_collection(client, PRODUCTS_COLLECTION)
    return (
        collection is not None
        and collection.count() == manifest.count
        and (folder / "table.npz").is_file()
        and (folder / "bm25").is_dir()
    )


def build_catalog_index(
    *,
    client: ClientAPI,
    folder: Path,
    embedder: Embedder,
    products: Iterable[Product],
    catalog_fingerprint: str,
    force: bool = False,
) -> BuildReport:
    """Index ``products`` unless the manifest says this catalog and model are indexed."""
    # the backend too: the index and the queries must come from the same embedder
    wanted = fingerprint(catalog_fingerprint, embedder.name, embedder.backend, str(INDEX_VERSION))
    started = time.perf_counter()
    if not force and catalog_up_to_date(client, folder, wanted):
        log.info("Product index is up to date (%s); skipping.", wanted[:12])
        manifest = Manifest.load(folder)
        return BuildReport(False, manifest.count if manifest else 0, 0.0, wanted)

    Manifest.remove(folder)  # a build that dies half-way leaves no valid manifest
    collection = fresh_collection(client, PRODUCTS_COLLECTION)
    kept: list[Product] = []
    lexical_texts: list[str] = []
    seen: set[str] = set()
    for batch in _batches(products, ENCODE_BATCH):
        usable = []
        for product in batch:
            if not product.variants:
                log.warning("Product %s has no variant (no price); not indexed.", product.id)
            elif product.id in seen:
                log.warning("Product id %s appears twice; the second one is ignored.", product.id)
            else:
                seen.add(product.id)
                usable.append(product)
        if not usable:
            continue
        documents = [product_document(p) for p in usable]
        vectors: np.ndarray = embedder.encode(
            documents, batch_size=MODEL_BATCH, threads=BUILD_THREADS
        )
        add_batched(
            client,
            collection,
            ids=[p.id for p in usable],
            embeddings=vectors,
            documents=documents,
            metadatas=[product_metadata(p) for p in usable],
        )
        kept.extend(usable)
        lexical_texts.extend(lexical_document(p) for p in usable)
        log.info("Indexed %d products", len(kept))

    staging = folder.with_name(folder.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    table = CatalogTable.from_products(kept)
    table.save(staging)
    LexicalIndex.build(lexical_texts).save(staging / "bm25")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    Manifest(
        fingerprint=wanted,
        source_fingerprint=catalog_fingerprint,
        model=embedder.name,
        index_version=INDEX_VERSION,
        count=len(kept),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
    ).save(folder)
    seconds = time.perf_counter() - started
    log.info("Product index built: %d products in %.1f s", len(kept), seconds)
    return BuildReport(True, len(kept), seconds, wanted)
