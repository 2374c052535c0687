"""Helpers of the knowledge tests: settings in a temp folder and hand-made products."""

from __future__ import annotations

from pathlib import Path

from settings import Settings
from shop.api import Product, Variant

CATALOG_SIZE = 320  # about six products of each demo kind
CATALOG_SEED = 11


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


# Products of categories the demo does not have, with merchant options (see
# test_product_search.py): a model name only BM25 knows, wood and metal options.
HANDMADE: tuple[Product, ...] = (
    product(
        "H00001",
        "Espresso Slim Wallet",
        brand="Cuirelle",
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
        subcategory="wireless headphones",
        material="plastic",
        description="Over-ear headphones with a padded headband.",
        variants=((None, "black", 12900), (None, "white", 13900)),
    ),
    product(
        "H00003",
        "Fenwick Coffee Table",
        brand="Holmwood",
        path=("Home", "Furniture", "Tables"),
        product_type="Coffee table",
        material="solid wood",
        description="A low coffee table with rounded corners and a lower shelf.",
        variants=((None, None, 24900), (None, None, 27900)),
        options=((("Wood", "Oak"),), (("Wood", "Walnut"),)),
    ),
    product(
        "H00004",
        "Arden Three-Seat Sofa",
        brand="Holmwood",
        path=("Home", "Furniture", "Sofas"),
        product_type="Sofa",
        material="linen",
        description="A deep three-seat sofa with feather cushions and oak legs.",
        variants=((None, "cream", 89900), (None, "green", 89900)),
        options=((("Legs", "Oak"),), (("Legs", "Walnut"),)),
    ),
    product(
        "H00005",
        "Lumi Hoop Earrings",
        brand="Aurelle",
        path=("Jewellery", "Earrings"),
        product_type="Earrings",
        material="brass",
        description="Small hoop earrings for every day.",
        variants=((None, None, 3900), (None, None, 5900)),
        options=((("Metal", "Silver"),), (("Metal", "Gold"),)),
    ),
)
