"""The collaborators every custom action uses, registered once by the entry point.

Actions never build these themselves: ``actions.__main__`` (or a test fixture) opens the
shop, the knowledge base, the handoff queue and the verification limiter from ``Settings``
and calls ``register``.
The knowledge base, the handoff queue and the desk's availability are described by small
protocols so actions depend only on what they call (and never import the database library:
``handoff``'s types are imported for type checking only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from knowledge.api import FaqResults, ParsedQuery, SearchFilters, SearchResults
from settings import Settings
from shop.api import ShopService

if TYPE_CHECKING:
    from handoff.availability import Availability
    from handoff.queue import HandoffTrigger

SortOrder = Literal["relevance", "price_asc"]


class QueryParser(Protocol):
    def parse(self, text: str) -> ParsedQuery: ...


class ProductSearch(Protocol):
    def search(
        self,
        query: str,
        filters: SearchFilters,
        *,
        limit: int = ...,
        offset: int = ...,
        sort: SortOrder = ...,
    ) -> SearchResults: ...


class FaqSearch(Protocol):
    def ask(self, question: str) -> FaqResults: ...


class Knowledge(Protocol):
    @property
    def parser(self) -> QueryParser: ...

    @property
    def products(self) -> ProductSearch: ...

    @property
    def faq(self) -> FaqSearch: ...

    def other_business_in(self, text: str) -> str | None: ...


class VerificationGuard(Protocol):
    """Limits failed order checks (``shop.verification.VerificationLimiter``)."""

    def allowed(self, conversation_id: str, client_address: str | None) -> bool: ...
    def record_failure(self, conversation_id: str, client_address: str | None) -> None: ...


class Handoff(Protocol):
    def request(
        self,
        conversation_id: str,
        *,
        reason: str,
        customer_id: str | None = None,
        channel: str | None = None,
        contact_email: str | None = None,
        trigger: HandoffTrigger = "asked",
        summary: str = "",
    ) -> object: ...


class Desk(Protocol):
    """Whether a person can join now, and the wait (``handoff.availability.DeskAvailability``).

    ``now`` raises ``shop.errors.ShopUnavailable`` when the shop database cannot be read.
    """

    def now(self, conversation_id: str | None = None) -> Availability: ...


@dataclass(frozen=True)
class Services:
    settings: Settings
    shop: ShopService
    knowledge: Knowledge
    handoff: Handoff
    verification: VerificationGuard
    desk: Desk


class ServicesNotRegistered(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "The action server's services are not registered: start it with "
            "`python -m actions`, or call actions.dialogue.services.register(...) first."
        )


_current: Services | None = None


def register(services: Services) -> None:
    global _current
    _current = services


def current() -> Services:
    if _current is None:
        raise ServicesNotRegistered()
    return _current
