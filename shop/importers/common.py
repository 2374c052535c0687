"""Records and helpers shared by the catalog import formats (see docs/importing.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html import unescape
from html.parser import HTMLParser

from shop.api import CategoryPath, Image, Product, Variant
from shop.errors import ShopError
from shop.slugs import slugify
from shop.taxonomy import parse_path
from shop.variants import option_kind

MAX_PRICE_CENTS = 100_000_000  # 1,000,000.00 in the shop currency


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
class ParsedImage:
    url: str
    alt: str  # "" when the file gives none: the product title is used
    position: int
    variant_skus: list[str] = field(default_factory=list)


@dataclass
class ParsedVariant:
    row: int
    sku: str | None
    size: str | None
    colour: str | None
    price_cents: int
    compare_at_cents: int | None
    stock: dict[str, int] = field(default_factory=dict)  # location code -> on hand
    options: list[tuple[str, str]] = field(default_factory=list)  # as named in the file
    image_url: str | None = None
    image_alt: str = ""


@dataclass
class ParsedProduct:
    row: int
    id: str
    handle: str
    title: str
    brand: str
    category_path: CategoryPath  # () when the file gives none; see shop.importers.categorise
    product_type: str
    description: str
    material: str | None
    attributes: dict[str, str]
    tags: list[str]
    collections: list[str] = field(default_factory=list)
    images: list[ParsedImage] = field(default_factory=list)
    variants: list[ParsedVariant] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    suggested_category: CategoryPath = ()
    suggestion_confidence: float | None = None

    def add_image(self, url: str, alt: str, position: int | None = None) -> ParsedImage:
        """The product's image with this URL, added if new (Shopify repeats URLs)."""
        for image in self.images:
            if image.url == url:
                if alt and not image.alt:
                    image.alt = alt
                return image
        image = ParsedImage(
            url=url, alt=alt, position=position if position is not None else len(self.images)
        )
        self.images.append(image)
        return image

    def record(self) -> Product:
        """The shop record: every image with alt text (the title when the file has none),
        and each variant's own picture marked with its SKU."""
        for variant in self.variants:
            if variant.image_url and variant.sku:
                image = self.add_image(variant.image_url, variant.image_alt, 10_000 + variant.row)
                if variant.sku not in image.variant_skus:
                    image.variant_skus.append(variant.sku)
        ordered = sorted(self.images, key=lambda image: image.position)
        kept = {variant.sku for variant in self.variants}  # not the rejected ones
        images = tuple(
            Image(
                url=image.url,
                alt=image.alt or self._variant_alt(image.variant_skus) or self.title,
                position=position,
                variant_skus=tuple(sku for sku in image.variant_skus if sku in kept),
            )
            for position, image in enumerate(ordered)
        )
        by_url = {image.url: image for image in images}
        return Product(
            id=self.id,
            handle=self.handle,
            title=self.title,
            brand=self.brand,
            category_path=self.category_path,
            product_type=self.product_type,
            description=self.description,
            material=self.material,
            attributes=dict(self.attributes),
            tags=tuple(self.tags),
            images=images,
            variants=tuple(
                Variant(
                    sku=variant.sku or "",
                    product_id=self.id,
                    price_cents=variant.price_cents,
                    size=variant.size,
                    colour=variant.colour,
                    compare_at_cents=variant.compare_at_cents,
                    options=tuple(variant.options),
                    image=by_url.get(variant.image_url or ""),
                )
                for variant in self.variants
            ),
            collections=tuple(self.collections),
            suggested_category=self.suggested_category,
            suggestion_confidence=self.suggestion_confidence,
        )

    def _variant_alt(self, skus: list[str]) -> str:
        """'Oak Bedside Table - Walnut' for a picture of one variant without alt text."""
        if len(skus) != 1:
            return ""
        variant = next((v for v in self.variants if v.sku == skus[0]), None)
        values = [value for _, value in variant.options] if variant else []
        return f"{self.title} - {' / '.join(values)}" if values else ""


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


def product_id_for(handle: str) -> str:
    return slugify(handle)[:120]


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


def tags_to_fields(tags: list[str]) -> tuple[list[str], dict[str, str], CategoryPath, str | None]:
    """Split 'key:value' tags into attributes; 'category:' and 'material:' are special.

    Returns (plain tags, attributes, category path, material). 'category:Home > Sofas'
    gives a path; a bare 'waterproof' tag sets the attribute waterproof=yes.
    """
    plain: list[str] = []
    attributes: dict[str, str] = {}
    category: CategoryPath = ()
    material: str | None = None
    for tag in tags:
        key, sep, value = tag.partition(":")
        key, value = key.strip().lower(), value.strip()
        if sep and value:
            if key == "category":
                category = parse_path(value)
            elif key == "material":
                material = value
            else:
                attributes[key] = value
        else:
            plain.append(tag)
            if tag.lower() == "waterproof":
                attributes.setdefault("waterproof", "yes")
    return plain, attributes, category, material


def variant_fields(
    options: list[tuple[str, str]],
) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """(size, colour, options) from the merchant's options, blanks and Shopify's
    'Default Title' dropped; size and colour are the recognised ones among them."""
    size = colour = None
    kept: list[tuple[str, str]] = []
    for raw_name, raw_value in options:
        name, value = " ".join(raw_name.split()), " ".join(raw_value.split())
        if not value or value == "Default Title":
            continue
        kind = option_kind(name)
        if kind == "size" and size is None:
            size = value
        elif kind == "colour" and colour is None:
            colour = value.lower()
        kept.append((name or "Option", value))
    return size, colour, kept


def generated_sku(handle: str, option_values: list[str]) -> str:
    """A SKU for a variant the file gives none: the handle and every option value."""
    return slugify("-".join([handle, *option_values])).upper()[:120]
