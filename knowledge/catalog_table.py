"""A compact columnar side table of the catalog: what filters and hits need, without the DB.

Product columns (brand and material codes; every node of the category path and the
product type as many-valued columns) and variant columns (product row, colour code, size
code, price, and every merchant option as (name, value) code pairs) are numpy arrays, so a
filter such as "blue AND size 42 AND oak AND under 80 EUR on the same variant" is a few
vectorised comparisons over every variant of a 50,000-product catalog.

Every value is compared in its normalised form (``normalise_term``: folded, singular), so
"Sofas", "sofa" and "SOFA" are one value; sizes keep their own form ("eu 42" -> "42").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.api import SearchFilters
from knowledge.synonyms import colour_candidates
from knowledge.text import fold, normalise_term
from shop.api import Product

NO_PRICE = np.iinfo(np.int64).max
_SINGLE_FIELDS = ("brand", "material")  # one value per product
_MANY_FIELDS = ("category", "subcategory")  # several values per product
_VARIANT_FIELDS = ("colour", "size")
_OPTION_FIELDS = ("option_name", "option_value")
ANY_OPTION = ""  # an option filter with this name matches the value under any option name
TABLE_VERSION = 2


def norm_size(value: str) -> str:
    """ "eu 42" -> "42", "xl" -> "XL", "42.5" stays."""
    text = fold(value).strip()
    for prefix in ("eu ", "size "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return " ".join(text.split()).upper()


def norm_value(field: str, value: str) -> str:
    return norm_size(value) if field == "size" else normalise_term(value)


def category_values(product: Product) -> list[str]:
    """Every node of the product's path: "Home > Furniture > Sofas" is in all three."""
    return [node for node in product.category_path if node.strip()]


def subcategory_values(product: Product) -> list[str]:
    """The most specific category and the product type: what a shopper names it by."""
    values = [product.category_path[-1]] if product.category_path else []
    if product.product_type.strip():
        values.append(product.product_type)
    return values


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
    category_path: tuple[str, ...] = ()


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


@dataclass(frozen=True)
class _Pairs:
    """A many-valued column: (row, code) pairs, one per value."""

    rows: np.ndarray  # int32
    codes: np.ndarray  # int32

    def holders(self, code: int, size: int) -> np.ndarray:
        mask = np.zeros(size, dtype=bool)
        mask[self.rows[self.codes == code]] = True
        return mask


class CatalogTable:
    def __init__(
        self,
        rows: list[ProductRow],
        single: dict[str, np.ndarray],
        many: dict[str, _Pairs],
        variant_product: np.ndarray,
        variant_codes: dict[str, np.ndarray],
        variant_price: np.ndarray,
        options: tuple[np.ndarray, np.ndarray, np.ndarray],  # variant row, name, value codes
        vocab: dict[str, list[str]],
    ) -> None:
        self.rows = rows
        self.ids = [row.product_id for row in rows]
        self._single = single
        self._many = many
        self._variant_product = variant_product
        self._variant_codes = variant_codes
        self._variant_price = variant_price
        self._options = options
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
        fields = (*_SINGLE_FIELDS, *_MANY_FIELDS, *_VARIANT_FIELDS, *_OPTION_FIELDS)
        vocab = {field: _Codes() for field in fields}
        single: dict[str, list[int]] = {field: [] for field in _SINGLE_FIELDS}
        many: dict[str, tuple[list[int], list[int]]] = {f: ([], []) for f in _MANY_FIELDS}
        vproduct: list[int] = []
        vcodes: dict[str, list[int]] = {field: [] for field in _VARIANT_FIELDS}
        vprice: list[int] = []
        orow: list[int] = []
        oname: list[int] = []
        ovalue: list[int] = []
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
                    category_path=tuple(product.category_path),
                )
            )
            for field in _SINGLE_FIELDS:
                value = getattr(product, field)
                single[field].append(vocab[field].code(norm_value(field, value)) if value else -1)
            for field, values in (
                ("category", category_values(product)),
                ("subcategory", subcategory_values(product)),
            ):
                seen: set[int] = set()
                for value in values:
                    code = vocab[field].code(norm_value(field, value))
                    if code not in seen:
                        seen.add(code)
                        many[field][0].append(row)
                        many[field][1].append(code)
            for variant in product.variants:
                vrow = len(vproduct)
                vproduct.append(row)
                vprice.append(variant.price_cents)
                for field in _VARIANT_FIELDS:
                    value = getattr(variant, field)
                    vcodes[field].append(
                        vocab[field].code(norm_value(field, value)) if value else -1
                    )
                for name, value in variant.options:
                    if not value.strip():
                        continue
                    orow.append(vrow)
                    oname.append(vocab["option_name"].code(normalise_term(name)))
                    ovalue.append(vocab["option_value"].code(normalise_term(value)))

        def ints(values: list[int]) -> np.ndarray:
            return np.asarray(values, dtype=np.int32)

        return cls(
            rows,
            {f: ints(v) for f, v in single.items()},
            {f: _Pairs(ints(r), ints(c)) for f, (r, c) in many.items()},
            ints(vproduct),
            {f: ints(v) for f, v in vcodes.items()},
            np.asarray(vprice, dtype=np.int64),
            (ints(orow), ints(oname), ints(ovalue)),
            {field: codes.values for field, codes in vocab.items()},
        )

    # persistence ----------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {
            "variant_product": self._variant_product,
            "variant_price": self._variant_price,
            "option_variant": self._options[0],
            "option_name": self._options[1],
            "option_value": self._options[2],
        }
        arrays |= {f"p_{f}": a for f, a in self._single.items()}
        arrays |= {f"m_{f}_rows": pairs.rows for f, pairs in self._many.items()}
        arrays |= {f"m_{f}_codes": pairs.codes for f, pairs in self._many.items()}
        arrays |= {f"v_{f}": a for f, a in self._variant_codes.items()}
        np.savez(folder / "table.npz", **arrays)
        meta = {
            "version": TABLE_VERSION,
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
                    list(r.category_path),
                ]
                for r in self.rows
            ],
        }
        (folder / "table.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> CatalogTable:
        meta = json.loads((folder / "table.json").read_text("utf-8"))
        if meta.get("version") != TABLE_VERSION:
            raise ValueError(f"{folder}/table.json is of another version; rebuild the index.")
        rows = [
            ProductRow(
                pid, title, brand, cat, sub, tuple(colours), tuple(sizes), image, tuple(path)
            )
            for pid, title, brand, cat, sub, colours, sizes, image, path in meta["rows"]
        ]
        with np.load(folder / "table.npz") as data:
            single = {f: data[f"p_{f}"] for f in _SINGLE_FIELDS}
            many = {f: _Pairs(data[f"m_{f}_rows"], data[f"m_{f}_codes"]) for f in _MANY_FIELDS}
            vcodes = {f: data[f"v_{f}"] for f in _VARIANT_FIELDS}
            options = (data["option_variant"], data["option_name"], data["option_value"])
            vproduct = data["variant_product"]
            vprice = data["variant_price"]
        return cls(rows, single, many, vproduct, vcodes, vprice, options, meta["vocab"])

    # what the catalog has -------------------------------------------------------------
    def coverage(self) -> dict[str, float]:
        """Share of products with a value for each facet (0..1): how sure a word is a filter.

        A colour word in a catalog where 2% of products have a colour is more likely part
        of a product name ("painter blue tape") than a constraint.
        """
        size = max(1, len(self.rows))
        shares: dict[str, float] = {}
        for field, column in self._single.items():
            shares[field] = float(np.count_nonzero(column >= 0)) / size
        for field, pairs in self._many.items():
            shares[field] = float(len(np.unique(pairs.rows))) / size
        for field, column in self._variant_codes.items():
            rows = self._variant_product[column >= 0]
            shares[field] = float(len(np.unique(rows))) / size
        option_rows = self._variant_product[self._options[0]] if len(self._options[0]) else []
        shares["options"] = float(len(np.unique(option_rows))) / size
        return shares

    def known(self, field: str, value: str) -> bool:
        """Whether some product has ``value`` for ``field`` (any option name for "options")."""
        if field == "options":
            return normalise_term(value) in self._vocab["option_value"].index
        return len(self._codes_of(field, value)) > 0

    # filtering ------------------------------------------------------------------------
    def _code_of(self, field: str, value: str) -> int | None:
        codes = self._vocab[field]
        candidates = colour_candidates(value) if field == "colour" else (value,)
        for candidate in candidates:
            found = codes.index.get(norm_value(field, candidate))
            if found is not None:
                return found
        return None

    def _codes_of(self, field: str, value: str) -> np.ndarray:
        """Codes a filter value stands for: a material word stands for every material that
        holds it ("leather" is "full-grain leather" too); other fields, their one code."""
        if field == "material":
            wanted = set(normalise_term(value).split())
            found = [
                code
                for code, known in enumerate(self._vocab[field].values)
                if wanted and wanted <= set(known.split())
            ]
            return np.asarray(found, dtype=np.int32)
        code = self._code_of(field, value)
        return np.asarray([] if code is None else [code], dtype=np.int32)

    def _option_variants(self, name: str, value: str) -> np.ndarray:
        """Variants that have option ``name`` (or any name) set to ``value``."""
        vmask = np.zeros(len(self._variant_price), dtype=bool)
        value_code = self._vocab["option_value"].index.get(normalise_term(value))
        if value_code is None:
            return vmask
        rows, names, values = self._options
        hit = values == value_code
        if name != ANY_OPTION:
            name_code = self._vocab["option_name"].index.get(normalise_term(name))
            if name_code is None:
                return vmask
            hit &= names == name_code
        vmask[rows[hit]] = True
        return vmask

    def match(self, filters: SearchFilters) -> tuple[np.ndarray, np.ndarray]:
        """Rows that satisfy every filter, and each row's cheapest matching variant price.

        Colour, size, options and price are checked on the same variant; a row that
        matches has a price below ``NO_PRICE``.
        """
        size = len(self.rows)
        mask = np.ones(size, dtype=bool)
        for field in _SINGLE_FIELDS:
            value = getattr(filters, field)
            if value is None:
                continue
            codes = self._codes_of(field, value)
            mask &= np.isin(self._single[field], codes)
        for field in _MANY_FIELDS:
            value = getattr(filters, field)
            if value is None:
                continue
            code = self._code_of(field, value)
            if code is None:
                mask[:] = False
            else:
                mask &= self._many[field].holders(code, size)
        variant_filters = (
            filters.colour,
            filters.size,
            filters.price_min_cents,
            filters.price_max_cents,
        )
        if all(value is None for value in variant_filters) and not filters.options:
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
        for name, value in filters.options:
            vmask &= self._option_variants(name, value)
        if filters.price_min_cents is not None:
            vmask &= self._variant_price >= filters.price_min_cents
        if filters.price_max_cents is not None:
            vmask &= self._variant_price <= filters.price_max_cents
        prices = np.where(vmask, self._variant_price, NO_PRICE)
        price_from = np.minimum.reduceat(prices, self._offsets) if size else prices
        mask &= price_from < NO_PRICE
        return mask, price_from
