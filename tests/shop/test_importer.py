"""Catalog import: Shopify multi-row export, generic CSV/JSON, rejections, all-or-nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from shop.db import ProductRow, count_rows
from shop.importers.run import ImportAborted, ImportFailed, import_catalog
from shop.sql_service import SqlShopService


def test_shopify_export_rows_become_products_with_variants(
    empty_engine: Engine, fixtures_dir: Path
) -> None:
    report = import_catalog(
        empty_engine, fixtures_dir / "shopify_products.csv", "shopify", progress=False
    )
    shop = SqlShopService(empty_engine)
    jacket = shop.get_product("harbour-light-rain-jacket")
    assert jacket.title == "Harbour Light Rain Jacket"
    assert jacket.brand == "Quaywear"
    assert jacket.category_path == (
        "Apparel & Accessories",
        "Clothing",
        "Outerwear",
        "Coats & Jackets",
    )
    assert jacket.product_type == "Rain Jackets"
    assert [(i.url.rsplit("/", 1)[1], i.alt) for i in jacket.images] == [
        ("harbour-yellow.jpg", "Harbour Light Rain Jacket"),
        ("harbour-yellow-back.jpg", "Harbour Light Rain Jacket"),
        ("harbour-detail.jpg", "Harbour Light Rain Jacket"),
    ]
    assert jacket.description.startswith("A featherweight shell for city showers & coastal")
    assert "<" not in jacket.description
    assert jacket.material == "recycled polyamide"
    assert jacket.attributes["waterproof"] == "yes"
    assert [
        (v.sku, v.size, v.colour, v.price_cents, v.compare_at_cents) for v in jacket.variants
    ] == [
        ("QW-HLRJ-S-YEL", "S", "yellow", 8900, 11900),
        ("QW-HLRJ-M-YEL", "M", "yellow", 8900, 11900),
        ("QW-HLRJ-L-NAV", "L", "navy", 8900, None),
    ]
    stock = shop.availability(jacket.id, size="S", colour="yellow")
    assert stock.online_available == 12
    runner = shop.get_product("pebble-trail-runner")
    assert runner.category_path == ("shoes",)  # the 'category:' tag wins
    assert runner.sizes == ("41", "42")
    assert runner.variants[0].options == (("Shoe size", "41"), ("Colour", "Blue"))
    assert shop.availability(runner.id, size="42").online_available == 0  # -2 oversold
    lamp = shop.get_product("driftwood-desk-lamp")
    assert lamp.category_path == ("Home & Garden", "Lighting", "Lamps")
    assert len(lamp.variants) == 1 and lamp.variants[0].options == ()
    assert report.products_created == 3 and report.rows_imported == 6
    assert [s.handle for s in report.skipped] == ["winter-sample-sweater"]


def test_rejected_rows_are_reported_with_row_and_reason(
    empty_engine: Engine, fixtures_dir: Path
) -> None:
    report = import_catalog(
        empty_engine, fixtures_dir / "shopify_products.csv", "shopify", progress=False
    )
    reasons = {r.row: r.reason for r in report.rejected}
    assert "bad price 'abc'" in reasons[8]
    assert "duplicate SKU QW-HLRJ-S-YEL (first on row 2)" in reasons[9]
    assert "missing title" in reasons[10]
    assert 11 in reasons
    assert "row 8" in report.summary()
    shop = SqlShopService(empty_engine)
    assert shop.get_products(["tide-clock-speaker"]) == []


def test_strict_mode_writes_nothing_when_a_row_is_rejected(
    empty_engine: Engine, fixtures_dir: Path
) -> None:
    with pytest.raises(ImportAborted) as caught:
        import_catalog(
            empty_engine, fixtures_dir / "catalog.csv", "csv", strict=True, progress=False
        )
    assert {r.row for r in caught.value.rejections} == {8}  # the bad price, not "gadgets"
    assert count_rows(empty_engine, ProductRow) == 0


def test_a_fatal_error_midway_leaves_the_catalog_untouched(
    engine: Engine, tmp_path: Path, fixtures_dir: Path
) -> None:
    shop = SqlShopService(engine)
    before = (shop.count_products(), shop.catalog_fingerprint())
    with engine.begin() as conn:  # the database refuses the last variant of the file
        conn.execute(
            text(
                "CREATE TRIGGER refuse_sku BEFORE INSERT ON variants WHEN NEW.sku = 'WF-KSE-WHT' "
                "BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END"
            )
        )
    with pytest.raises(ImportFailed) as caught:
        import_catalog(engine, fixtures_dir / "catalog.json", "json", progress=False)
    assert "nothing was written" in str(caught.value)
    assert (shop.count_products(), shop.catalog_fingerprint()) == before
    assert shop.get_products(["pocket-tripod", "kestrel-earbuds"]) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.json", "{not json"),
        ("wrong.csv", "name,cost\nx,1\n"),
    ],
)
def test_unreadable_files_fail_clearly(
    empty_engine: Engine, tmp_path: Path, name: str, content: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    fmt = "json" if name.endswith(".json") else "shopify"
    with pytest.raises(ImportFailed) as caught:
        import_catalog(empty_engine, path, fmt, progress=False)
    assert str(path) in str(caught.value)
    with pytest.raises(ImportFailed):
        import_catalog(empty_engine, tmp_path / "missing.csv", "csv", progress=False)


def test_generic_csv_and_json_import(empty_engine: Engine, fixtures_dir: Path) -> None:
    csv_report = import_catalog(empty_engine, fixtures_dir / "catalog.csv", "csv", progress=False)
    json_report = import_catalog(
        empty_engine, fixtures_dir / "catalog.json", "json", progress=False
    )
    shop = SqlShopService(empty_engine)
    boots = shop.get_product("cascade-hiker")
    assert boots.sizes == ("42", "43", "44") and boots.attributes["weight"] == "620 g"
    lyon = {s.location.code: s.available for s in shop.availability(boots.id).per_location}
    assert lyon["ST-LYON"] == 3 and lyon["WH-PARIS"] == 10
    sleep_set = shop.get_product("linen-sleep-set")
    assert [v.price_cents for v in sleep_set.variants] == [11900, 12900]  # "129,00"
    earbuds = shop.get_product("kestrel-earbuds")
    assert earbuds.colours == ("black", "white")
    assert shop.availability(earbuds.id, colour="black").online_available == 25
    tripod = shop.get_product("pocket-tripod")
    assert tripod.variants[0].price_cents == 1900
    mystery = shop.get_product("mystery-item")  # a category the shop never had is kept
    assert mystery.category_path == ("gadgets",)
    assert csv_report.rows_imported == 6 and json_report.rows_imported == 3
    assert {r.row for r in json_report.rejected} == {3}


def test_reimport_updates_instead_of_duplicating(
    empty_engine: Engine, fixtures_dir: Path, tmp_path: Path
) -> None:
    import_catalog(empty_engine, fixtures_dir / "catalog.csv", "csv", progress=False)
    shop = SqlShopService(empty_engine)
    fingerprint = shop.catalog_fingerprint()
    changed = tmp_path / "catalog.csv"
    shutil.copyfile(fixtures_dir / "catalog.csv", changed)
    changed.write_text(changed.read_text().replace("139.00", "129.00"))
    report = import_catalog(empty_engine, changed, "csv", progress=False)
    assert report.products_created == 0 and report.products_updated == 3
    assert shop.count_products() == 3
    assert shop.get_product("cascade-hiker").price_from_cents == 12900
    assert shop.catalog_fingerprint() != fingerprint


GENERIC_JSON = """{"products": [
  {"id": "oslo-sofa", "title": "Oslo Sofa", "brand": "Nordhus",
   "category": "Home > Furniture > Sofas", "type": "Sofa", "collections": ["Living room"],
   "images": [{"url": "https://cdn.example.org/oslo.jpg", "alt": "Oslo sofa"},
              {"url": "https://cdn.example.org/oslo-teal.jpg", "variant_skus": ["OS-TEAL"]}],
   "variants": [
     {"sku": "OS-GREY", "options": {"Fabric": "Wool", "Colour": "Grey"}, "price": 899},
     {"sku": "OS-TEAL", "options": [["Fabric", "Velvet"], ["Colour", "Teal"]], "price": 949}
   ]},
  {"id": "bergen-sofa", "title": "Bergen Sofa", "category": ["Home", "Furniture", "Sofas"],
   "price": 799},
  {"id": "lamp", "title": "Fjord Floor Lamp", "category": "Home > Lighting", "price": 120},
  {"id": "mystery-couch", "title": "Velvet corner sofa for the living room", "price": 1200}
]}"""


def test_generic_json_keeps_paths_options_images_and_suggests(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(GENERIC_JSON, encoding="utf-8")

    report = import_catalog(empty_engine, path, "json", progress=False)

    shop = SqlShopService(empty_engine)
    sofa = shop.get_product("oslo-sofa")
    assert sofa.category_path == ("Home", "Furniture", "Sofas")
    assert sofa.collections == ("Living room",) and sofa.brand == "Nordhus"
    teal = sofa.variants[1]
    assert teal.options == (("Fabric", "Velvet"), ("Colour", "Teal"))
    assert teal.colour == "teal"
    assert teal.image is not None and teal.image.alt == "Oslo Sofa - Velvet / Teal"
    assert sofa.variants[0].image is None and sofa.images[0].alt == "Oslo sofa"
    assert shop.get_product("bergen-sofa").category_path == ("Home", "Furniture", "Sofas")
    couch = shop.get_product("mystery-couch")
    assert couch.category_path == () and couch.suggested_category == ("Home", "Furniture", "Sofas")
    assert [u.product_id for u in report.uncategorised] == ["mystery-couch"]
    assert report.rejected == ()


def test_a_catalog_without_category_paths_is_organised_by_its_types(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "types.csv"
    path.write_text(
        "title,type,price\n"
        "Oak Stool,Stool,40\n"
        "Ash Stool,Stool,45\n"
        "Silver Ring,Ring,30\n"
        "Gift card,,10\n",
        encoding="utf-8",
    )

    report = import_catalog(empty_engine, path, "csv", progress=False)

    shop = SqlShopService(empty_engine)
    assert [(n.path, n.product_count) for n in shop.category_tree()] == [
        (("Ring",), 1),
        (("Stool",), 2),
    ]
    gift = shop.get_product("gift-card")  # no word in common with any category
    assert gift.category_path == () and gift.suggested_category == ()
    assert "gift-card (Gift card): no suggestion" in report.summary()


def test_shopify_column_case_taxonomy_ids_and_collections(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "\ufeffHandle,Title,Vendor,Product category,Type,Collection,Option1 Name,"
        "Option1 Value,Variant SKU,Variant Price,Image Src,Image Position,Image Alt Text\n"
        'oak-stool,Oak Stool,Hollow Oak,Furniture > Stools,Stool,"Kitchen, Best sellers",'
        "Wood,Oak,HO-ST-OAK,80,https://cdn.example.org/stool.jpg,1,Oak stool\n"
        "oak-stool,,,,,,,,,,https://cdn.example.org/stool-top.jpg,2,\n"
        "oak-stool,,,,,,,Ash,HO-ST-ASH,75,,,\n"
        "ash-stool,Ash Stool,Hollow Oak,gid://shopify/TaxonomyCategory/fr-7,Stool,,"
        "Title,Default Title,HO-AS,70,,,\n",
        encoding="utf-8",
    )

    report = import_catalog(empty_engine, path, "shopify", progress=False)

    shop = SqlShopService(empty_engine)
    stool = shop.get_product("oak-stool")
    assert stool.category_path == ("Furniture", "Stools")
    assert stool.collections == ("Kitchen", "Best sellers")
    assert [(i.url, i.alt) for i in stool.images] == [
        ("https://cdn.example.org/stool.jpg", "Oak stool"),
        ("https://cdn.example.org/stool-top.jpg", "Oak Stool"),
    ]
    assert [v.options for v in stool.variants] == [(("Wood", "Oak"),), (("Wood", "Ash"),)]
    # a taxonomy id names nothing we can show: the product joins its type's path
    assert shop.get_product("ash-stool").category_path == ("Furniture", "Stools")
    assert shop.get_product("ash-stool").images == ()
    assert report.rejected == () and report.uncategorised == ()
