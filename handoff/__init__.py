"""Requests from shoppers to talk to a person, stored in the shop database.

The agent desk that picks them up comes later; the bot only files requests.
"""

from handoff.queue import HandoffQueue, HandoffRequest

__all__ = ["HandoffQueue", "HandoffRequest"]
