"""Helpers of the knowledge tests: settings in a temp folder and hand-made products."""

from __future__ import annotations

from pathlib import Path

from settings import Settings
from shop.api import Product, Variant

CATALOG_SIZE = 240


def make_settings(var_dir: Path, **env: str) -> Settings:
    return Settings.from_env({"ASSISTANT_VAR_DIR": str(var_dir), **env})


def product(
    pid: str,
    title: str,
    *,
    brand: str = "Minto",
    category: str = "home",
    subcategory: str = "mugs",
    description: str = "",
    material: str | None = None,
    variants: tuple[tuple[str | None, str | None, int], ...] = ((None, "white", 1999),),
) -> Product:
    """A hand-made product; ``variants`` are (size, colour, price_cents)."""
    return Product(
        id=pid,
        handle=pid.lower(),
        title=title,
        brand=brand,
        category=category,
        subcategory=subcategory,
        description=description,
        material=material,
        attributes={},
        tags=(),
        image_url=None,
        variants=tuple(
            Variant(sku=f"{pid}-{i}", product_id=pid, price_cents=price, size=size, colour=colour)
            for i, (size, colour, price) in enumerate(variants)
        ),
    )


# Products designed for the fusion tests (see test_product_search.py).
HANDMADE: tuple[Product, ...] = (
    product(
        "H00001",
        "Espresso Slim Wallet",
        brand="Minto",
        category="accessories",
        subcategory="wallets",
        material="leather",
        description="A slim leather wallet with six card slots and RFID blocking.",
        variants=((None, "brown", 4500),),
    ),
    product(
        "H00002",
        "Zorbit Pro Headphones",
        brand="Pixelwave",
        category="electronics",
        subcategory="headphones",
        material="plastic",
        description="Over-ear headphones with a padded headband.",
        variants=((None, "black", 12900), (None, "white", 13900)),
    ),
)
