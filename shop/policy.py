"""Shop policy facts shared by the back end, the demo data, the FAQ and the dialogue.

Keep these in line with docs/helpers/PREAMBLE.md (and the FAQ): changing a number here
changes what the bot promises.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from shop.api import Location, OrderStatus, ReturnEligibility, ShopPolicy

CURRENCY: Final = "EUR"
FREE_SHIPPING_FROM_CENTS: Final = 5_000
STANDARD_SHIPPING_CENTS: Final = 490
EXPRESS_SHIPPING_CENTS: Final = 990
STANDARD_DELIVERY_DAYS: Final = (2, 4)  # business days, from a warehouse with stock
RESTOCK_DELIVERY_DAYS: Final = (7, 10)  # business days, when the warehouses are out of stock
EXPRESS_DELIVERY_DAYS: Final = 1  # business day
RETURN_WINDOW_DAYS: Final = 30
FREE_RETURNS: Final = True  # a prepaid return label
REFUND_BUSINESS_DAYS: Final = 5
HANDOFF_REPLY_HOURS: Final = 24  # a person answers a request for a human by e-mail
MAX_LINE_QUANTITY: Final = 99
FIRST_ORDER_NUMBER: Final = 10001
CARRIERS: Final = ("Colissimo", "DHL", "UPS", "Chronopost")
CANCELLABLE_STATUSES: Final[tuple[OrderStatus, ...]] = ("pending", "paid")
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


# The figures above as the shop service hands them to the dialogue (ShopService.policy).
DEFAULT_POLICY: Final = ShopPolicy(
    free_shipping_from_cents=FREE_SHIPPING_FROM_CENTS,
    standard_shipping_cents=STANDARD_SHIPPING_CENTS,
    express_shipping_cents=EXPRESS_SHIPPING_CENTS,
    standard_delivery_days=STANDARD_DELIVERY_DAYS,
    restock_delivery_days=RESTOCK_DELIVERY_DAYS,
    express_delivery_days=EXPRESS_DELIVERY_DAYS,
    return_window_days=RETURN_WINDOW_DAYS,
    free_returns=FREE_RETURNS,
    refund_business_days=REFUND_BUSINESS_DAYS,
    cancellable_statuses=CANCELLABLE_STATUSES,
    max_line_quantity=MAX_LINE_QUANTITY,
    carriers=CARRIERS,
    handoff_reply_hours=HANDOFF_REPLY_HOURS,
)


def shipping_cents(subtotal_cents: int) -> int:
    """Standard shipping: free from 50 EUR, otherwise 4.90 EUR."""
    return DEFAULT_POLICY.shipping_cents(subtotal_cents)


def return_eligibility(
    status: OrderStatus, delivered_at: datetime | None, now: datetime, rules: ShopPolicy
) -> ReturnEligibility:
    """May an order in ``status``, delivered at ``delivered_at``, be returned at ``now``?

    The one place that decides it: the service checks it before opening a return and
    the dialogue asks it (``ShopService.can_return``) before offering one. A delivered
    order without a delivery time counts as delivered now.
    """
    window = rules.return_window_days
    if status in rules.cancellable_statuses:
        return ReturnEligibility("cancel_instead", window)
    if status == "shipped":
        return ReturnEligibility("not_delivered_yet", window)
    if status != "delivered":
        return ReturnEligibility("closed", window, delivered_at=delivered_at)
    days_since = (now - (delivered_at or now)).days
    if days_since > window:
        return ReturnEligibility("window_closed", window, delivered_at=delivered_at)
    return ReturnEligibility(
        "allowed", window, days_left=max(window - days_since, 1), delivered_at=delivered_at
    )


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
