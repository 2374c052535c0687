"""What the bot can promise: open or not, agents online, queue position, wait estimate."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from handoff.agents import Agent, AgentDirectory
from handoff.availability import DeskAvailability, estimate_wait
from handoff.claims import Claims
from handoff.hours import OpeningHours
from handoff.queue import HandoffQueue
from shop.db import create_engine_from_url
from shop.errors import ShopUnavailable
from tests.handoff.conftest import PASSWORD, Clock

ALWAYS = OpeningHours.parse("always", "UTC")


@pytest.fixture
def agents(engine: Engine, fast_hasher: PasswordHasher, clock: Clock) -> AgentDirectory:
    return AgentDirectory(engine, hasher=fast_hasher, clock=clock)


@pytest.fixture
def team(agents: AgentDirectory) -> list[Agent]:
    return [
        agents.create("ana@shop.example", "Ana Silva", PASSWORD),
        agents.create("bob@shop.example", "Bob Martin", PASSWORD),
    ]


def test_nobody_online_means_no_wait_is_promised(engine: Engine, clock: Clock) -> None:
    HandoffQueue(engine, clock=clock).request("conv-1", reason="help")
    now = DeskAvailability(engine, ALWAYS, clock=clock).now("conv-1")
    assert (now.open_now, now.agents_online, now.wait_minutes) == (True, 0, None)


def test_the_first_in_line_waits_the_default_handling_time(
    engine: Engine, clock: Clock, agents: AgentDirectory, team: list[Agent]
) -> None:
    agents.touch(team[0].id)
    HandoffQueue(engine, clock=clock).request("conv-1", reason="help")
    now = DeskAvailability(engine, ALWAYS, clock=clock).now("conv-1")
    assert (now.agents_online, now.queue_ahead, now.wait_minutes) == (1, 0, 5)


def test_unclaimed_requests_ahead_lengthen_the_wait_and_agents_share_it(
    engine: Engine, clock: Clock, agents: AgentDirectory, team: list[Agent]
) -> None:
    queue = HandoffQueue(engine, clock=clock)
    first = queue.request("conv-1", reason="help")
    clock.advance(seconds=10)
    queue.request("conv-2", reason="help")
    clock.advance(seconds=10)
    queue.request("conv-3", reason="help")
    Claims(engine, clock=clock).claim(first.id, team[0].id)  # being handled: not ahead
    agents.touch(team[0].id)
    agents.touch(team[1].id)
    now = DeskAvailability(engine, ALWAYS, clock=clock).now("conv-3")
    assert now.queue_ahead == 1
    assert now.wait_minutes == 5  # ceil((1 + 1) * 5 / 2)


def test_an_agent_whose_page_closed_a_minute_ago_is_not_online(
    engine: Engine, clock: Clock, agents: AgentDirectory, team: list[Agent]
) -> None:
    agents.touch(team[0].id)
    clock.advance(seconds=61)
    assert DeskAvailability(engine, ALWAYS, clock=clock).now().agents_online == 0


def test_the_average_comes_from_recently_handled_requests(
    engine: Engine, clock: Clock, agents: AgentDirectory, team: list[Agent]
) -> None:
    queue = HandoffQueue(engine, clock=clock)
    claims = Claims(engine, clock=clock)
    for conversation, minutes in (("old-1", 10), ("old-2", 14)):
        request = queue.request(conversation, reason="help")
        claims.claim(request.id, team[0].id)
        clock.advance(minutes=minutes)
        queue.close(request.id)
    agents.touch(team[0].id)
    queue.request("conv-new", reason="help")
    assert DeskAvailability(engine, ALWAYS, clock=clock).now("conv-new").wait_minutes == 12


def test_outside_hours_the_desk_is_closed_and_says_when_it_opens(
    engine: Engine, agents: AgentDirectory, team: list[Agent]
) -> None:
    saturday_night = Clock(datetime(2026, 12, 5, 22, 0, tzinfo=UTC))
    hours = OpeningHours.parse("Mon-Fri 09:00-18:00", "UTC")
    AgentDirectory(engine, clock=saturday_night).touch(team[0].id)
    now = DeskAvailability(engine, hours, clock=saturday_night).now()
    assert (now.open_now, now.wait_minutes) == (False, None)
    assert now.next_opening == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert now.hours == "Mon-Fri 09:00-18:00 (UTC)"


def test_estimate_wait_rounds_up_to_whole_minutes() -> None:
    assert estimate_wait(queue_ahead=2, average_minutes=4.0, agents_online=5) == 3


def test_a_database_that_cannot_be_read_raises_shop_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    engine = create_engine_from_url(f"sqlite:///{path}")
    desk = DeskAvailability(engine, ALWAYS)
    engine.dispose()
    path.write_bytes(b"not a database\n" * 500)
    with pytest.raises(ShopUnavailable):
        desk.now("conv-1")
    engine.dispose()
