"""Hand-offs from the bot to a person, and the agent desk's domain, in the shop database.

Plain Python (no Rasa, no HTTP): the queue of requests (``queue``), agents and their
passwords (``agents``), desk sessions and CSRF tokens (``sessions``), login throttling
(``throttle``), claims (``claims``), opening hours (``hours``) and what the bot can promise
a shopper right now (``availability``).
"""

from handoff.queue import HandoffQueue, HandoffRequest, HandoffTrigger

__all__ = ["HandoffQueue", "HandoffRequest", "HandoffTrigger"]
