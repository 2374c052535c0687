"""The catalog vocabulary: every word the assistant knows about the catalog, from the catalog.

One builder serves both sources, so the words are the same whether they are computed from
a list of products (tests, benchmarks: ``vocabulary_of``) or from the database
(``SqlShopService.vocabulary`` feeds it grouped rows). Nothing here names a category.

What goes in (all lower case except brands, which keep the merchant's spelling):

- categories: every node name of the category tree;
- subcategories: what ``Product.subcategory`` can be (each product's most specific node,
  or its type when it has no category), so a filter on one always matches products;
- colours, sizes, materials, brands; option names other than size and colour, with values;
- synonyms (other surface form -> catalog word): singular and plural of every category
  name, and a product type that differs from its category's name when every product of
  that type sits in that one category ("ankle boots" -> "boots", "sofa" -> "sofas").
  A form that is already a catalog word, or would point to two words, is left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from shop.api import CatalogVocabulary, CategoryPath, Product
from shop.variants import option_kind, sorted_sizes


def fold(text: str) -> str:
    """Lower case with whitespace collapsed: the form every vocabulary list uses."""
    return " ".join(text.split()).casefold()


def number_forms(phrase: str) -> tuple[str, ...]:
    """The phrase with its last word in singular and plural ("rain jackets" -> "rain jacket").

    A plain English rule that may add a form nobody writes ("hoody" beside "hoodie"); the
    forms are features and synonyms of catalog words, so an extra form costs little and a
    missing one costs recall.
    """
    head, _, last = phrase.rpartition(" ")
    prefix = f"{head} " if head else ""
    lower = last.lower()
    if lower.endswith("ies") and len(lower) > 4:
        others = [last[:-3] + "y", last[:-1]]  # "berries" -> "berry"; "hoodies" -> "hoodie"
    elif lower.endswith("ves"):
        others = [last[:-3] + "f", last[:-1]]  # "scarves" -> "scarf"; "sleeves" -> "sleeve"
    elif lower.endswith(("ches", "shes", "sses", "xes", "zes")):
        others = [last[:-2]]
    elif lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        others = [last[:-1]]
    elif lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        others = [last[:-1] + "ies"]
    elif lower.endswith(("ch", "sh", "s", "x", "z")):
        others = [last + "es"]
    else:
        others = [last + "s"]
    return (phrase, *(prefix + other for other in others))


class VocabularyBuilder:
    """Collects catalog facts (in any order) and turns them into a ``CatalogVocabulary``."""

    def __init__(self) -> None:
        self._paths: set[CategoryPath] = set()
        self._subcategories: set[str] = set()
        self._type_targets: dict[str, Counter[str]] = {}
        self._brands: dict[str, str] = {}
        self._materials: set[str] = set()
        self._colours: set[str] = set()
        self._sizes: set[str] = set()
        self._options: dict[str, set[str]] = {}

    def add_category(self, path: CategoryPath, product_type: str, count: int = 1) -> None:
        """``count`` products sit at ``path`` (``()``: uncategorised) with this type."""
        kind = fold(product_type)
        if path:
            self._paths.add(tuple(fold(segment) for segment in path))
            subcategory = fold(path[-1])
        else:
            subcategory = kind
        if subcategory:
            self._subcategories.add(subcategory)
        if kind and subcategory:
            self._type_targets.setdefault(kind, Counter())[subcategory] += count

    def add_brand(self, brand: str | None) -> None:
        text = " ".join((brand or "").split())
        if text:
            key = text.casefold()
            # the same spelling whatever order the catalog lists them in
            if key not in self._brands or text < self._brands[key]:
                self._brands[key] = text

    def add_material(self, material: str | None) -> None:
        if material and fold(material):
            self._materials.add(fold(material))

    def add_variant(
        self, size: str | None, colour: str | None, options: Iterable[tuple[str, str]]
    ) -> None:
        if size and size.strip():
            self._sizes.add(" ".join(size.split()))
        if colour and fold(colour):
            self._colours.add(fold(colour))
        for name, value in options:
            if option_kind(name) is None and fold(name) and fold(value):
                self._options.setdefault(fold(name), set()).add(fold(value))

    def add_product(self, product: Product) -> None:
        self.add_category(product.category_path, product.product_type)
        self.add_brand(product.brand)
        self.add_material(product.material)
        for variant in product.variants:
            self.add_variant(variant.size, variant.colour, variant.options)

    def build(self) -> CatalogVocabulary:
        categories = sorted({segment for path in self._paths for segment in path})
        subcategories = sorted(self._subcategories)
        return CatalogVocabulary(
            categories=tuple(categories),
            subcategories=tuple(subcategories),
            brands=tuple(sorted(self._brands.values(), key=lambda b: (b.casefold(), b))),
            colours=tuple(sorted(self._colours)),
            sizes=sorted_sizes(self._sizes),
            materials=tuple(sorted(self._materials)),
            options=tuple(
                (name, tuple(sorted(values))) for name, values in sorted(self._options.items())
            ),
            synonyms=self._synonyms(set(categories) | set(subcategories)),
        )

    def _synonyms(self, words: set[str]) -> tuple[tuple[str, str], ...]:
        targets: dict[str, set[str]] = {}

        def offer(form: str, word: str) -> None:
            if form != word and form not in words:
                targets.setdefault(form, set()).add(word)

        for word in sorted(words):
            for form in number_forms(word):
                offer(form, word)
        for kind, counts in sorted(self._type_targets.items()):
            if len(counts) == 1 and kind not in counts:
                [subcategory] = counts
                for form in number_forms(kind):
                    offer(form, subcategory)
        return tuple(
            (form, next(iter(words_for)))
            for form, words_for in sorted(targets.items())
            if len(words_for) == 1
        )


def vocabulary_of(products: Iterable[Product]) -> CatalogVocabulary:
    """The vocabulary of ``products``: what ``ShopService.vocabulary()`` returns for them."""
    builder = VocabularyBuilder()
    for product in products:
        builder.add_product(product)
    return builder.build()
