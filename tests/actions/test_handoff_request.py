"""action_request_handoff tells the truth about what happens next, from the real desk.

Each test has its own scratch database for the queue, the agents and the desk (the shop
itself is the session's demo shop of tests/actions/conftest.py) and a fixed clock, so an
agent's presence and the opening hours are what the test sets, never today's date.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine

from actions.dialogue import services
from actions.dialogue.handoff import (
    EXTERNAL_HANDOFF_TEXT,
    ActionRequestHandoff,
    queued_text,
    summarize,
)
from handoff.agents import AgentDirectory
from handoff.availability import DEFAULT_HANDLING_MINUTES, DeskAvailability, estimate_wait
from handoff.hours import OpeningHours
from handoff.queue import HandoffQueue, HandoffRequest
from shop.db import create_engine_from_url
from tests.actions.handoff_conversation import REWIND, action, bot, conversation, loop, user
from tests.actions.trackers import texts

SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
WEEKDAYS = "Mon-Fri 09:00-18:00"
PASSWORD = "correct-horse-battery-staple"
EMAIL = "lou@example.org"


@dataclass
class Desk:
    engine: Engine
    queue: HandoffQueue
    agents: AgentDirectory

    def request_of(self, sender: str) -> HandoffRequest:
        (request,) = [r for r in self.queue.open_requests() if r.conversation_id == sender]
        return request


def _desk(world: services.Services, path: Path, hours: str) -> Iterator[Desk]:
    engine = create_engine_from_url(f"sqlite:///{path}")
    clock = lambda: SATURDAY_NOON  # noqa: E731
    queue = HandoffQueue(engine, clock=clock)
    agents = AgentDirectory(
        engine,
        hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1),
        clock=clock,
    )
    desk = DeskAvailability(engine, OpeningHours.parse(hours, "UTC"), clock=clock)
    services.register(replace(world, handoff=queue, desk=desk))
    yield Desk(engine, queue, agents)
    services.register(world)
    engine.dispose()


@pytest.fixture
def open_desk(world: services.Services, tmp_path: Path) -> Iterator[Desk]:
    """Open 24/7; nobody online until a test marks an agent present."""
    yield from _desk(world, tmp_path / "desk.db", "always")


@pytest.fixture
def closed_desk(world: services.Services, tmp_path: Path) -> Iterator[Desk]:
    """Open on weekdays; the clock says Saturday noon."""
    yield from _desk(world, tmp_path / "desk.db", WEEKDAYS)


async def _ask(*events: dict[str, Any], sender: str) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    await ActionRequestHandoff().run(dispatcher, conversation(*events, sender=sender), {})
    return dispatcher


def _payload(dispatcher: CollectingDispatcher) -> Any:
    (message,) = dispatcher.messages
    return message["custom"]


async def test_with_an_agent_online_a_person_joins_after_the_expected_wait(
    open_desk: Desk,
) -> None:
    agent = open_desk.agents.create("ana@shop.example", "Ana Silva", PASSWORD)
    open_desk.agents.touch(agent.id)  # her desk page is open
    wait = estimate_wait(0, DEFAULT_HANDLING_MINUTES, 1)
    dispatcher = await _ask(user("I want to talk to a person", "human_handoff"), sender="live-1")
    assert texts(dispatcher) == queued_text(wait)
    assert f"in about {wait} minutes" in texts(dispatcher)
    assert _payload(dispatcher) == {"type": "handoff", "state": "queued", "wait_minutes": wait}
    assert open_desk.request_of("live-1").trigger == "asked"


async def test_outside_opening_hours_the_team_replies_by_email_and_the_hours_are_said(
    closed_desk: Desk,
) -> None:
    agent = closed_desk.agents.create("ana@shop.example", "Ana Silva", PASSWORD)
    closed_desk.agents.touch(agent.id)  # online, but the desk is closed
    dispatcher = await _ask(
        user(
            f"a person please, my e-mail is {EMAIL}",
            "human_handoff",
            entities=[{"entity": "email", "value": EMAIL}],
        ),
        sender="closed-1",
    )
    hours = services.current().shop.policy.handoff_reply_hours
    assert texts(dispatcher) == (
        "Our team chats live Mon-Fri 09:00-18:00 (UTC) and is away now, so I've passed your "
        f"request to our customer service team: a member of the team will reply by e-mail to "
        f"{EMAIL} within {hours} hours. Meanwhile I'm happy to keep helping here."
    )
    assert _payload(dispatcher) == {"type": "handoff", "state": "offline", "email": EMAIL}
    assert closed_desk.request_of("closed-1").contact_email == EMAIL


async def test_outside_opening_hours_without_an_email_the_address_is_asked_for(
    closed_desk: Desk,
) -> None:
    dispatcher = await _ask(user("can I speak to someone", "human_handoff"), sender="closed-2")
    assert texts(dispatcher).startswith(
        "Our team chats live Mon-Fri 09:00-18:00 (UTC) and is away now. I've noted your "
        "request for a person"
    )
    assert "I need your e-mail address" in texts(dispatcher)
    assert _payload(dispatcher) == {"type": "handoff", "state": "offline", "email": None}


async def test_a_desk_whose_database_fails_gives_the_email_flow(
    world: services.Services, tmp_path: Path
) -> None:
    broken_path = tmp_path / "desk.db"
    broken = create_engine_from_url(f"sqlite:///{broken_path}")
    desk = DeskAvailability(broken, OpeningHours.parse("always", "UTC"))
    broken.dispose()
    broken_path.write_bytes(b"this file was overwritten by a failed backup restore\n" * 200)
    queue_engine = create_engine_from_url(f"sqlite:///{tmp_path / 'queue.db'}")
    services.register(replace(world, handoff=HandoffQueue(queue_engine), desk=desk))
    try:
        dispatcher = await _ask(user("I want a person", "human_handoff"), sender="broken-1")
    finally:
        services.register(world)
        queue_engine.dispose()
    assert texts(dispatcher).startswith("Nobody from our team can join this chat right now.")
    assert _payload(dispatcher) == {"type": "handoff", "state": "offline", "email": None}


async def test_the_agent_gets_the_shoppers_last_three_messages_shortened(
    open_desk: Desk,
) -> None:
    long = "my tent " + "really " * 60 + "leaks"
    await _ask(
        user("hello", "greet"),
        action("utter_greet"),
        user("where is order 10023", "track_order"),
        action("action_start_order_request"),
        user(long, "inform"),
        action("utter_ask_rephrase"),
        user("/help", "help"),  # a button: not the shopper's words
        action("utter_help"),
        user("I want a person", "human_handoff"),
        sender="summary-1",
    )
    summary = open_desk.request_of("summary-1").summary
    assert summary == summarize(["where is order 10023", long, "I want a person"])
    assert summary.startswith("where is order 10023 / my tent really")
    assert summary.endswith("… / I want a person")
    assert len(summary) <= 300


async def test_a_person_asked_for_after_two_misunderstandings_is_filed_as_fallbacks(
    open_desk: Desk,
) -> None:
    # Rasa's two-stage fallback gives up on the second misunderstanding in a row: it says
    # utter_default (with a "Talk to a person" button) and reverts that message
    await _ask(
        user("blorp the frobnicator", "nlu_fallback"),
        action("action_knowledge_fallback"),
        action("action_two_stage_fallback"),
        bot("Sorry, I'm not sure I understood. Did you want to search for a product?"),
        loop("action_two_stage_fallback"),
        action("action_listen"),
        user("zib zab zorp", "nlu_fallback"),
        action("action_two_stage_fallback"),
        bot("Sorry, I still didn't get it.", utter_action="utter_default"),
        REWIND,
        loop(None),
        action("action_listen"),
        user("/human_handoff", "human_handoff"),
        sender="fallbacks-1",
    )
    assert open_desk.request_of("fallbacks-1").trigger == "fallbacks"


async def test_a_person_asked_for_after_an_answer_is_filed_as_asked(open_desk: Desk) -> None:
    await _ask(
        user("blorp the frobnicator", "nlu_fallback"),
        action("action_knowledge_fallback"),
        action("action_two_stage_fallback"),
        bot("Sorry, I'm not sure I understood. Did you want to search for a product?"),
        action("action_listen"),
        user("can I pay with PayPal?", "ask_faq"),
        action("action_answer_faq"),
        bot("Yes, we accept PayPal."),
        action("action_listen"),
        user("/human_handoff", "human_handoff"),
        sender="asked-1",
    )
    assert open_desk.request_of("asked-1").trigger == "asked"


async def test_a_person_asked_for_after_two_out_of_scope_answers_is_filed_as_fallbacks(
    open_desk: Desk,
) -> None:
    # keyboard mashing the NLU is sure about ends in out_of_scope, whose answer has the button
    await _ask(
        user("blorp the frobnicator zib", "out_of_scope"),
        action("utter_out_of_scope"),
        bot("Sorry, that's outside what I can do.", utter_action="utter_out_of_scope"),
        action("action_listen"),
        user("zorp zibbity wobble flarn", "out_of_scope"),
        action("utter_out_of_scope"),
        bot("Sorry, that's outside what I can do.", utter_action="utter_out_of_scope"),
        action("action_listen"),
        user("/human_handoff", "human_handoff"),
        sender="fallbacks-2",
    )
    assert open_desk.request_of("fallbacks-2").trigger == "fallbacks"


async def test_on_chatwoot_the_hand_off_is_chatwoots_and_the_built_in_queue_stays_empty(
    open_desk: Desk,
) -> None:
    agent = open_desk.agents.create("ana@shop.example", "Ana Silva", PASSWORD)
    open_desk.agents.touch(agent.id)  # the built-in desk is staffed, but cannot reach Chatwoot
    message = {**user("I want to talk to a person", "human_handoff"), "input_channel": "chatwoot"}
    dispatcher = await _ask(message, sender="chatwoot-1-42")
    assert texts(dispatcher) == EXTERNAL_HANDOFF_TEXT
    assert _payload(dispatcher) == {"type": "handoff", "state": "queued"}
    assert open_desk.queue.open_requests() == []
