"""A deterministic synthetic catalog for tests and benchmarks (no shop database needed).

``synthetic_products(n, seed)`` yields ``n`` varied products over the shop's categories,
with colour/size variants priced differently, invented model names (rare words for the
lexical index) and descriptions (for the vector index).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from shop.api import CatalogVocabulary, Product, Variant


@dataclass(frozen=True)
class _Kind:
    category: str
    subcategory: str
    nouns: tuple[str, ...]
    materials: tuple[str, ...]
    sizes: tuple[str, ...]
    price: tuple[int, int]  # euros
    features: tuple[str, ...]


SHOE_SIZES = tuple(str(s) for s in range(36, 47))
CLOTHING_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
COLOURS = (
    "black",
    "white",
    "grey",
    "blue",
    "navy",
    "red",
    "green",
    "beige",
    "brown",
    "pink",
    "yellow",
)
BRANDS = (
    "Stride",
    "Northpeak",
    "Lumen",
    "Aurelle",
    "Velora",
    "Kestrel",
    "Maison Rive",
    "Atlas Gear",
    "Soluna",
    "Brisk",
    "Terrano",
    "Ondine",
    "Pixelwave",
    "Hearthly",
    "Fjordline",
    "Cobalt",
    "Minto",
    "Rafale",
    "Ember & Oak",
    "Tidewell",
)

KINDS: tuple[_Kind, ...] = (
    _Kind(
        "shoes",
        "running shoes",
        ("running shoe", "road runner", "trainer"),
        ("mesh", "synthetic"),
        SHOE_SIZES,
        (45, 180),
        (
            "cushioned midsole for long road runs",
            "breathable upper that keeps feet cool",
            "grippy rubber outsole",
            "lightweight for race day",
        ),
    ),
    _Kind(
        "shoes",
        "hiking boots",
        ("hiking boot", "trail boot", "mountain boot"),
        ("leather", "suede"),
        SHOE_SIZES,
        (80, 240),
        (
            "waterproof membrane for wet trails",
            "ankle support on rocky paths",
            "deep lugs for mud and scree",
        ),
    ),
    _Kind(
        "shoes",
        "sneakers",
        ("sneaker", "court shoe", "low-top"),
        ("leather", "canvas"),
        SHOE_SIZES,
        (40, 140),
        ("classic street style", "padded collar for all-day comfort", "easy to clean"),
    ),
    _Kind(
        "shoes",
        "sandals",
        ("sandal", "slide", "flip-flop"),
        ("leather", "rubber"),
        SHOE_SIZES,
        (20, 90),
        ("contoured footbed for summer days", "quick-drying straps for the beach"),
    ),
    _Kind(
        "fashion",
        "t-shirts",
        ("t-shirt", "tee", "crew neck top"),
        ("cotton", "linen"),
        CLOTHING_SIZES,
        (12, 45),
        ("soft organic cotton", "relaxed fit for everyday wear", "pre-shrunk fabric"),
    ),
    _Kind(
        "fashion",
        "jeans",
        ("jeans", "denim trousers", "slim jeans"),
        ("denim",),
        CLOTHING_SIZES,
        (40, 130),
        ("stretch denim that moves with you", "five-pocket styling", "mid-rise waist"),
    ),
    _Kind(
        "fashion",
        "dresses",
        ("dress", "midi dress", "wrap dress"),
        ("cotton", "viscose", "linen"),
        CLOTHING_SIZES,
        (35, 160),
        ("flowing silhouette for summer evenings", "elegant for weddings and parties"),
    ),
    _Kind(
        "fashion",
        "rain jackets",
        ("rain jacket", "shell jacket", "anorak"),
        ("polyester", "nylon"),
        CLOTHING_SIZES,
        (60, 220),
        (
            "waterproof and windproof shell",
            "taped seams keep the rain out",
            "packs into its own pocket",
        ),
    ),
    _Kind(
        "fashion",
        "sweaters",
        ("sweater", "jumper", "cardigan"),
        ("wool", "cotton", "cashmere"),
        CLOTHING_SIZES,
        (40, 190),
        ("warm knit for cold winter days", "ribbed cuffs and hem"),
    ),
    _Kind(
        "electronics",
        "headphones",
        ("headphones", "earbuds", "headset"),
        ("plastic", "aluminium"),
        (),
        (25, 350),
        (
            "wireless bluetooth with long battery life",
            "active noise cancelling for travel",
            "clear microphone for calls",
        ),
    ),
    _Kind(
        "electronics",
        "speakers",
        ("speaker", "soundbar", "bluetooth speaker"),
        ("plastic", "aluminium"),
        (),
        (30, 400),
        ("room-filling sound with deep bass", "splash-proof for the garden"),
    ),
    _Kind(
        "electronics",
        "smartwatches",
        ("smartwatch", "fitness tracker", "watch"),
        ("aluminium", "silicone"),
        (),
        (60, 420),
        ("heart-rate and sleep tracking", "GPS for runs and rides", "week-long battery"),
    ),
    _Kind(
        "electronics",
        "chargers",
        ("charger", "power bank", "charging cable"),
        ("plastic",),
        (),
        (10, 80),
        ("fast charging for phones and tablets", "compact enough for any bag"),
    ),
    _Kind(
        "home",
        "lamps",
        ("lamp", "desk lamp", "floor lamp"),
        ("metal", "ceramic", "glass"),
        (),
        (25, 220),
        ("warm dimmable light for reading", "minimalist design for living rooms"),
    ),
    _Kind(
        "home",
        "cushions",
        ("cushion", "throw pillow", "floor cushion"),
        ("cotton", "linen", "velvet"),
        (),
        (15, 70),
        ("soft filling for the sofa", "removable washable cover"),
    ),
    _Kind(
        "home",
        "mugs",
        ("mug", "coffee cup", "tea cup"),
        ("ceramic", "stoneware"),
        (),
        (8, 35),
        ("dishwasher safe", "keeps your coffee hot"),
    ),
    _Kind(
        "sport",
        "yoga mats",
        ("yoga mat", "exercise mat", "pilates mat"),
        ("rubber", "cork"),
        (),
        (20, 110),
        ("non-slip surface for yoga and pilates", "extra thick for knee comfort"),
    ),
    _Kind(
        "sport",
        "dumbbells",
        ("dumbbell set", "kettlebell", "weight set"),
        ("steel", "rubber"),
        (),
        (20, 200),
        ("strength training at home", "anti-roll hexagonal heads"),
    ),
    _Kind(
        "sport",
        "water bottles",
        ("water bottle", "flask", "sports bottle"),
        ("steel", "plastic"),
        (),
        (10, 45),
        ("insulated to keep drinks cold for 24 hours", "leak-proof lid"),
    ),
    _Kind(
        "beauty",
        "face creams",
        ("face cream", "moisturiser", "night cream"),
        ("glass",),
        (),
        (12, 90),
        ("hydrating formula for dry skin", "fragrance-free for sensitive skin"),
    ),
    _Kind(
        "beauty",
        "perfumes",
        ("eau de parfum", "eau de toilette", "perfume"),
        ("glass",),
        (),
        (30, 160),
        ("fresh citrus and cedar notes", "floral scent with a hint of vanilla"),
    ),
    _Kind(
        "kids",
        "kids t-shirts",
        ("kids t-shirt", "children's tee", "kids top"),
        ("cotton",),
        ("4Y", "6Y", "8Y", "10Y", "12Y"),
        (8, 30),
        ("playful prints for school days", "soft cotton for sensitive skin"),
    ),
    _Kind(
        "kids",
        "toys",
        ("building set", "plush toy", "puzzle"),
        ("wood", "plastic"),
        (),
        (10, 80),
        ("encourages creative play", "safe for ages 3 and up"),
    ),
    _Kind(
        "outdoor",
        "tents",
        ("tent", "dome tent", "backpacking tent"),
        ("nylon", "polyester"),
        (),
        (70, 450),
        ("sets up in minutes at the campsite", "storm-proof for wild camping"),
    ),
    _Kind(
        "outdoor",
        "sleeping bags",
        ("sleeping bag", "mummy bag", "quilt"),
        ("down", "polyester"),
        (),
        (40, 300),
        ("warm down fill for cold nights", "compresses small in a backpack"),
    ),
    _Kind(
        "outdoor",
        "hiking backpacks",
        ("hiking backpack", "daypack", "trekking pack"),
        ("nylon", "polyester"),
        (),
        (35, 250),
        ("ventilated back panel for long hikes", "hydration sleeve and rain cover"),
    ),
    _Kind(
        "accessories",
        "belts",
        ("belt", "leather belt", "canvas belt"),
        ("leather", "canvas"),
        ("S", "M", "L"),
        (15, 90),
        ("solid brass buckle", "classic style for jeans and chinos"),
    ),
    _Kind(
        "accessories",
        "sunglasses",
        ("sunglasses", "aviators", "sport shades"),
        ("acetate", "metal"),
        (),
        (25, 220),
        ("polarised lenses cut glare", "UV400 protection"),
    ),
    _Kind(
        "accessories",
        "wallets",
        ("wallet", "card holder", "coin purse"),
        ("leather",),
        (),
        (15, 120),
        ("slim profile for the front pocket", "RFID blocking"),
    ),
)

_SYLLABLES = (
    "ae",
    "ro",
    "zen",
    "vo",
    "lux",
    "tra",
    "kai",
    "mo",
    "ra",
    "vin",
    "sol",
    "tek",
    "qu",
    "ryx",
    "fa",
    "lo",
    "nor",
    "pe",
    "zi",
    "dar",
    "ul",
    "ka",
    "mi",
    "ver",
)
_ADJECTIVES = (
    "Classic",
    "Lightweight",
    "Everyday",
    "Pro",
    "Essential",
    "Premium",
    "Urban",
    "Trail",
    "Comfort",
    "Eco",
    "Sport",
    "Soft",
)


def _model_name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def synthetic_products(n: int, *, seed: int = 7, start: int = 1) -> Iterator[Product]:
    """``n`` products with ids ``P{start:06d}``..., the same for the same seed."""
    rng = random.Random(seed)
    for number in range(start, start + n):
        kind = KINDS[rng.randrange(len(KINDS))]
        brand = rng.choice(BRANDS)
        model = _model_name(rng)
        noun = rng.choice(kind.nouns)
        adjective = rng.choice(_ADJECTIVES)
        material = rng.choice(kind.materials)
        title = f"{model} {adjective} {noun.title()}"
        features = rng.sample(kind.features, k=min(2, len(kind.features)))
        description = (
            f"The {model} by {brand} is a {adjective.lower()} {noun} in {material}: "
            f"{features[0]}" + (f", {features[1]}." if len(features) > 1 else ".")
        )
        base = rng.randint(*kind.price) * 100 - 1  # prices like 79.99
        colours = rng.sample(COLOURS, k=rng.randint(1, 3))
        if kind.sizes:
            first = rng.randrange(max(1, len(kind.sizes) - 3))
            sizes: list[str | None] = list(kind.sizes[first : first + rng.randint(3, 5)])
        else:
            sizes = [None]
        pid = f"P{number:06d}"
        variants = []
        for c_index, colour in enumerate(colours):
            for s_index, size in enumerate(sizes):
                # Colours and larger sizes cost a little more: matching variants matter.
                price = base + c_index * 500 + (300 if s_index >= 3 else 0)
                variants.append(
                    Variant(
                        sku=f"{pid}-{colour[:3].upper()}-{size or 'OS'}",
                        product_id=pid,
                        price_cents=price,
                        size=size,
                        colour=colour,
                        compare_at_cents=None,
                        options=tuple(
                            (name, value)
                            for name, value in (("Colour", colour), ("Size", size))
                            if value
                        ),
                    )
                )
        attributes = {"material": material}
        if kind.category == "electronics":
            attributes["warranty"] = "2 years"
        if "waterproof" in " ".join(features):
            attributes["waterproof"] = "yes"
        yield Product(
            id=pid,
            handle=f"{model.lower()}-{noun.replace(' ', '-').lower()}-{number}",
            title=title,
            brand=brand,
            category_path=(kind.category, kind.subcategory),
            product_type=kind.subcategory,
            description=description,
            material=material,
            attributes=attributes,
            tags=(kind.subcategory, adjective.lower()),
            images=(),
            variants=tuple(variants),
        )


def vocabulary_of(products: Iterable[Product]) -> CatalogVocabulary:
    """The catalog vocabulary of ``products`` (what the shop's ``vocabulary()`` returns)."""
    categories: set[str] = set()
    subcategories: set[str] = set()
    brands: set[str] = set()
    colours: set[str] = set()
    sizes: set[str] = set()
    materials: set[str] = set()
    options: dict[str, set[str]] = {}
    for product in products:
        categories.update(node.casefold() for node in product.category_path)
        subcategories.add(product.subcategory)
        brands.add(product.brand)
        colours.update(product.colours)
        sizes.update(product.sizes)
        if product.material:
            materials.add(product.material)
        for variant in product.variants:
            for name, value in variant.options:
                if name.casefold() not in ("size", "colour", "color"):
                    options.setdefault(name.casefold(), set()).add(value.casefold())
    return CatalogVocabulary(
        categories=tuple(sorted(categories)),
        subcategories=tuple(sorted(subcategories)),
        brands=tuple(sorted(brands)),
        colours=tuple(sorted(colours)),
        sizes=tuple(sorted(sizes)),
        materials=tuple(sorted(materials)),
        options=tuple((name, tuple(sorted(values))) for name, values in sorted(options.items())),
    )


def demo_in_stock(ids: Iterable[str]) -> set[str]:
    """A fixed stock rule for synthetic catalogs: every third product is out of stock."""
    return {pid for pid in ids if int(pid[1:]) % 3 != 0}
