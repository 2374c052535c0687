"""Deterministic demo products: the same seed and anchor give the same catalog.

Only ``random.Random(seed)`` decides anything, and everything is iterated in list order
(no set or hash order), so the output is identical on every machine and Python run.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from shop.demo.kinds import KINDS, MODEL_SUFFIXES, MODEL_WORDS, Kind


@dataclass(frozen=True)
class DemoVariant:
    sku: str
    position: int
    size: str | None
    colour: str | None
    price_cents: int
    compare_at_cents: int | None


@dataclass(frozen=True)
class DemoProduct:
    id: str
    handle: str
    title: str
    brand: str
    category: str
    subcategory: str
    description: str
    material: str
    attributes: dict[str, str]
    tags: tuple[str, ...]
    image_url: str
    created_at: datetime
    variants: tuple[DemoVariant, ...]
    restock: bool  # out of stock at every warehouse


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


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


def generate_products(rng: random.Random, count: int, anchor: datetime) -> list[DemoProduct]:
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
    products: list[DemoProduct] = []
    for number, kind in enumerate(slots, start=1):
        index = kind_index.get(kind.subcategory, 0)
        kind_index[kind.subcategory] = index + 1
        product_id = f"P{number:05d}"
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
        sizes = _sizes(rng, kind)
        colours = _colours(rng, kind, index)
        variants: list[DemoVariant] = []
        for colour in colours:
            for size in sizes:
                parts = [product_id]
                if colour:
                    parts.append(slugify(colour).upper())
                if size:
                    parts.append(slugify(size).upper())
                variants.append(
                    DemoVariant(
                        sku="-".join(parts),
                        position=len(variants),
                        size=size,
                        colour=colour,
                        price_cents=price,
                        compare_at_cents=compare_at,
                    )
                )
        tags = [kind.subcategory, kind.category]
        if attrs.get("waterproof") == "yes":
            tags.append("waterproof")
        if on_sale:
            tags.append("sale")
        created_at = anchor - timedelta(days=rng.randint(20, 720), minutes=rng.randint(0, 1439))
        if created_at > anchor - timedelta(days=45):
            tags.append("new")
        products.append(
            DemoProduct(
                id=product_id,
                handle=handle,
                title=title,
                brand=brand,
                category=kind.category,
                subcategory=kind.subcategory,
                description=_description(rng, title, kind, material, attrs),
                material=material,
                attributes=attrs,
                tags=tuple(tags),
                image_url=f"https://cdn.example.com/demo-shop/{handle}.jpg",
                created_at=created_at,
                variants=tuple(variants),
                restock=rng.random() < 0.05,
            )
        )
    return products
