"""The agent desk's domain objects, built once per application from the web context.

They share the shop database with the hand-off queue (``ctx.handoff.engine``); building
them creates any missing desk table. ``DESK_HOURS`` is parsed here, at start, so a bad
value stops the service with the parser's message instead of failing at the first
shopper.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web
from argon2 import PasswordHasher

from connectors.web.context import WebContext
from connectors.web.desk_canned import CannedReply, canned_replies
from handoff.agents import AgentDirectory
from handoff.availability import DeskAvailability
from handoff.claims import Claims
from handoff.hours import OpeningHours
from handoff.sessions import DeskSessions
from handoff.throttle import LoginThrottle


@dataclass(frozen=True)
class DeskServices:
    agents: AgentDirectory
    sessions: DeskSessions
    throttle: LoginThrottle
    claims: Claims
    availability: DeskAvailability
    canned: tuple[CannedReply, ...]
    # set at shutdown: the live streams end instead of holding the server open
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def build(cls, ctx: WebContext, *, hasher: PasswordHasher | None = None) -> DeskServices:
        """``hasher``: argon2 parameters other than argon2-cffi's defaults (tests)."""
        engine = ctx.engine
        hours = OpeningHours.parse(ctx.settings.desk_hours, ctx.settings.desk_timezone)
        return cls(
            agents=AgentDirectory(engine, hasher=hasher),
            sessions=DeskSessions(engine),
            throttle=LoginThrottle(engine),
            claims=Claims(engine),
            availability=DeskAvailability(engine, hours),
            canned=canned_replies(ctx.shop.policy, ctx.shop.currency),
        )


DESK = web.AppKey("desk", DeskServices)


def desk_of(request: web.Request) -> DeskServices:
    return request.app[DESK]
