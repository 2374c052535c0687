"""Shop policy facts shared by the back end, the demo data, the FAQ and the dialogue.

Keep these in line with docs/helpers/PREAMBLE.md (and the FAQ): changing a number here
changes what the bot promises.
"""

from __future__ import annotations

from typing import Final

from shop.api import Location

CURRENCY: Final = "EUR"
FREE_SHIPPING_FROM_CENTS: Final = 5_000
STANDARD_SHIPPING_CENTS: Final = 490
EXPRESS_SHIPPING_CENTS: Final = 990
STANDARD_DELIVERY_DAYS: Final = (2, 4)  # business days, from a warehouse with stock
RESTOCK_DELIVERY_DAYS: Final = (7, 10)  # business days, when the warehouses are out of stock
RETURN_WINDOW_DAYS: Final = 30
REFUND_BUSINESS_DAYS: Final = 5
MAX_LINE_QUANTITY: Final = 99
FIRST_ORDER_NUMBER: Final = 10001
CARRIERS: Final = ("Colissimo", "DHL", "UPS", "Chronopost")
CANCELLABLE_STATUSES: Final = ("pending", "paid")
PAID_ON_ORDER: Final = ("card", "paypal")  # settled at checkout; the others stay "pending"

LOCATIONS: Final = (
    Location(
        "WH-PARIS",
        "Paris warehouse",
        "Paris",
        "warehouse",
        "14 rue des Entrepôts, 93200 Saint-Denis",
    ),
    Location(
        "WH-LILLE",
        "Lille warehouse",
        "Lille",
        "warehouse",
        "3 avenue de la Logistique, 59810 Lesquin",
    ),
    Location("ST-LYON", "Lyon store", "Lyon", "store", "27 rue de la République, 69002 Lyon"),
    Location(
        "ST-MARSEILLE", "Marseille store", "Marseille", "store", "58 La Canebière, 13001 Marseille"
    ),
    Location(
        "ST-BORDEAUX",
        "Bordeaux store",
        "Bordeaux",
        "store",
        "102 rue Sainte-Catherine, 33000 Bordeaux",
    ),
)


def shipping_cents(subtotal_cents: int) -> int:
    """Standard shipping: free from 50 EUR, otherwise 4.90 EUR."""
    return 0 if subtotal_cents >= FREE_SHIPPING_FROM_CENTS else STANDARD_SHIPPING_CENTS


def return_instructions(rma: str, *, days_left: int) -> str:
    return (
        f"Your return number is {rma}. We have e-mailed you a free prepaid return label: "
        f"print it, pack the item(s) with the {rma} slip, and drop the parcel at any "
        f"Colissimo point or one of our stores (Lyon, Marseille, Bordeaux) within "
        f"{days_left} day{'s' if days_left != 1 else ''}. Once the parcel reaches us, the "
        f"refund goes to your original payment method within {REFUND_BUSINESS_DAYS} "
        "business days. Prefer another size or colour? Tell us and we will send the "
        "exchange instead."
    )
