"""Seed a realistic, deterministic demo shop: catalog, stock, customers and order history.

Same ``seed`` + same ``anchor`` -> an identical database. Dates are relative to the
anchor (default: today at midnight UTC). Rows go in with bulk inserts in one
transaction, so the default shop (1,600 products, ~2,200 orders) seeds in seconds.
"""

from __future__ import annotations

import logging
import random
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select

from shop import policy
from shop.api import Product
from shop.db import (
    CustomerRow,
    ImageRow,
    InventoryRow,
    LocationRow,
    OrderLineRow,
    OrderRow,
    ProductRow,
    RefundRow,
    ReservationRow,
    ReturnRow,
    ShipmentRow,
    TrackingEventRow,
    VariantRow,
    create_schema,
)
from shop.demo.catalog import DemoCatalog, generate_catalog, is_restock
from shop.demo.freshness import DemoSeed, record_seed
from shop.demo.orders import Row, Stock, generate_orders
from shop.records import image_columns, product_columns, variant_columns
from shop.sql_service import SqlShopService

logger = logging.getLogger(__name__)

FIRST_NAMES = (
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Jade",
    "Louise",
    "Emma",
    "Alice",
    "Zoé",
    "Lucas",
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Nathan",
    "Théo",
    "Adam",
    "Raphaël",
    "Sofia",
    "Noah",
    "Yasmine",
    "Karim",
    "Mei",
    "Priya",
    "Oliver",
    "Amelia",
    "Lars",
    "Ingrid",
    "Mateo",
    "Lucia",
    "Tomasz",
    "Aiko",
    "Fatou",
    "Moussa",
    "Élodie",
    "Bastien",
    "Margaux",
    "Quentin",
    "Anouk",
    "Célestin",
    "Maëlle",
    "Idris",
    "Romane",
    "Sacha",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "Legrand",
    "Gauthier",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Rousseau",
    "Mathieu",
    "Nguyen",
    "Haddad",
    "Jensen",
    "Kowalski",
    "Rossi",
    "Silva",
    "Tanaka",
    "Okafor",
    "Lindqvist",
)
CITIES = (
    ("Paris", "75011"),
    ("Lyon", "69003"),
    ("Marseille", "13006"),
    ("Bordeaux", "33000"),
    ("Lille", "59000"),
    ("Toulouse", "31000"),
    ("Nantes", "44000"),
    ("Strasbourg", "67000"),
    ("Montpellier", "34000"),
    ("Rennes", "35000"),
    ("Nice", "06000"),
    ("Grenoble", "38000"),
    ("Dijon", "21000"),
    ("Tours", "37000"),
    ("Brest", "29200"),
    ("Reims", "51100"),
)
STREETS = (
    "rue des Lilas",
    "avenue Victor Hugo",
    "boulevard Voltaire",
    "rue de la Paix",
    "place du Marché",
    "rue Pasteur",
    "chemin des Vignes",
    "allée des Tilleuls",
    "rue du Moulin",
    "quai des Brumes",
    "impasse des Acacias",
    "rue de la Gare",
)
EMAIL_DOMAINS = ("example.com", "example.org")


@dataclass(frozen=True)
class SeedSummary:
    seed: int
    anchor: datetime
    products: int
    variants: int
    locations: int
    customers: int
    orders: int
    orders_by_status: dict[str, int]
    returns: int
    refunds: int


def default_anchor() -> datetime:
    """Today at midnight UTC."""
    now = datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def generate_customers(rng: random.Random, count: int, anchor: datetime) -> list[Row]:
    customers: list[Row] = []
    used: set[str] = set()
    for number in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, postcode = rng.choice(CITIES)
        base = f"{_ascii(first)}.{_ascii(last)}"
        domain = EMAIL_DOMAINS[number % 2]
        email = f"{base}@{domain}"
        suffix = 2
        while email in used:
            email = f"{base}{suffix}@{domain}"
            suffix += 1
        used.add(email)
        phone = "+33 6 " + " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4))
        customers.append(
            {
                "id": f"C{number:05d}",
                "email": email,
                "name": f"{first} {last}",
                "phone": phone,
                "city": city,
                "address": f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {postcode} {city}",
                "created_at": anchor - timedelta(days=rng.randint(60, 900)),
            }
        )
    return customers


def generate_stock(rng: random.Random, products: Sequence[Product]) -> Stock:
    """On-hand units per (sku, location). Restock products (``is_restock``) have nothing in
    the warehouses; every other product has some, so ``demo_in_stock`` holds for the shop
    as seeded (before open orders reserve units)."""
    chances = {"WH-PARIS": (0.78, 40), "WH-LILLE": (0.62, 25)}
    stock: Stock = {}
    for product in products:
        restock = is_restock(product.id)
        shippable = 0
        for variant in product.variants:
            for location in policy.LOCATIONS:
                if location.kind == "warehouse":
                    chance, most = chances[location.code]
                    if restock:
                        chance = 0.0
                else:
                    chance, most = 0.45, 6
                on_hand = rng.randint(1, most) if rng.random() < chance else 0
                stock[(variant.sku, location.code)] = [on_hand, 0]
                if location.kind == "warehouse":
                    shippable += on_hand
        if not restock and not shippable:
            stock[(product.variants[0].sku, "WH-PARIS")][0] = rng.randint(3, 12)
    return stock


def _catalog_rows(catalog: DemoCatalog, anchor: datetime) -> tuple[list[Row], list[Row], list[Row]]:
    """Rows of the products, variants and images tables."""
    product_rows: list[Row] = []
    variant_rows: list[Row] = []
    image_rows: list[Row] = []
    for product in catalog.products:
        created_at = catalog.created_at(product.id, anchor)
        product_rows.append(
            {**product_columns(product), "created_at": created_at, "updated_at": created_at}
        )
        variant_rows.extend(
            variant_columns(variant, position) for position, variant in enumerate(product.variants)
        )
        image_rows.extend(image_columns(product.id, image) for image in product.images)
    return product_rows, variant_rows, image_rows


def seed_demo_shop(
    engine: Engine,
    *,
    seed: int,
    products: int,
    anchor: datetime | None = None,
    customers: int | None = None,
    orders: int | None = None,
    currency: str = policy.CURRENCY,
) -> SeedSummary:
    """Create the schema and fill an empty shop database with demo data.

    ``customers`` defaults to max(60, products // 5) and ``orders`` to 1.4 x products
    (1,600 products -> 320 customers, 2,240 orders). The caller makes sure the database
    is empty (``python -m shop seed --force`` drops it first).
    """
    if products < 1:
        raise ValueError(f"products must be at least 1, got {products}.")
    anchor = anchor or default_anchor()
    if anchor.tzinfo is None:
        anchor = anchor.replace(tzinfo=UTC)
    n_customers = customers if customers is not None else max(60, products // 5)
    n_orders = orders if orders is not None else max(40, int(products * 1.4))
    catalog = generate_catalog(products, seed)
    rng = random.Random(f"{seed}-shop")  # stock, customers and orders; the catalog has its own
    stock = generate_stock(rng, catalog.products)
    people = generate_customers(rng, n_customers, anchor)
    history = generate_orders(
        rng, anchor, n_orders, people, list(catalog.products), stock, currency
    )
    product_rows, variant_rows, image_rows = _catalog_rows(catalog, anchor)
    inventory_rows = [
        {"sku": sku, "location_code": code, "on_hand": on_hand, "reserved": reserved}
        for (sku, code), (on_hand, reserved) in stock.items()
    ]
    create_schema(engine)
    with engine.begin() as conn:

        def bulk(model: Any, rows: list[Row]) -> None:
            if rows:
                conn.execute(insert(model.__table__), rows)

        bulk(
            LocationRow,
            [
                {
                    "code": loc.code,
                    "name": loc.name,
                    "city": loc.city,
                    "kind": loc.kind,
                    "address": loc.address,
                }
                for loc in policy.LOCATIONS
            ],
        )
        bulk(ProductRow, product_rows)
        bulk(VariantRow, variant_rows)
        bulk(ImageRow, image_rows)
        bulk(InventoryRow, inventory_rows)
        bulk(CustomerRow, people)
        bulk(OrderRow, history.orders)
        bulk(OrderLineRow, history.lines)
        bulk(ReservationRow, history.reservations)
        bulk(ShipmentRow, history.shipments)
        shipment_ids = dict(conn.execute(select(ShipmentRow.order_number, ShipmentRow.id)).all())
        bulk(
            TrackingEventRow,
            [
                {"shipment_id": shipment_ids[number], **event}
                for number, events in history.events.items()
                for event in events
            ],
        )
        bulk(ReturnRow, history.returns)
        bulk(RefundRow, history.refunds)
    by_status = Counter(order["status"] for order in history.orders)
    summary = SeedSummary(
        seed=seed,
        anchor=anchor,
        products=len(product_rows),
        variants=len(variant_rows),
        locations=len(policy.LOCATIONS),
        customers=len(people),
        orders=len(history.orders),
        orders_by_status=dict(sorted(by_status.items())),
        returns=len(history.returns),
        refunds=len(history.refunds),
    )
    # remembered so that scripts/setup.sh seeds a stale demo shop again (shop.demo.freshness)
    fingerprint = SqlShopService(engine, currency=currency).catalog_fingerprint()
    record_seed(engine, DemoSeed(anchor, seed, len(product_rows), fingerprint))
    logger.info("Seeded demo shop: %s", summary)
    return summary
