"""A merchant's own catalog: the project's Shopify fixture with furniture and jewellery.

tests/fixtures/catalog/shopify_home_jewellery.csv was written for the project: 16 products
over categories the demo shop does not have, options the demo never had (Fabric, Wood,
Metal, Length), several pictures with alt text and variant pictures, one product with a
Type only and three with no category at all.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from shop.api import CategoryNode, OrderAccess
from shop.importers.run import ImportFailed, ImportReport, import_catalog
from shop.sql_service import SqlShopService

FIXTURE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "catalog" / "shopify_home_jewellery.csv"
)
BEDSIDE = ("Furniture", "Tables", "Bedside Tables")
SOFAS = ("Furniture", "Sofas")
BRACELETS = ("Apparel & Accessories", "Jewellery", "Bracelets")


def _handles() -> set[str]:
    with FIXTURE.open(newline="", encoding="utf-8") as stream:
        return {row["Handle"] for row in csv.DictReader(stream)}


def _import(engine: Engine, *, replace: bool = False) -> ImportReport:
    return import_catalog(engine, FIXTURE, "shopify", replace=replace, progress=False)


@pytest.fixture
def imported(empty_engine: Engine) -> tuple[SqlShopService, ImportReport]:
    report = _import(empty_engine)
    return SqlShopService(empty_engine), report


def test_importing_the_fixture_loses_no_product(
    imported: tuple[SqlShopService, ImportReport],
) -> None:
    shop, report = imported
    assert {p.id for p in shop.iter_products()} == _handles()
    assert report.rejected == () and report.skipped == ()
    assert report.products_created == len(_handles()) == 16


def test_the_category_tree_is_the_files(imported: tuple[SqlShopService, ImportReport]) -> None:
    shop, _ = imported
    assert shop.category_tree() == [
        CategoryNode(("Apparel & Accessories",), 6),
        CategoryNode(("Apparel & Accessories", "Clothing"), 2),
        CategoryNode(("Apparel & Accessories", "Clothing", "Knitwear"), 1),
        CategoryNode(("Apparel & Accessories", "Clothing", "Tops"), 1),
        CategoryNode(("Apparel & Accessories", "Jewellery"), 4),
        CategoryNode(BRACELETS, 2),
        CategoryNode(("Apparel & Accessories", "Jewellery", "Earrings"), 2),
        CategoryNode(("Furniture",), 6),
        CategoryNode(("Furniture", "Chairs"), 1),
        CategoryNode(("Furniture", "Chairs", "Armchairs"), 1),
        CategoryNode(SOFAS, 3),
        CategoryNode(("Furniture", "Tables"), 2),
        CategoryNode(BEDSIDE, 2),
        CategoryNode(("Home & Garden",), 1),
        CategoryNode(("Home & Garden", "Decor"), 1),
        CategoryNode(("Home & Garden", "Decor", "Throws"), 1),
    ]


def test_a_product_with_only_a_type_joins_the_path_of_that_type(
    imported: tuple[SqlShopService, ImportReport],
) -> None:
    shop, _ = imported
    nook = shop.get_product("nook-two-seater-sofa")
    assert (nook.category_path, nook.product_type) == (SOFAS, "Sofa")


@pytest.mark.parametrize(
    ("product_id", "suggested"),
    [
        ("walnut-bedside-cabinet", BEDSIDE),
        ("twisted-rope-bracelet", BRACELETS),
        ("marlow-corner-sofa", SOFAS),
    ],
)
def test_uncategorised_products_are_kept_with_a_confident_suggestion(
    imported: tuple[SqlShopService, ImportReport], product_id: str, suggested: tuple[str, ...]
) -> None:
    shop, report = imported
    product = shop.get_product(product_id)
    assert product.category_path == () and product.category == "uncategorised"
    assert product.suggested_category == suggested
    assert product.suggestion_confidence is not None and product.suggestion_confidence > 0.5
    listed = {u.product_id: u for u in report.uncategorised}
    assert listed[product_id].suggestion == suggested
    assert f"{product_id} ({product.title}): suggested {' > '.join(suggested)}" in (
        report.summary()
    )


def test_every_picture_is_kept_with_alt_text_per_product_and_variant(
    imported: tuple[SqlShopService, ImportReport],
) -> None:
    shop, _ = imported
    sofa = shop.get_product("harbour-three-seater-sofa")
    assert [(i.url.rsplit("/", 1)[1], i.alt, i.position) for i in sofa.images] == [
        ("harbour-velvet-cream.jpg", "Harbour sofa in cream velvet, front view", 0),
        ("harbour-velvet-moss.jpg", "Harbour sofa in moss green velvet", 1),
        ("harbour-linen-cream.jpg", "Harbour sofa in cream linen", 2),
        ("harbour-legs.jpg", "Close-up of the solid oak legs", 3),
    ]
    variants = {v.sku: v for v in sofa.variants}
    moss = variants["HOS-HAR-VEL-MOS"].image
    assert moss is not None and moss.alt == "Harbour sofa in moss green velvet"
    assert moss.variant_skus == ("HOS-HAR-VEL-MOS",)
    assert variants["HOS-HAR-LIN-MOS"].image is None  # the file gives it no picture
    assert sofa.images[3].variant_skus == ()  # a picture of the sofa as a whole
    bracelet = shop.get_product("tidal-chain-bracelet")
    assert bracelet.images[0].variant_skus == ("MF-TID-GLD-17", "MF-TID-GLD-19")
    # no alt text in the file: the title, and for a variant's own picture its option too
    loveseat = shop.get_product("linden-loveseat")
    assert loveseat.images[1].alt == "Linden Loveseat - Velvet"
    assert shop.get_product("seed-pearl-studs").images[0].alt == "Seed Pearl Stud Earrings"


def test_every_option_is_kept_and_size_and_colour_are_recognised(
    imported: tuple[SqlShopService, ImportReport],
) -> None:
    shop, _ = imported
    sofa = shop.get_product("harbour-three-seater-sofa")
    first = sofa.variants[0]
    assert first.options == (("Fabric", "Velvet"), ("Color", "Cream"))
    assert (first.colour, first.option("fabric")) == ("cream", "Velvet")
    table = shop.get_product("alder-bedside-table")
    assert table.option_values == {"Wood": ("Oak", "Walnut")}
    jumper = shop.get_product("fell-wool-jumper")
    assert jumper.sizes == ("S", "M", "L") and jumper.colours == ("charcoal", "oatmeal")
    assert jumper.material == "british wool"


def test_the_vocabulary_holds_the_catalogs_own_words(
    imported: tuple[SqlShopService, ImportReport],
) -> None:
    shop, _ = imported
    vocabulary = shop.vocabulary()
    options = dict(vocabulary.options)
    assert options["wood"] == ("ash", "oak", "walnut")
    assert options["metal"] == ("gold", "rose gold", "silver")
    assert {"sofas", "bedside tables", "earrings", "furniture"} <= set(vocabulary.categories)
    synonyms = dict(vocabulary.synonyms)
    assert synonyms["sofa"] == "sofas" and synonyms["earring"] == "earrings"
    assert synonyms["jumper"] == "knitwear"  # every Jumper sits in Knitwear
    assert "Marlowe & Finch" in vocabulary.brands and "oatmeal" in vocabulary.colours


def test_replace_leaves_the_merchants_catalog_alone_and_keeps_orders(
    shop: SqlShopService, engine: Engine, data: Any
) -> None:
    demo_products = shop.count_products()
    demo = next(p for p in shop.iter_products() if shop.in_stock_product_ids([p.id]))
    shop.add_to_cart(
        "shopper-1", demo.id, size=demo.variants[0].size, colour=demo.variants[0].colour
    )
    order = data.order("delivered")
    access = OrderAccess(email=order.email)
    titles = [line.title for line in shop.get_order(str(order.number), access).lines]

    report = _import(engine, replace=True)

    assert {p.id for p in shop.iter_products()} == _handles()
    assert shop.get_cart("shopper-1").lines == ()
    assert data.stock(demo.variants[0].sku) == {}
    assert [line.title for line in shop.get_order(str(order.number), access).lines] == titles
    assert report.replaced is not None
    assert (report.replaced.products, report.replaced.cart_lines) == (demo_products, 1)
    removed = f"Replaced the previous catalog: removed {demo_products} product(s)"
    assert removed in report.summary()
    assert "running shoes" not in shop.vocabulary().categories


def test_a_failed_replace_keeps_the_old_catalog(shop: SqlShopService, engine: Engine) -> None:
    before = (shop.count_products(), shop.catalog_fingerprint())
    with engine.begin() as conn:  # the database refuses the last product of the file
        conn.execute(
            text(
                "CREATE TRIGGER refuse_sku BEFORE INSERT ON variants "
                "WHEN NEW.sku = 'HOS-MCS-VEL' "
                "BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END"
            )
        )
    with pytest.raises(ImportFailed):
        _import(engine, replace=True)
    assert (shop.count_products(), shop.catalog_fingerprint()) == before
    assert shop.get_products(["harbour-three-seater-sofa"]) == []
