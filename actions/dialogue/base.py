"""The base class of every custom action: shop and knowledge failures become messages.

A ``ShopError`` is explained to the shopper in plain words, with the shop's own figures
(``ShopService.policy``); a shop (``ShopUnavailable``) or index that cannot be reached is
said so (and logged with its traceback) instead of crashing the action server's request.
Adapters only ever see the shop's and the knowledge base's errors, never a database
library's.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import services
from actions.dialogue.formatting import money
from knowledge.errors import KnowledgeError
from shop import errors
from shop.api import ShopPolicy

logger = logging.getLogger(__name__)

T = TypeVar("T")

SHOP_DOWN = "Sorry, I can't reach the shop system right now. Please try again in a few minutes."
SEARCH_DOWN = (
    "Sorry, product search and shop answers are unavailable right now. Please try "
    "again in a few minutes."
)
ORDER_NOT_FOUND = "I couldn't find an order with that number for that e-mail."


async def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking shop or knowledge call off the event loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


def explain(error: errors.ShopError, rules: ShopPolicy) -> str:
    """A shopper-facing sentence for a shop error, with the shop's figures."""
    if isinstance(error, errors.OrderNotFound):
        return ORDER_NOT_FOUND
    if isinstance(error, errors.ProductNotFound):
        return "I can't find that product any more. Could you search again?"
    if isinstance(error, errors.VariantNotFound):
        options = []
        if error.available_sizes:
            options.append(f"sizes {', '.join(error.available_sizes)}")
        if error.available_colours:
            options.append(f"colours {', '.join(error.available_colours)}")
        offer = f" It comes in {' and '.join(options)}." if options else ""
        return f"That size or colour doesn't exist for this product.{offer}"
    if isinstance(error, errors.OutOfStock):
        if error.available <= 0:
            return "Sorry, that one is out of stock right now."
        return f"Sorry, only {error.available} left in stock; you asked for {error.requested}."
    if isinstance(error, errors.InvalidQuantity):
        return f"I can add between 1 and {rules.max_line_quantity} of an item."
    if isinstance(error, errors.CartEmpty):
        return "Your cart is empty. Find something you like first!"
    if isinstance(error, errors.OrderNotCancellable):
        return (
            f"Order {error.number} is already {error.status}, so it can't be cancelled. "
            f"Once it's delivered you can return it within {rules.return_window_days} days."
        )
    if isinstance(error, errors.ReturnNotAllowed):
        return f"I can't open a return for order {error.number}: {error.reason}"
    if isinstance(error, errors.InvalidCheckoutDetails):
        return f"There's a problem with the {error.field}: {error.problem}"
    return f"Sorry, that didn't work: {error}"


async def guarded(
    coroutine: Any, dispatcher: CollectingDispatcher, action_name: str
) -> list[dict[str, Any]]:
    """Await an action body; turn expected failures into a message and no events."""
    try:
        result: list[dict[str, Any]] = await coroutine
        return result
    except errors.ShopUnavailable:
        logger.exception("%s: shop database error", action_name)
        dispatcher.utter_message(text=SHOP_DOWN)
    except errors.ShopError as error:
        dispatcher.utter_message(text=explain(error, services.current().shop.policy))
        logger.info("%s: %s", action_name, error)
    except KnowledgeError:
        logger.exception("%s: knowledge base error", action_name)
        dispatcher.utter_message(text=SEARCH_DOWN)
    return []


class ShopAction(Action, ABC):
    """A custom action whose body runs inside ``guarded``."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return await guarded(self.act(dispatcher, tracker, domain), dispatcher, self.name())

    @abstractmethod
    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]: ...


def price(cents: int) -> str:
    return money(cents, services.current().shop.currency)
