"""One conversation on the desk: the page, its live stream, and what the agent does in it.

Claim: the database decides first (``Claims.claim``: one agent per request), then Rasa
pauses the bot and tells the shopper who joined; if Rasa cannot be reached the claim is
undone, so a conversation is never held by an agent while the bot still answers.
Replies, order actions and hand back need the agent to hold the claim. Everything the
shopper is told goes through ``RasaApi.say``: it is in the tracker (the transcript) and
reaches the widget live. Order actions call the same shop service as the bot, with the
logged-in customer's ``OrderAccess``; the shop's own refusal is shown to the agent.

POSTs answer JSON when the browser asks for it (desk.js does); a plain form post gets a
303 back to the page, or an error page.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from connectors.web.context import context_of, render
from connectors.web.desk_auth import action, api, page, session_of
from connectors.web.desk_queue import TRIGGER_LABELS
from connectors.web.desk_state import desk_of
from connectors.web.desk_stream import serve_events
from connectors.web.desk_transcript import Line, transcript
from connectors.web.rasa_api import RasaUnavailable
from handoff.claims import AlreadyClaimed, Claim, ClaimError, NotClaimHolder, RequestNotOpen
from handoff.queue import HandoffRequest
from shop.api import Order, OrderAccess
from shop.display import money
from shop.errors import OrderNotFound, ShopError, ShopUnavailable

logger = logging.getLogger(__name__)

MAX_REPLY = 2000
ORDERS_SHOWN = 5
ORDER_ACTIONS = ("tracking", "cancel", "return")
BACK_TO_BOT = (
    "You're back with the shop assistant. Ask me anything, or ask for a person again at any time."
)
TRANSCRIPT_POLL_SECONDS = 1.5


class DeskRefusal(Exception):
    """An action the desk refuses; becomes ``status`` with ``message`` at the boundary."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _answer(request: web.Request, request_id: int, payload: dict[str, Any]) -> web.StreamResponse:
    if _wants_json(request):
        return web.json_response({"ok": True, **payload})
    raise web.HTTPSeeOther(f"/desk/c/{request_id}")


def _refuse(request: web.Request, refusal: DeskRefusal) -> web.StreamResponse:
    if _wants_json(request):
        return web.json_response({"error": refusal.message}, status=refusal.status)
    request_id = request.match_info.get("request_id")
    back = f"/desk/c/{request_id}" if request_id else "/desk/"
    return render(
        request, "desk/error.html", status=refusal.status, message=refusal.message, back=back
    )


def _request_id(request: web.Request) -> int:
    try:
        return int(request.match_info["request_id"])
    except ValueError:
        raise web.HTTPNotFound() from None


async def _load(request: web.Request, request_id: int) -> HandoffRequest:
    found = await asyncio.to_thread(context_of(request).handoff.get, request_id)
    if found is None:
        raise DeskRefusal(404, f"There is no request {request_id}.")
    return found


def _access(handoff_request: HandoffRequest) -> OrderAccess | None:
    """Orders are shown and changed only for a logged-in customer (verified by the
    channel's signed token), never for an e-mail typed in the chat."""
    if handoff_request.customer_id:
        return OrderAccess(customer_id=handoff_request.customer_id)
    return None


async def _holding(request: web.Request, request_id: int) -> Claim:
    agent_id = session_of(request).agent.id
    try:
        return await asyncio.to_thread(desk_of(request).claims.require_holder, request_id, agent_id)
    except (NotClaimHolder, RequestNotOpen) as exc:
        raise DeskRefusal(409, str(exc)) from None


def _order_view(order: Order) -> dict[str, Any]:
    shipment = order.shipment
    return {
        "number": order.number,
        "status": order.status,
        "placed_on": order.created_at.date().isoformat(),
        "total": money(order.total_cents, order.currency),
        "lines": ", ".join(f"{line.quantity} x {line.title}" for line in order.lines),
        "tracking": f"{shipment.carrier} {shipment.tracking_number}" if shipment else None,
    }


# pages and streams


@page
async def conversation_page(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    desk = desk_of(request)
    desk_session = session_of(request)
    request_id = _request_id(request)
    try:
        handoff_request = await _load(request, request_id)
    except DeskRefusal as refusal:
        return _refuse(request, refusal)
    access = _access(handoff_request)

    def gather() -> dict[str, Any]:
        customer = (
            ctx.shop.get_customer(handoff_request.customer_id)
            if handoff_request.customer_id
            else None
        )
        orders = ctx.shop.list_orders(access, limit=ORDERS_SHOWN) if access else []
        cart = ctx.shop.get_cart(handoff_request.conversation_id)
        return {
            "customer": customer,
            "orders": [_order_view(order) for order in orders],
            "cart": {
                "lines": [
                    {
                        "title": line.title,
                        "options": ", ".join(v for v in (line.size, line.colour) if v),
                        "quantity": line.quantity,
                        "total": money(line.total_cents, cart.currency),
                    }
                    for line in cart.lines
                ],
                "total": money(cart.total_cents, cart.currency),
                "item_count": cart.item_count,
            },
            "holder": desk.claims.holder(request_id),
        }

    try:
        data = await asyncio.to_thread(gather)
    except ShopUnavailable as exc:
        return _refuse(request, DeskRefusal(503, f"The shop database is unavailable: {exc}"))
    lines: list[Line] = []
    transcript_error = None
    try:
        lines = transcript(await ctx.rasa.tracker(handoff_request.conversation_id))
    except RasaUnavailable as exc:
        transcript_error = str(exc)
    return render(
        request,
        "desk/conversation.html",
        me=desk_session.agent,
        csrf_token=desk_session.csrf_token,
        req=handoff_request,
        lines=lines,
        transcript_error=transcript_error,
        canned=desk.canned,
        guest_note=None if access else "Guest: orders are shown for logged-in customers only.",
        is_open=handoff_request.status == "open",
        trigger_label=TRIGGER_LABELS.get(handoff_request.trigger, handoff_request.trigger),
        mine=data["holder"] is not None and data["holder"].agent_id == desk_session.agent.id,
        **data,
    )


@api
async def conversation_stream(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    desk = desk_of(request)
    request_id = _request_id(request)
    handoff_request = await asyncio.to_thread(ctx.handoff.get, request_id)
    if handoff_request is None:
        return web.json_response({"error": f"There is no request {request_id}."}, status=404)
    me = session_of(request).agent.id

    async def poll() -> dict[str, Any]:
        holder = await asyncio.to_thread(desk.claims.holder, request_id)
        current = await asyncio.to_thread(ctx.handoff.get, request_id)
        state = {
            "status": current.status if current else "closed",
            "claimed_by": holder.agent_name if holder else None,
            "mine": holder is not None and holder.agent_id == me,
        }
        try:
            tracker = await ctx.rasa.tracker(handoff_request.conversation_id)
        except RasaUnavailable as exc:
            return {"state": state, "problem": {"error": str(exc)}}
        return {
            "state": state,
            "problem": {"error": None},
            "transcript": {"lines": transcript(tracker)},
        }

    return await serve_events(request, poll, interval=TRANSCRIPT_POLL_SECONDS)


# actions


@action
async def claim(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    desk = desk_of(request)
    agent = session_of(request).agent
    request_id = _request_id(request)
    try:
        handoff_request = await _load(request, request_id)
        try:
            await asyncio.to_thread(desk.claims.claim, request_id, agent.id)
        except AlreadyClaimed as exc:
            raise DeskRefusal(409, f"Already taken by {exc.holder.agent_name}.") from None
        except ClaimError as exc:
            raise DeskRefusal(409, str(exc)) from None
        conversation = handoff_request.conversation_id
        try:
            await ctx.rasa.pause(conversation)
            await ctx.rasa.say(
                conversation,
                f"{agent.first_name} has joined the chat.",
                {"type": "handoff", "state": "joined", "agent": {"name": agent.first_name}},
                {"agent_id": agent.id, "agent_name": agent.first_name},
            )
        except RasaUnavailable as exc:
            await asyncio.to_thread(desk.claims.release, request_id, agent.id)
            await _resume_quietly(request, conversation)
            raise DeskRefusal(
                502, f"Not claimed: the bot could not be paused ({exc}). Try again."
            ) from None
    except DeskRefusal as refusal:
        return _refuse(request, refusal)
    logger.info("Agent %d claimed hand-off %d", agent.id, request_id)
    return _answer(request, request_id, {"claimed_by": agent.display_name})


async def _resume_quietly(request: web.Request, conversation: str) -> None:
    """After a failed claim: the bot must not stay paused if the pause got through."""
    try:
        await context_of(request).rasa.resume(conversation)
    except RasaUnavailable as exc:
        logger.warning("Could not resume %s after a failed claim: %s", conversation, exc)


async def _text_field(request: web.Request) -> str:
    form = await request.post()
    value = form.get("text")
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise DeskRefusal(400, "Write a message first.")
    if len(text) > MAX_REPLY:
        raise DeskRefusal(
            400, f"The message is too long ({len(text)} characters, at most {MAX_REPLY})."
        )
    return text


@action
async def reply(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    agent = session_of(request).agent
    request_id = _request_id(request)
    try:
        text = await _text_field(request)
        handoff_request = await _load(request, request_id)
        await _holding(request, request_id)
        try:
            await ctx.rasa.say(
                handoff_request.conversation_id,
                text,
                {"type": "agent_message", "agent": {"name": agent.first_name}},
                {"agent_id": agent.id, "agent_name": agent.first_name},
            )
        except RasaUnavailable as exc:
            raise DeskRefusal(502, f"Not sent: {exc}") from None
    except DeskRefusal as refusal:
        return _refuse(request, refusal)
    return _answer(request, request_id, {})


@action
async def hand_back(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    agent = session_of(request).agent
    request_id = _request_id(request)
    try:
        handoff_request = await _load(request, request_id)
        await _holding(request, request_id)
        conversation = handoff_request.conversation_id
        try:
            await ctx.rasa.resume(conversation)
            await ctx.rasa.say(
                conversation,
                BACK_TO_BOT,
                {"type": "handoff", "state": "ended"},
                {"agent_id": agent.id, "agent_name": agent.first_name},
            )
        except RasaUnavailable as exc:
            raise DeskRefusal(502, f"Still yours: the bot could not resume ({exc}).") from None
        await asyncio.to_thread(ctx.handoff.close, request_id)
    except DeskRefusal as refusal:
        return _refuse(request, refusal)
    logger.info("Agent %d handed hand-off %d back to the bot", agent.id, request_id)
    return _answer(request, request_id, {})


def _tracking_message(agent: str, order: Order) -> str:
    shipment = order.shipment
    if shipment is None:
        return f"{agent} checked order {order.number}: it has not shipped yet ({order.status})."
    text = (
        f"{agent} sent you the tracking of order {order.number}: {shipment.carrier}, "
        f"tracking number {shipment.tracking_number}."
    )
    last = shipment.last_event
    if last is not None:
        text += f" Last update {last.at.date().isoformat()}: {last.description}, {last.location}."
    return text


@action
async def order_action(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    agent = session_of(request).agent
    request_id = _request_id(request)
    number = request.match_info["number"]
    what = request.match_info["action"]
    try:
        handoff_request = await _load(request, request_id)
        await _holding(request, request_id)
        access = _access(handoff_request)
        if access is None:
            raise DeskRefusal(
                409, "The shopper is not logged in: order actions need their account."
            )
        name = agent.first_name
        try:
            if what == "tracking":
                order = await asyncio.to_thread(ctx.shop.get_order, number, access)
                message = _tracking_message(name, order)
            elif what == "cancel":
                order = await asyncio.to_thread(ctx.shop.cancel_order, number, access)
                message = f"{name} cancelled order {order.number}."
            else:
                made = await asyncio.to_thread(
                    ctx.shop.start_return,
                    number,
                    access,
                    reason=f"started on the agent desk by {agent.display_name}",
                )
                message = (
                    f"{name} started a return for order {made.order_number} ({made.rma}). "
                    f"{made.instructions}"
                )
        except OrderNotFound as exc:
            raise DeskRefusal(404, str(exc)) from None
        except ShopUnavailable as exc:
            raise DeskRefusal(503, f"The shop database is unavailable: {exc}") from None
        except ShopError as exc:
            raise DeskRefusal(409, str(exc)) from None
        try:
            await ctx.rasa.say(
                handoff_request.conversation_id,
                message,
                None,
                {"agent_id": agent.id, "agent_name": name, "desk_action": what, "order": number},
            )
        except RasaUnavailable as exc:
            raise DeskRefusal(502, f"Done, but the shopper was not told: {exc}") from None
    except DeskRefusal as refusal:
        return _refuse(request, refusal)
    logger.info("Agent %d: %s on order %s (hand-off %d)", agent.id, what, number, request_id)
    return _answer(request, request_id, {"message": message})


def add_routes(app: web.Application) -> None:
    base = r"/desk/c/{request_id:\d+}"
    app.router.add_get(base, conversation_page)
    app.router.add_get(base + "/stream", conversation_stream)
    app.router.add_post(base + "/claim", claim)
    app.router.add_post(base + "/reply", reply)
    app.router.add_post(base + "/handback", hand_back)
    app.router.add_post(
        base + r"/orders/{number:\d{1,20}}/{action:tracking|cancel|return}", order_action
    )
