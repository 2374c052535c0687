"""Records and helpers shared by the catalog import formats (see docs/importing.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html import unescape
from html.parser import HTMLParser

from shop.demo.catalog import slugify
from shop.errors import ShopError

MAX_PRICE_CENTS = 100_000_000  # 1,000,000.00 in the shop currency

# (shop category, words that point to it), tried in this order: "kids shoes" -> kids,
# "smartwatch" -> electronics before "watch" -> accessories.
CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kids", ("kid", "child", "baby", "toddler", "toy", "junior")),
    (
        "shoes",
        (
            "shoe",
            "sneaker",
            "boot",
            "sandal",
            "trainer",
            "footwear",
            "slipper",
            "loafer",
            "espadrille",
        ),
    ),
    (
        "electronics",
        (
            "electronic",
            "headphone",
            "earbud",
            "speaker",
            "audio",
            "smartwatch",
            "phone",
            "camera",
            "charger",
            "e-reader",
            "computer",
            "laptop",
            "tablet",
        ),
    ),
    (
        "beauty",
        (
            "beauty",
            "cosmetic",
            "skin",
            "fragrance",
            "perfume",
            "parfum",
            "hair",
            "makeup",
            "make-up",
            "lipstick",
            "personal care",
        ),
    ),
    ("outdoor", ("outdoor", "camping", "tent", "hiking", "backpack", "sleeping bag", "trek")),
    (
        "sport",
        (
            "sport",
            "fitness",
            "yoga",
            "gym",
            "bike",
            "bicycle",
            "cycling",
            "swim",
            "running short",
            "athletic",
        ),
    ),
    (
        "home",
        (
            "home",
            "kitchen",
            "furniture",
            "bedding",
            "decor",
            "lamp",
            "lighting",
            "cookware",
            "garden",
            "bath",
            "cushion",
        ),
    ),
    (
        "fashion",
        (
            "apparel",
            "clothing",
            "jacket",
            "jean",
            "shirt",
            "dress",
            "sweater",
            "coat",
            "trouser",
            "pant",
            "skirt",
            "hoodie",
            "knitwear",
            "outerwear",
        ),
    ),
    (
        "accessories",
        (
            "accessor",
            "bag",
            "wallet",
            "sunglass",
            "jewel",
            "belt",
            "hat",
            "scarf",
            "watch",
            "ring",
            "necklace",
        ),
    ),
)
SHOP_CATEGORIES = tuple(name for name, _ in CATEGORY_WORDS)
SIZE_OPTION_NAMES = ("size", "taille", "shoe size", "eu size", "größe", "talla")
COLOUR_OPTION_NAMES = ("color", "colour", "couleur", "farbe", "colore")


class ImportFailed(ShopError):
    """The file cannot be imported at all (unreadable, wrong format); nothing was written."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"Cannot import {path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class Rejection:
    """A row left out of the import. ``row`` is the spreadsheet row (header = 1) for CSV
    files and the product's position in the list (first = 1) for JSON."""

    row: int
    reason: str
    handle: str | None = None
    sku: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}"
        if self.handle:
            where += f" ({self.handle}{', ' + self.sku if self.sku else ''})"
        return f"{where}: {self.reason}"


class ImportAborted(ShopError):
    """``--strict`` import with rejected rows; nothing was written."""

    def __init__(self, path: str, rejections: list[Rejection]) -> None:
        first = "; ".join(str(r) for r in rejections[:3])
        more = f" and {len(rejections) - 3} more" if len(rejections) > 3 else ""
        super().__init__(
            f"Import of {path} aborted (strict mode): {len(rejections)} rejected row(s): "
            f"{first}{more}. Nothing was written; fix the rows or import without --strict."
        )
        self.path = path
        self.rejections = rejections


@dataclass
class ParsedVariant:
    row: int
    sku: str | None
    size: str | None
    colour: str | None
    price_cents: int
    compare_at_cents: int | None
    stock: dict[str, int] = field(default_factory=dict)  # location code -> on hand


@dataclass
class ParsedProduct:
    row: int
    id: str
    handle: str
    title: str
    brand: str
    category: str
    subcategory: str
    description: str
    material: str | None
    attributes: dict[str, str]
    tags: list[str]
    image_url: str | None
    variants: list[ParsedVariant] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


@dataclass
class ParseResult:
    products: list[ParsedProduct] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    skipped: list[Rejection] = field(default_factory=list)  # drafts, archived: not errors
    rows_read: int = 0


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset({"p", "br", "li", "div", "h1", "h2", "h3", "h4", "tr", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """'<p>Light &amp; fast</p><ul><li>Mesh</li></ul>' -> 'Light & fast\\nMesh'."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = unescape("".join(extractor.parts))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def parse_price(raw: str | int | float | None, *, label: str = "price") -> int | None:
    """'79.90', '79,90', 79.9 -> 7990; '' / None -> None. Raises ValueError with a reason."""
    if raw is None:
        return None
    text = str(raw).strip().replace("€", "").replace("EUR", "").strip()
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"bad {label} {str(raw)!r} (expected a number like 79.90)") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"bad {label} {str(raw)!r} (must be zero or more)")
    cents = int((value * 100).quantize(Decimal(1)))
    if cents > MAX_PRICE_CENTS:
        raise ValueError(f"bad {label} {str(raw)!r} (more than 1,000,000)")
    return cents


def parse_quantity(raw: str | int | None) -> int | None:
    """Stock count; negative (oversold) counts as 0. '' / None -> None (not tracked)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"bad inventory quantity {raw!r} (expected a whole number)") from None
    return max(value, 0)


def map_category(*candidates: str | None) -> str | None:
    """The shop category named by the first candidate that mentions one, else None."""
    for candidate in candidates:
        if not candidate:
            continue
        text = candidate.lower()
        for segment in (text.split(">")[-1], text):
            for name, _ in CATEGORY_WORDS:
                if re.search(rf"\b{name}\b", segment):
                    return name
            for name, words in CATEGORY_WORDS:
                if any(re.search(rf"\b{re.escape(word)}", segment) for word in words):
                    return name
    return None


def product_id_for(handle: str) -> str:
    return slugify(handle)[:120]


def option_kind(name: str | None) -> str | None:
    """'Size' -> 'size', 'Color'/'Colour' -> 'colour', anything else -> None."""
    if not name:
        return None
    key = name.strip().lower()
    if key in SIZE_OPTION_NAMES:
        return "size"
    if key in COLOUR_OPTION_NAMES:
        return "colour"
    return None


def split_tags(raw: str | None, separators: str = ",") -> list[str]:
    if not raw:
        return []
    parts = re.split(f"[{re.escape(separators)}]", raw)
    seen: dict[str, None] = {}
    for part in parts:
        tag = part.strip()
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def tags_to_fields(tags: list[str]) -> tuple[list[str], dict[str, str], str | None, str | None]:
    """Split 'key:value' tags into attributes; 'category:' and 'material:' are special.

    Returns (plain tags, attributes, category, material). A bare 'waterproof' tag sets
    the attribute waterproof=yes.
    """
    plain: list[str] = []
    attributes: dict[str, str] = {}
    category: str | None = None
    material: str | None = None
    for tag in tags:
        key, sep, value = tag.partition(":")
        key, value = key.strip().lower(), value.strip()
        if sep and value:
            if key == "category":
                category = value.lower()
            elif key == "material":
                material = value
            else:
                attributes[key] = value
        else:
            plain.append(tag)
            if tag.lower() == "waterproof":
                attributes.setdefault("waterproof", "yes")
    return plain, attributes, category, material


def generated_sku(handle: str, size: str | None, colour: str | None) -> str:
    parts = [handle] + [p for p in (colour, size) if p]
    return slugify("-".join(parts)).upper()[:120]
