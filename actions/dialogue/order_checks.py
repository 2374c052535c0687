"""The adapter of the failed-verification limit (``shop.verification``) for order requests.

The client address is read from the message metadata only when the message came through
one of our channels (connectors/rest_channel.py, connectors/socket_channel.py), which set
``client_address`` themselves and replace any value the client sent; other channels pass
client metadata through unchecked, so their conversations are limited per conversation
only.
"""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.dialogue import services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import call

# Channels that put the client's address into the metadata themselves.
TRUSTED_ADDRESS_CHANNELS = frozenset({"rest", "socketio"})
CLIENT_ADDRESS_KEY = "client_address"  # connectors.rest_channel.CLIENT_ADDRESS_KEY
TOO_MANY_CHECKS = (
    "I can't look up more orders in this chat right now. Please try again later; your "
    "order number is in your confirmation e-mail."
)


def client_address(tracker: Tracker) -> str | None:
    """The address our channel saw for the latest message, or None if it cannot be trusted."""
    if said.channel(tracker) not in TRUSTED_ADDRESS_CHANNELS:
        return None
    metadata = tracker.latest_message.get("metadata") if tracker.latest_message else None
    value = metadata.get(CLIENT_ADDRESS_KEY) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value else None


async def checks_allowed(tracker: Tracker) -> bool:
    guard = services.current().verification
    return await call(guard.allowed, tracker.sender_id, client_address(tracker))


async def record_failure(tracker: Tracker) -> None:
    guard = services.current().verification
    await call(guard.record_failure, tracker.sender_id, client_address(tracker))
