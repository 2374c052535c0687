"""A compact columnar side table of the catalog: what filters and hits need, without the DB.

Product-level columns (category, subcategory, brand, material codes) and variant-level
columns (product row, colour code, size code, price) are numpy arrays, so a filter such as
"blue AND size 42 AND under 80 EUR on the same variant" is a few vectorised comparisons
over every variant of a 50,000-product catalog.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shop.api import Product
from knowledge.api import SearchFilters
from knowledge.synonyms import colour_candidates
from knowledge.text import fold, normalise_term

NO_PRICE = np.iinfo(np.int64).max
_PRODUCT_FIELDS = ("category", "subcategory", "brand", "material")
_VARIANT_FIELDS = ("colour", "size")


def norm_size(value: str) -> str:
    """ "eu 42" -> "42", "xl" -> "XL", "42.5" stays."""
    text = fold(value).strip()
    for prefix in ("eu ", "size "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return " ".join(text.split()).upper()


def norm_value(field: str, value: str) -> str:
    return norm_size(value) if field == "size" else normalise_term(value)


@dataclass(frozen=True)
class ProductRow:
    """What a search hit shows about a product."""

    product_id: str
    title: str
    brand: str
    category: str
    subcategory: str
    colours: tuple[str, ...]
    sizes: tuple[str, ...]
    image_url: str | None


class _Codes:
    """Value -> small integer code, per field."""

    def __init__(self, values: list[str] | None = None) -> None:
        self.values: list[str] = values or []
        self.index: dict[str, int] = {v: i for i, v in enumerate(self.values)}

    def code(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = len(self.values)
            self.values.append(value)
            self.index[value] = found
        return found


class CatalogTable:
    def __init__(
        self,
        rows: list[ProductRow],
        product_codes: dict[str, np.ndarray],
        variant_product: np.ndarray,
        variant_codes: dict[str, np.ndarray],
        variant_price: np.ndarray,
        vocab: dict[str, list[str]],
    ) -> None:
        self.rows = rows
        self.ids = [row.product_id for row in rows]
        self._product_codes = product_codes
        self._variant_product = variant_product
        self._variant_codes = variant_codes
        self._variant_price = variant_price
        self._vocab = {field: _Codes(values) for field, values in vocab.items()}
        # Variants are stored product by product: each product's first variant row.
        self._offsets = np.flatnonzero(
            np.r_[True, variant_product[1:] != variant_product[:-1]]
        ).astype(np.int64)
        if len(rows) and len(self._offsets) != len(rows):
            raise ValueError("Every product in the table must have at least one variant.")
        self.min_price = (
            np.minimum.reduceat(variant_price, self._offsets)
            if len(rows)
            else np.zeros(0, dtype=np.int64)
        )

    def __len__(self) -> int:
        return len(self.rows)

    # building -------------------------------------------------------------------------
    @classmethod
    def from_products(cls, products: Iterable[Product]) -> CatalogTable:
        rows: list[ProductRow] = []
        vocab = {field: _Codes() for field in (*_PRODUCT_FIELDS, *_VARIANT_FIELDS)}
        pcodes: dict[str, list[int]] = {field: [] for field in _PRODUCT_FIELDS}
        vproduct: list[int] = []
        vcodes: dict[str, list[int]] = {field: [] for field in _VARIANT_FIELDS}
        vprice: list[int] = []
        for product in products:
            if not product.variants:
                continue
            row = len(rows)
            rows.append(
                ProductRow(
                    product_id=product.id,
                    title=product.title,
                    brand=product.brand,
                    category=product.category,
                    subcategory=product.subcategory,
                    colours=product.colours,
                    sizes=product.sizes,
                    image_url=product.image_url,
                )
            )
            for field in _PRODUCT_FIELDS:
                value = getattr(product, field)
                pcodes[field].append(vocab[field].code(norm_value(field, value)) if value else -1)
            for variant in product.variants:
                vproduct.append(row)
                vprice.append(variant.price_cents)
                for field in _VARIANT_FIELDS:
                    value = getattr(variant, field)
                    vcodes[field].append(
                        vocab[field].code(norm_value(field, value)) if value else -1
                    )
        return cls(
            rows,
            {f: np.asarray(v, dtype=np.int32) for f, v in pcodes.items()},
            np.asarray(vproduct, dtype=np.int32),
            {f: np.asarray(v, dtype=np.int32) for f, v in vcodes.items()},
            np.asarray(vprice, dtype=np.int64),
            {field: codes.values for field, codes in vocab.items()},
        )

    # persistence ----------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {
            "variant_product": self._variant_product,
            "variant_price": self._variant_price,
        }
        arrays |= {f"p_{f}": a for f, a in self._product_codes.items()}
        arrays |= {f"v_{f}": a for f, a in self._variant_codes.items()}
        np.savez(folder / "table.npz", **arrays)
        meta = {
            "vocab": {field: codes.values for field, codes in self._vocab.items()},
            "rows": [
                [
                    r.product_id,
                    r.title,
                    r.brand,
                    r.category,
                    r.subcategory,
                    list(r.colours),
                    list(r.sizes),
                    r.image_url,
                ]
                for r in self.rows
            ],
        }
        (folder / "table.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> CatalogTable:
        meta = json.loads((folder / "table.json").read_text("utf-8"))
        rows = [
            ProductRow(pid, title, brand, cat, sub, tuple(colours), tuple(sizes), image)
            for pid, title, brand, cat, sub, colours, sizes, image in meta["rows"]
        ]
        with np.load(folder / "table.npz") as data:
            pcodes = {f: data[f"p_{f}"] for f in _PRODUCT_FIELDS}
            vcodes = {f: data[f"v_{f}"] for f in _VARIANT_FIELDS}
            vproduct = data["variant_product"]
            vprice = data["variant_price"]
        return cls(rows, pcodes, vproduct, vcodes, vprice, meta["vocab"])

    # filtering ------------------------------------------------------------------------
    def _code_of(self, field: str, value: str) -> int | None:
        codes = self._vocab[field]
        candidates = colour_candidates(value) if field == "colour" else (value,)
        for candidate in candidates:
            found = codes.index.get(norm_value(field, candidate))
            if found is not None:
                return found
        return None

    def match(self, filters: SearchFilters) -> tuple[np.ndarray, np.ndarray]:
        """Rows that satisfy every filter, and each row's cheapest matching variant price.

        Colour, size and price are checked on the same variant; a row that matches has a
        price below ``NO_PRICE``.
        """
        mask = np.ones(len(self.rows), dtype=bool)
        for field in _PRODUCT_FIELDS:
            value = getattr(filters, field)
            if value is None:
                continue
            code = self._code_of(field, value)
            if code is None:
                mask[:] = False
            else:
                mask &= self._product_codes[field] == code
        variant_filters = (
            filters.colour,
            filters.size,
            filters.price_min_cents,
            filters.price_max_cents,
        )
        if all(value is None for value in variant_filters):
            return mask, self.min_price
        vmask = np.ones(len(self._variant_price), dtype=bool)
        for field in _VARIANT_FIELDS:
            value = getattr(filters, field)
            if value is None:
                continue
            code = self._code_of(field, value)
            if code is None:
                vmask[:] = False
            else:
                vmask &= self._variant_codes[field] == code
        if filters.price_min_cents is not None:
            vmask &= self._variant_price >= filters.price_min_cents
        if filters.price_max_cents is not None:
            vmask &= self._variant_price <= filters.price_max_cents
        prices = np.where(vmask, self._variant_price, NO_PRICE)
        price_from = np.minimum.reduceat(prices, self._offsets) if len(self.rows) else prices
        mask &= price_from < NO_PRICE
        return mask, price_from
