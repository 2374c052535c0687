"""Place every imported product in the merchant's taxonomy, or suggest where it goes.

No product is rejected for its category. In order:

1. the path the file gives (Shopify "Product Category" or a 'category:' tag, the generic
   "category" column) is kept as it is;
2. a product with only a type takes the path that the catalog's other products of the
   same type have (the most common one), so "Type: Sofa" joins "... > Furniture > Sofas";
3. when the file has no category path at all, its types are the taxonomy: a one-level
   tree ("Sofa", "Bracelet");
4. anything left is uncategorised, with a suggestion from ``CategorySuggester`` trained on
   the products that have a category (this file's and the shop's), and its confidence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shop.api import CategoryPath
from shop.importers.common import ParsedProduct
from shop.importers.suggest import CategorySuggester

DESCRIPTION_CHARS = 400  # enough to say what a product is; long care texts add noise


@dataclass(frozen=True)
class KnownProduct:
    """A product already in the shop that stays after the import: training data."""

    category_path: CategoryPath
    product_type: str
    text: str


def product_text(
    title: str,
    product_type: str,
    tags: Iterable[str],
    collections: Iterable[str],
    description: str,
) -> str:
    return " ".join([title, product_type, *tags, *collections, description[:DESCRIPTION_CHARS]])


def _text(product: ParsedProduct) -> str:
    return product_text(
        product.title,
        product.product_type,
        product.tags,
        product.collections,
        product.description,
    )


def _paths_by_type(
    products: Sequence[ParsedProduct], existing: Sequence[KnownProduct]
) -> dict[str, CategoryPath]:
    seen: dict[str, Counter[CategoryPath]] = {}
    pairs = [(p.product_type, p.category_path) for p in products] + [
        (k.product_type, k.category_path) for k in existing
    ]
    for product_type, path in pairs:
        if product_type and path:
            seen.setdefault(product_type.casefold(), Counter())[path] += 1
    return {
        kind: min(counts, key=lambda path: (-counts[path], path)) for kind, counts in seen.items()
    }


def categorise(products: Sequence[ParsedProduct], existing: Sequence[KnownProduct] = ()) -> None:
    """Fill ``category_path`` or ``suggested_category``/``suggestion_confidence`` in place."""
    file_has_paths = any(p.category_path for p in products)
    by_type = _paths_by_type(products, existing)
    for product in products:
        if product.category_path or not product.product_type:
            continue
        if product.product_type.casefold() in by_type:
            product.category_path = by_type[product.product_type.casefold()]
        elif not file_has_paths:
            product.category_path = (product.product_type,)
    uncategorised = [p for p in products if not p.category_path]
    if not uncategorised:
        return
    suggester = CategorySuggester(
        [(p.category_path, _text(p)) for p in products if p.category_path]
        + [(k.category_path, k.text) for k in existing if k.category_path]
    )
    for product in uncategorised:
        suggestion = suggester.suggest(_text(product))
        if suggestion is not None:
            product.suggested_category = suggestion.path
            product.suggestion_confidence = suggestion.confidence
