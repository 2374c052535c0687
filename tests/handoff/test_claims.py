"""Claims: one agent per open request, decided by the database even at the same instant."""

from __future__ import annotations

import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from handoff.agents import Agent, AgentDirectory
from handoff.claims import AlreadyClaimed, Claims, NotClaimHolder, RequestNotOpen
from handoff.queue import HandoffQueue
from shop.db import create_engine_from_url
from tests.handoff.conftest import PASSWORD


@pytest.fixture
def team(engine: Engine, fast_hasher: PasswordHasher) -> list[Agent]:
    agents = AgentDirectory(engine, hasher=fast_hasher)
    return [
        agents.create("ana@shop.example", "Ana Silva", PASSWORD),
        agents.create("bob@shop.example", "Bob Martin", PASSWORD),
    ]


def test_a_second_agent_is_told_who_holds_the_request(engine: Engine, team: list[Agent]) -> None:
    ana, bob = team
    request = HandoffQueue(engine).request("conv-1", reason="help")
    claims = Claims(engine)
    assert claims.claim(request.id, ana.id).agent_name == "Ana Silva"
    with pytest.raises(AlreadyClaimed, match="Already taken by Ana Silva"):
        claims.claim(request.id, bob.id)
    holder = claims.holder(request.id)
    assert holder is not None and holder.agent_id == ana.id


def test_two_agents_claiming_at_once_exactly_one_wins(engine: Engine, team: list[Agent]) -> None:
    request = HandoffQueue(engine).request("conv-1", reason="help")
    url = engine.url.render_as_string(hide_password=False)
    barrier = threading.Barrier(len(team))
    outcomes: dict[int, str] = {}

    def attempt(agent: Agent) -> None:
        # each agent's desk has its own engine (own connections), as two workers would
        own = create_engine_from_url(url)
        claims = Claims(own)
        barrier.wait()
        try:
            claims.claim(request.id, agent.id)
            outcomes[agent.id] = "won"
        except AlreadyClaimed:
            outcomes[agent.id] = "refused"
        finally:
            own.dispose()

    threads = [threading.Thread(target=attempt, args=(agent,)) for agent in team]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["refused", "won"]
    winner = next(agent_id for agent_id, outcome in outcomes.items() if outcome == "won")
    holder = Claims(engine).holder(request.id)
    assert holder is not None and holder.agent_id == winner


def test_a_closed_request_cannot_be_claimed(engine: Engine, team: list[Agent]) -> None:
    queue = HandoffQueue(engine)
    request = queue.request("conv-1", reason="help")
    queue.close(request.id)
    with pytest.raises(RequestNotOpen):
        Claims(engine).claim(request.id, team[0].id)


def test_a_released_claim_can_be_taken_by_another_agent(engine: Engine, team: list[Agent]) -> None:
    ana, bob = team
    request = HandoffQueue(engine).request("conv-1", reason="help")
    claims = Claims(engine)
    claims.claim(request.id, ana.id)
    claims.release(request.id, ana.id)
    assert claims.claim(request.id, bob.id).agent_id == bob.id


def test_only_the_holder_may_act_on_the_request(engine: Engine, team: list[Agent]) -> None:
    ana, bob = team
    request = HandoffQueue(engine).request("conv-1", reason="help")
    claims = Claims(engine)
    claims.claim(request.id, ana.id)
    assert claims.require_holder(request.id, ana.id).agent_id == ana.id
    with pytest.raises(NotClaimHolder, match="held by Ana Silva"):
        claims.require_holder(request.id, bob.id)
