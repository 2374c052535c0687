"""The catalog's category tree, taken from the products themselves.

A category is a path, root first (``("Home", "Furniture", "Sofas")``); ``()`` is
uncategorised. Paths come from the merchant's file (Shopify's "Product Category", a
generic "category" column) or from the demo generator; nothing here knows any category
name. The database keeps a path as one string joined with ``" > "`` (Shopify's own
separator), so a path can be grouped and compared in SQL on every backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shop.api import CategoryNode, CategoryPath

SEPARATOR = " > "


def clean_segment(text: str) -> str:
    """A path segment with whitespace collapsed (' Bedside   Tables ' -> 'Bedside Tables')."""
    return " ".join(text.replace(">", " ").split())


def parse_path(raw: str | Iterable[str] | None) -> CategoryPath:
    """'Home > Furniture > Sofas' or ["Home", "Furniture"] -> a path; blanks are dropped.

    A list's items may themselves hold '>' ("Home > Furniture"), which splits them too.
    """
    if raw is None:
        return ()
    pieces = (
        raw.split(">") if isinstance(raw, str) else [p for item in raw for p in item.split(">")]
    )
    return tuple(segment for segment in (clean_segment(p) for p in pieces) if segment)


def path_key(path: CategoryPath) -> str:
    """The stored form of a path: 'Home > Furniture > Sofas'; '' for uncategorised."""
    return SEPARATOR.join(path)


def path_from_key(key: str | None) -> CategoryPath:
    return tuple(key.split(SEPARATOR)) if key else ()


def path_label(path: CategoryPath) -> str:
    """How a path is shown to people: 'Home > Furniture > Sofas' or 'uncategorised'."""
    return path_key(path) or "uncategorised"


def tree_of(counts: Mapping[CategoryPath, int]) -> list[CategoryNode]:
    """Every node under the given product paths with the products at or under it.

    ``counts`` maps a product path to how many products sit exactly there. Nodes come
    parents first (a path sorts before the paths it prefixes), in case-insensitive order.
    Segments that differ only in case are one node, spelt as first met in sorted order.
    """
    totals: dict[tuple[str, ...], int] = {}
    spelling: dict[tuple[str, ...], CategoryPath] = {}
    for path in sorted(counts, key=lambda p: (tuple(s.casefold() for s in p), p)):
        count = counts[path]
        if not path or count <= 0:
            continue
        folded = tuple(segment.casefold() for segment in path)
        for depth in range(1, len(path) + 1):
            key = folded[:depth]
            totals[key] = totals.get(key, 0) + count
            spelling.setdefault(key, (*spelling.get(key[:-1], ()), path[depth - 1]))
    return [CategoryNode(path=spelling[key], product_count=totals[key]) for key in sorted(totals)]
