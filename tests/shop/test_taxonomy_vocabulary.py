"""Category paths, the category tree and the catalog vocabulary, computed from products."""

from __future__ import annotations

from shop.api import CategoryNode, Image, Product, Variant
from shop.importers.suggest import CategorySuggester
from shop.taxonomy import parse_path, path_from_key, path_key, tree_of
from shop.vocabulary import vocabulary_of


def _product(
    pid: str,
    path: tuple[str, ...],
    product_type: str = "",
    options: tuple[tuple[str, str], ...] = (),
    colour: str | None = None,
) -> Product:
    return Product(
        id=pid,
        handle=pid,
        title=pid,
        brand="Hollow Oak",
        category_path=path,
        product_type=product_type,
        description="",
        material=None,
        attributes={},
        tags=(),
        images=(Image(url=f"https://cdn.example.org/{pid}.jpg", alt=pid),),
        variants=(
            Variant(
                sku=f"{pid}-1", product_id=pid, price_cents=100, colour=colour, options=options
            ),
        ),
    )


def test_paths_are_read_from_text_or_lists_and_stored_as_one_string() -> None:
    assert parse_path("Home >  Furniture > Sofas ") == ("Home", "Furniture", "Sofas")
    assert parse_path(["Home", "Furniture > Sofas", " "]) == ("Home", "Furniture", "Sofas")
    assert parse_path("") == () and parse_path(None) == ()
    key = path_key(("Home", "Furniture", "Sofas"))
    assert key == "Home > Furniture > Sofas"
    assert path_from_key(key) == ("Home", "Furniture", "Sofas") and path_from_key("") == ()


def test_the_tree_counts_products_under_nodes_and_merges_spellings() -> None:
    tree = tree_of(
        {
            ("Furniture", "Sofas"): 2,
            ("furniture", "Tables"): 1,
            ("Furniture",): 1,
            (): 4,  # uncategorised products are in no node
        }
    )
    assert tree == [
        CategoryNode(("Furniture",), 4),
        CategoryNode(("Furniture", "Sofas"), 2),
        CategoryNode(("Furniture", "Tables"), 1),
    ]


def test_vocabulary_words_come_from_the_products() -> None:
    products = [
        _product(
            "a", ("Furniture", "Sofas"), "Sofa", (("Fabric", "Velvet"), ("Colour", "Moss")), "moss"
        ),
        _product("b", ("Furniture", "Sofas"), "Sofa", (("Fabric", "Linen"),)),
        _product("c", ("Jewellery", "Earrings"), "Studs", (("Metal", "Gold"),)),
        _product("d", ("Jewellery", "Earrings"), "Hoops"),
        _product("e", ("Jewellery", "Rings"), "Hoops"),  # Hoops sit in two categories
        _product("f", (), "Gift Card"),
    ]

    vocabulary = vocabulary_of(products)

    assert vocabulary.categories == ("earrings", "furniture", "jewellery", "rings", "sofas")
    assert vocabulary.subcategories == ("earrings", "gift card", "rings", "sofas")
    assert vocabulary.options == (("fabric", ("linen", "velvet")), ("metal", ("gold",)))
    assert vocabulary.colours == ("moss",) and vocabulary.brands == ("Hollow Oak",)
    synonyms = dict(vocabulary.synonyms)
    assert synonyms["sofa"] == "sofas" and synonyms["earring"] == "earrings"
    assert synonyms["studs"] == "earrings" and synonyms["stud"] == "earrings"
    assert "hoops" not in synonyms  # a type in two categories says nothing safe
    assert "gift card" not in synonyms  # already a catalog word


def test_the_suggester_names_the_nearest_category_or_nothing() -> None:
    suggester = CategorySuggester(
        [
            (("Furniture", "Sofas"), "Harbour three-seater sofa velvet cushions"),
            (("Furniture", "Sofas"), "Linden loveseat two-seater sofa"),
            (("Jewellery", "Earrings"), "Drop hoop earrings gold"),
        ]
    )
    suggestion = suggester.suggest("Corner sofa in velvet")
    assert suggestion is not None and suggestion.path == ("Furniture", "Sofas")
    assert 0.5 < suggestion.confidence <= 1.0
    assert suggester.suggest("Gift card") is None
