"""rasa-sdk custom actions: thin adapters between the tracker and the domain modules.

The action server registers this package (``ActionExecutor.register_package``); every
``Action`` subclass defined in its modules becomes available to Rasa. The shop, the
knowledge base and the handoff queue come from ``actions.dialogue.services``, filled once
by ``actions.__main__`` (or by a test fixture).
"""

from actions.dialogue import (
    cart,
    checkout,
    fallback,
    faq,
    handoff,
    orders,
    product_info,
    search,
)

__all__ = ["cart", "checkout", "fallback", "faq", "handoff", "orders", "product_info", "search"]
