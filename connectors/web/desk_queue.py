"""The queue as the desk shows it: open requests with customer, claim and wait.

One snapshot serves the first render of the queue page and every push of its live
stream; the stream sends it again only when it changed (waiting times tick in the
browser from ``created_at``, so the snapshot itself does not change every second).
"""

from __future__ import annotations

from typing import TypedDict

from connectors.web.context import WebContext
from connectors.web.desk_state import DeskServices

TRIGGER_LABELS = {
    "asked": "Asked for a person",
    "fallbacks": "Bot did not understand",
    "sentiment": "Upset or distressed",
    "order_problem": "Order problem",
}


class QueueItem(TypedDict):
    id: int
    conversation_id: str
    reason: str
    trigger: str
    trigger_label: str
    summary: str
    channel: str
    customer: str  # name and e-mail when known, else "Guest"
    created_at: float  # unix seconds
    claimed_by: str | None
    mine: bool


class QueueSnapshot(TypedDict):
    items: list[QueueItem]
    agents_online: int
    open_now: bool
    hours: str


def snapshot(ctx: WebContext, desk: DeskServices, agent_id: int) -> QueueSnapshot:
    """Blocking (database): call it in a thread."""
    requests = ctx.handoff.open_requests()
    holders = desk.claims.holders([r.id for r in requests])
    items: list[QueueItem] = []
    for request in requests:
        customer = ctx.shop.get_customer(request.customer_id) if request.customer_id else None
        if customer is not None:
            who = f"{customer.name} <{customer.email}>"
        elif request.contact_email:
            who = f"Guest <{request.contact_email}>"
        else:
            who = "Guest"
        holder = holders.get(request.id)
        items.append(
            QueueItem(
                id=request.id,
                conversation_id=request.conversation_id,
                reason=request.reason,
                trigger=request.trigger,
                trigger_label=TRIGGER_LABELS.get(request.trigger, request.trigger),
                summary=request.summary,
                channel=request.channel or "unknown",
                customer=who,
                created_at=request.created_at.timestamp(),
                claimed_by=holder.agent_name if holder else None,
                mine=holder is not None and holder.agent_id == agent_id,
            )
        )
    availability = desk.availability.now()
    return QueueSnapshot(
        items=items,
        agents_online=availability.agents_online,
        open_now=availability.open_now,
        hours=availability.hours,
    )
