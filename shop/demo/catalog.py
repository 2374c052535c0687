"""Deterministic demo products: the same count and seed give the same catalog.

The one catalog generator of the project: the demo shop is seeded from it, and tests and
benchmarks use ``demo_products(count, seed)`` directly (with ``demo_in_stock`` and
``shop.vocabulary.vocabulary_of``), so search is tuned on the catalog the shop really has.
Its categories are data like an import's: each product carries a path ("Shoes",
"Running shoes") and a type ("Trail Shoes") taken from ``shop.demo.kinds``.

Only ``random.Random(seed)`` decides anything, and everything is iterated in list order
(no set or hash order), so the output is identical on every machine and Python run.
"""

from __future__ import annotations

import functools
import random
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shop.api import CategoryPath, Image, Product, Variant
from shop.demo.kinds import KINDS, MODEL_SUFFIXES, MODEL_WORDS, Kind
from shop.slugs import slugify

RESTOCK_ONE_IN = 20  # about 5% of demo products wait for a restock (none in the warehouses)


@dataclass(frozen=True)
class DemoCatalog:
    """Demo products plus what the shop database needs beyond the records."""

    products: tuple[Product, ...]
    ages: dict[str, timedelta]  # product id -> how long before the anchor it was created

    def created_at(self, product_id: str, anchor: datetime) -> datetime:
        return anchor - self.ages[product_id]


def is_restock(product_id: str) -> bool:
    """Whether a demo product has no warehouse stock: a rule on the id alone, so tests and
    benchmarks without a database agree with the seeded shop (``seed.generate_stock``)."""
    return zlib.crc32(product_id.encode()) % RESTOCK_ONE_IN == 0


def demo_in_stock(product_ids: Iterable[str]) -> set[str]:
    """The ids that the demo shop can ship online (see ``is_restock``)."""
    return {pid for pid in product_ids if not is_restock(pid)}


def category_path(kind: Kind) -> CategoryPath:
    """The demo's own tree: ("Shoes", "Running shoes"), the same mechanism as an import."""
    return (_capitalised(kind.category), _capitalised(kind.subcategory))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _allocate(total: int) -> list[Kind]:
    """How many products of each kind, proportional to ``share`` (largest remainder)."""
    weights = sum(k.share for k in KINDS)
    exact = [total * k.share / weights for k in KINDS]
    counts = [int(x) for x in exact]
    if total >= len(KINDS):
        counts = [max(c, 1) for c in counts]
    order = sorted(range(len(KINDS)), key=lambda i: (-(exact[i] - int(exact[i])), i))
    i = 0
    while sum(counts) < total:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > total:
        biggest = max(range(len(KINDS)), key=lambda j: (counts[j], -j))
        counts[biggest] -= 1
    slots: list[Kind] = []
    for kind, count in zip(KINDS, counts, strict=True):
        slots.extend([kind] * count)
    return slots


def _price_cents(rng: random.Random, low: int, high: int, stratum: float) -> int:
    euros = low + (high - low) * stratum
    ending = rng.choice((99, 90, 0, 95))
    whole = max(int(euros), 1)
    return whole * 100 + ending if ending else whole * 100


def _sizes(rng: random.Random, kind: Kind) -> list[str | None]:
    if not kind.sizes:
        return [None]
    if kind.size_span and kind.size_span < len(kind.sizes):
        start = rng.randrange(0, len(kind.sizes) - kind.size_span + 1)
        return list(kind.sizes[start : start + kind.size_span])
    if kind.category == "fashion" or kind.subcategory in ("sports t-shirts", "running shorts"):
        start = rng.randrange(0, 2)
        stop = len(kind.sizes) - rng.randrange(0, 2)
        return list(kind.sizes[start:stop])
    return list(kind.sizes)


def _colours(rng: random.Random, kind: Kind, index: int) -> list[str | None]:
    low, high = kind.colours_per_product
    if not kind.colours or high == 0:
        return [None]
    count = min(rng.randint(low, high), len(kind.colours))
    chosen = rng.sample(list(kind.colours), count)
    if kind.subcategory == "running shoes" and index % 5 in (0, 1, 3) and "blue" not in chosen:
        chosen[0] = "blue"  # plenty of blue running shoes for the "in blue" refinement
    return list(chosen)


def _attributes(rng: random.Random, kind: Kind) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if kind.waterproof_share is not None:
        attrs["waterproof"] = "yes" if rng.random() < kind.waterproof_share else "no"
    grams = rng.randint(*kind.weight_g)
    attrs["weight"] = f"{grams / 1000:.1f} kg" if grams >= 1000 else f"{grams} g"
    if kind.warranty:
        attrs["warranty"] = kind.warranty
    if kind.care:
        attrs["care"] = rng.choice(kind.care)
    if kind.fits:
        attrs["fit"] = rng.choice(kind.fits)
    for name, choices in kind.extras:
        attrs[name] = rng.choice(choices)
    return attrs


def _description(
    rng: random.Random, title: str, kind: Kind, material: str, attrs: dict[str, str]
) -> str:
    picks = rng.sample(list(kind.features), min(len(kind.features), rng.randint(2, 3)))
    plural = kind.noun.endswith("s") and not kind.noun.endswith("ss")
    opening = f"These {title} are" if plural else f"The {title} is"
    parts = [f"{opening} {kind.use}.", *picks, f"Made of {material}."]
    if attrs.get("waterproof") == "yes":
        parts.append("Fully waterproof.")
    if "fit" in attrs:
        parts.append(f"Fit: {attrs['fit']}.")
    return " ".join(parts)


@functools.cache
def _sku_part(option_value: str) -> str:
    return slugify(option_value).upper()


def _sku(product_id: str, colour: str | None, size: str | None) -> str:
    parts = [product_id]
    if colour:
        parts.append(_sku_part(colour))
    if size:
        parts.append(_sku_part(size))
    return "-".join(parts)


def _colour_images(
    product_id: str, handle: str, title: str, colours: list[str | None], sizes: list[str | None]
) -> dict[str | None, Image]:
    """One picture per colour when a product comes in several, showing those variants."""
    named = [c for c in colours if c]
    if len(named) < 2:
        return {}
    return {
        colour: Image(
            url=f"https://cdn.example.com/demo-shop/{handle}-{slugify(colour)}.jpg",
            alt=f"{title} in {colour}",
            position=position,
            variant_skus=tuple(_sku(product_id, colour, size) for size in sizes),
        )
        for position, colour in enumerate(named, start=1)
    }


def _variants(
    product_id: str,
    colours: list[str | None],
    sizes: list[str | None],
    price: int,
    compare_at: int | None,
    pictures: dict[str | None, Image],
) -> list[Variant]:
    variants: list[Variant] = []
    for colour in colours:
        for size in sizes:
            options: list[tuple[str, str]] = []
            if colour:
                options.append(("Colour", colour))
            if size:
                options.append(("Size", size))
            variants.append(
                Variant(
                    sku=_sku(product_id, colour, size),
                    product_id=product_id,
                    price_cents=price,
                    size=size,
                    colour=colour,
                    compare_at_cents=compare_at,
                    options=tuple(options),
                    image=pictures.get(colour),
                )
            )
    return variants


def generate_catalog(count: int, seed: int) -> DemoCatalog:
    """``count`` demo products, the same for the same ``(count, seed)`` on every machine.

    Fast enough for benchmarks: 50,000 products (about 480,000 variants) take about 7 s of
    CPU time. Ids are ``P00001``...
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}.")
    rng = random.Random(seed)
    slots = _allocate(count)
    rng.shuffle(slots)
    per_kind_total: dict[str, int] = {}
    for kind in slots:
        per_kind_total[kind.subcategory] = per_kind_total.get(kind.subcategory, 0) + 1
    # Spread prices over each kind's whole range: stratum i of n, shuffled per kind.
    strata: dict[str, list[float]] = {}
    for name, n in per_kind_total.items():
        values = [(i + rng.random()) / n for i in range(n)]
        rng.shuffle(values)
        strata[name] = values
    seen_handles: dict[str, int] = {}
    kind_index: dict[str, int] = {}
    products: list[Product] = []
    ages: dict[str, timedelta] = {}
    width = max(5, len(str(count)))
    for number, kind in enumerate(slots, start=1):
        index = kind_index.get(kind.subcategory, 0)
        kind_index[kind.subcategory] = index + 1
        product_id = f"P{number:0{width}d}"
        brand = rng.choice(kind.brands)
        model = rng.choice(MODEL_WORDS) + rng.choice(MODEL_SUFFIXES)
        title = f"{brand} {model} {kind.noun}"
        handle = slugify(title)
        if handle in seen_handles:
            seen_handles[handle] += 1
            handle = f"{handle}-{seen_handles[handle]}"
        else:
            seen_handles[handle] = 1
        material = rng.choice(kind.materials)
        attrs = _attributes(rng, kind)
        price = _price_cents(rng, *kind.price_eur, strata[kind.subcategory][index])
        on_sale = rng.random() < 0.15
        compare_at = int(price * rng.uniform(1.15, 1.4)) // 100 * 100 + 99 if on_sale else None
        colours, sizes = _colours(rng, kind, index), _sizes(rng, kind)
        pictures = _colour_images(product_id, handle, title, colours, sizes)
        variants = _variants(product_id, colours, sizes, price, compare_at, pictures)
        main = Image(url=f"https://cdn.example.com/demo-shop/{handle}.jpg", alt=title)
        tags = [kind.subcategory, kind.category]
        collections: list[str] = []
        if attrs.get("waterproof") == "yes":
            tags.append("waterproof")
        if on_sale:
            tags.append("sale")
            collections.append("Sale")
        age = timedelta(days=rng.randint(20, 720), minutes=rng.randint(0, 1439))
        if age < timedelta(days=45):
            tags.append("new")
            collections.append("New in")
        ages[product_id] = age
        products.append(
            Product(
                id=product_id,
                handle=handle,
                title=title,
                brand=brand,
                category_path=category_path(kind),
                product_type=kind.noun,
                description=_description(rng, title, kind, material, attrs),
                material=material,
                attributes=attrs,
                tags=tuple(tags),
                images=(main, *pictures.values()),
                variants=tuple(variants),
                collections=tuple(collections),
            )
        )
    return DemoCatalog(products=tuple(products), ages=ages)


def demo_products(count: int, seed: int) -> tuple[Product, ...]:
    """The demo shop's products for ``(count, seed)``: for tests and benchmarks."""
    return generate_catalog(count, seed).products
