"""Judged queries on the demo catalog: relevance rules per query, and things it does not sell.

NOT a public data set. No package on the registries this project can reach (PyPI, Debian,
npm) ships a product search collection with human judgements (WANDS, ESCI, Home Depot)
or a BEIR set inside the package; every loader found downloads at run time. So these
queries and their judgements were written by hand for the demo shop's kinds
(``shop/demo/kinds.py``), before the fusion weights and the relevance floor were tuned.

Each query judges every product by a rule over its data: grade 2 when the product is of
one of the ``kinds`` (subcategories) and meets every extra condition (colour, material
word, attribute, words of the title), grade 1 when it is of one of the ``kinds`` but misses
a condition or is of a ``related`` kind, 0 otherwise.

The queries are in two halves: ``TUNING`` (used to pick the fusion weights and the floor)
and ``HELD_OUT`` (only measured). ``NOT_SOLD`` queries ask for things the demo shop does
not sell; they calibrate the relevance floor, again in two halves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shop.api import Product


@dataclass(frozen=True)
class Judged:
    query: str
    kinds: tuple[str, ...]  # subcategories that answer the query
    related: tuple[str, ...] = ()  # subcategories that half answer it
    colour: str | None = None
    material: str | None = None  # a word of the material ("leather" in "full-grain leather")
    attributes: dict[str, str] = field(default_factory=dict)
    title: tuple[str, ...] = ()  # words the title must hold (a model name)

    def grade(self, product: Product) -> int:
        kind = product.subcategory
        if kind in self.related:
            return 1
        if kind not in self.kinds:
            return 0
        exact = (
            (self.colour is None or self.colour in product.colours)
            and (self.material is None or self.material in (product.material or "").lower())
            and all(product.attributes.get(k) == v for k, v in self.attributes.items())
            and all(word in product.title.lower().split() for word in self.title)
        )
        return 2 if exact else 1


TUNING: tuple[Judged, ...] = (
    Judged("running shoes", ("running shoes",), ("trail running shoes",)),
    Judged("blue running shoes", ("running shoes",), colour="blue"),
    Judged("shoes for jogging on the road", ("running shoes",), ("trail running shoes",)),
    Judged("trail shoes for muddy paths", ("trail running shoes",), ("hiking boots",)),
    Judged("waterproof hiking boots", ("hiking boots",), attributes={"waterproof": "yes"}),
    Judged("leather sneakers", ("sneakers",), material="leather"),
    Judged("something warm to wear at home on my feet", ("slippers",)),
    Judged("rain jacket", ("rain jackets",), ("kids rainwear", "softshell jackets")),
    Judged("yellow raincoat", ("rain jackets",), ("kids rainwear",), colour="yellow"),
    Judged("slim jeans", ("jeans",), attributes={"leg": "slim"}),
    Judged("dress for a wedding", ("dresses",)),
    Judged("merino wool sweater", ("sweaters",), material="merino"),
    Judged("linen shirt", ("shirts",), material="linen"),
    Judged("warm winter coat", ("coats",)),
    Judged(
        "noise cancelling headphones",
        ("wireless headphones",),
        ("earbuds",),
        attributes={"noise cancelling": "yes"},
    ),
    Judged("earbuds for the gym", ("earbuds",), ("wireless headphones",)),
    Judged("gps watch for training", ("smartwatches",), ("watches",)),
    Judged("portable speaker for the beach", ("bluetooth speakers",)),
    Judged("fast phone charger 65 W", ("phone accessories",), attributes={"output": "65 W"}),
    Judged("ebook reader", ("e-readers",)),
    Judged("linen duvet cover", ("bedding",), material="linen"),
    Judged("cast iron pan", ("cookware",), material="cast iron"),
    Judged("lamp for the living room", ("lighting",)),
    Judged("velvet cushion", ("cushions",), material="velvet"),
    Judged("coffee grinder", ("kitchen appliances",)),
    Judged("cork yoga mat", ("yoga mats",), material="cork"),
    Judged("weights for training at home", ("dumbbells",)),
    Judged("city bike for commuting", ("bikes",)),
    Judged("swimsuit for the pool", ("swimwear",)),
    Judged("face cream for dry skin", ("skincare",), attributes={"skin type": "dry"}),
    Judged("floral perfume", ("fragrances",), attributes={"scent": "floral"}),
    Judged("shampoo for curly hair", ("hair care",), attributes={"hair type": "curly"}),
    Judged("red lipstick", ("makeup",), colour="red"),
    Judged("kids sneakers", ("kids shoes",), ("sneakers",)),
    Judged("wooden toys", ("toys",)),
    Judged("4-season tent", ("tents",), attributes={"season": "4-season"}),
    Judged("backpack for day hikes", ("backpacks",)),
    Judged("down sleeping bag", ("sleeping bags",), material="down"),
    Judged("camping stove", ("camping gear",)),
    Judged("leather wallet", ("wallets",), material="leather"),
    Judged("gold ring", ("jewellery",), colour="gold"),
    Judged("wool beanie", ("hats and scarves",), material="wool"),
)

HELD_OUT: tuple[Judged, ...] = (
    Judged(
        "road running shoes with high cushioning",
        ("running shoes",),
        attributes={"cushioning": "high"},
    ),
    Judged("black trail running shoes", ("trail running shoes",), colour="black"),
    Judged("boots for hiking in the mountains", ("hiking boots",), ("trail running shoes",)),
    Judged("white sneakers", ("sneakers",), colour="white"),
    Judged("sandals for the beach", ("sandals",)),
    Judged("suede ankle boots", ("boots",), material="suede"),
    Judged("cosy slippers", ("slippers",)),
    Judged(
        "waterproof jacket for the rain",
        ("rain jackets",),
        ("softshell jackets", "kids rainwear"),
        attributes={"waterproof": "yes"},
    ),
    Judged("straight leg jeans", ("jeans",), attributes={"leg": "straight"}),
    Judged("maxi dress", ("dresses",), attributes={"length": "maxi"}),
    Judged("cashmere jumper", ("sweaters",), material="cashmere"),
    Judged("oxford shirt for the office", ("shirts",), material="oxford"),
    Judged("down coat", ("coats",), material="down"),
    Judged("wireless headphones", ("wireless headphones",), ("earbuds",)),
    Judged("earphones with long battery", ("earbuds",), ("wireless headphones",)),
    Judged("smartwatch", ("smartwatches",), ("watches",)),
    Judged("bluetooth speaker", ("bluetooth speakers",)),
    Judged("braided charging cable", ("phone accessories",), material="braided"),
    Judged("e-reader with 32 GB", ("e-readers",), attributes={"storage": "32 GB"}),
    Judged("percale bed linen", ("bedding",), material="percale"),
    Judged("frying pan for induction", ("cookware",)),
    Judged("table lamp", ("lighting",)),
    Judged("sofa cushions", ("cushions",)),
    Judged("basket to tidy toys", ("storage",), ("toys",)),
    Judged("grinder for coffee beans", ("kitchen appliances",)),
    Judged("thick yoga mat 8 mm", ("yoga mats",), attributes={"thickness": "8 mm"}),
    Judged("dumbbell set", ("dumbbells",)),
    Judged("training t-shirt", ("sports t-shirts",), ("t-shirts",)),
    Judged("running shorts", ("running shorts",)),
    Judged("bicycle", ("bikes",)),
    Judged("moisturiser for sensitive skin", ("skincare",), attributes={"skin type": "sensitive"}),
    Judged("woody fragrance", ("fragrances",), attributes={"scent": "woody"}),
    Judged("hoodie for kids", ("kids clothing",)),
    Judged("rain jacket for children", ("kids rainwear",), ("rain jackets",)),
    Judged("tent for camping", ("tents",)),
    Judged("waxed canvas backpack", ("backpacks",), material="waxed canvas"),
    Judged("softshell jacket", ("softshell jackets",), ("rain jackets",)),
    Judged("leather tote bag", ("bags",), material="leather"),
    Judged("sunglasses", ("sunglasses",)),
    Judged("stainless steel watch", ("watches",), ("smartwatches",), material="stainless"),
    Judged("leather belt", ("belts",)),
    Judged("silver jewellery", ("jewellery",), material="silver"),
)

# Things the demo shop does not sell (no kind answers them), for the relevance floor.
NOT_SOLD_TUNING: tuple[str, ...] = (
    "a suit for work",
    "lawn mower",
    "car tyres",
    "printer ink",
    "dog food",
    "garden hose",
    "office chair",
    "vacuum cleaner",
    "golf clubs",
    "guitar strings",
    "baby stroller",
    "wine glasses",
    "power drill",
    "fishing rod",
    "mattress",
    "television",
)
NOT_SOLD_HELD_OUT: tuple[str, ...] = (
    "I am looking for a suit for work",
    "laptop",
    "refrigerator",
    "paint roller",
    "tennis racket",
    "aquarium filter",
    "motor oil",
    "board games",
    "piano",
    "winter tyres for my car",
    "cat litter",
    "dining table",
    "microwave oven",
    "ski helmet",
    "wedding suit",
    "kayak paddle",
)
