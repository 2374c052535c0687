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
    path: tuple[str, ...] | None = None,
    product_type: str = "",
    options: tuple[tuple[tuple[str, str], ...], ...] = (),
) -> Product:
    """A hand-made product; ``variants`` are (size, colour, price_cents).

    ``path`` overrides the (category, subcategory) path; ``options`` gives each variant its
    merchant options other than size and colour, in variant order.
    """
    extra = options or tuple(() for _ in variants)
    return Product(
        id=pid,
        handle=pid.lower(),
        title=title,
        brand=brand,
        category_path=path if path is not None else (category, subcategory),
        product_type=product_type,
        description=description,
        material=material,
        attributes={},
        tags=(),
        images=(),
        variants=tuple(
            Variant(
                sku=f"{pid}-{i}",
                product_id=pid,
                price_cents=price,
                size=size,
                colour=colour,
                options=tuple(
                    (name, value) for name, value in (("Size", size), ("Colour", colour)) if value
                )
                + more,
            )
            for i, ((size, colour, price), more) in enumerate(zip(variants, extra, strict=True))
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
