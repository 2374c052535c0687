"""connectors/tracker_store.py inside the real Rasa 3.6 (run in the Rasa venv), on real SQLite.

The store keeps the latest session in memory to skip a query per turn. What a shopper would
notice if it were wrong: after a restart (a new store reading the database with Rasa's own
``SQLTrackerStore``) the conversation would differ from what the running server used, or a
conversation would not be kept at all because Rasa fell back to an in-memory store. So the
script plays conversations through the project's store as Rasa's processor does (retrieve,
add the turn's events, save), including a session that restarts inside a turn and an event
stamped before the session, and after every turn compares with what Rasa's own store reads.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.rasa_venv import run_in_rasa_venv

ROOT = Path(__file__).resolve().parents[2]


SCRIPT = textwrap.dedent(
    """
    import asyncio, json, os, sys
    from pathlib import Path
    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
    from rasa.core.utils import read_endpoints_from_path
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import (
        ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered)
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
    from connectors.tracker_store import CachedSQLTrackerStore

    workdir = Path(sys.argv[1])
    db = workdir / "tracker.db"
    os.environ["TRACKER_DB"] = str(db)
    os.environ["ACTION_ENDPOINT_URL"] = "http://127.0.0.1:9/webhook"
    domain = Domain.load("bot/domain")
    endpoints = read_endpoints_from_path("bot/endpoints.yml")
    store = TrackerStore.create(endpoints.tracker_store, domain)
    inner = getattr(store, "_tracker_store", store)

    def state(tracker):
        data = tracker.current_state(EventVerbosity.ALL)
        data.pop("latest_event_time", None)
        return json.dumps(data, sort_keys=True)

    def turn(tracker, n, new_session=False, early=False):
        if new_session:
            tracker.update(ActionExecuted("action_session_start"))
            tracker.update(SessionStarted())
            tracker.update(ActionExecuted("action_listen"))
        text = f"show me rain jackets {n}"
        parse = {"intent": {"name": "search_product", "confidence": 0.9},
                 "entities": [], "text": text}
        tracker.update(UserUttered(text, parse["intent"], [], parse))
        tracker.update(ActionExecuted("action_search_products"))
        tracker.update(BotUttered(f"I found {n}:", {"buttons": [
            {"title": "Nordpeak Rain Jacket", "payload": "/select_product"}]}))
        tracker.update(SlotSet("last_results", [f"P{n}", "P2"]))
        if early:  # stamped before the session started: Rasa's query leaves it out
            tracker.update(SlotSet("product_in_focus", "P1", timestamp=1.0))
        tracker.update(ActionExecuted("action_listen"))

    async def play():
        differences, turns = [], 0
        plan = [(True, False), (False, False), (False, False), (True, False),
                (False, True), (False, False)]
        for sender in ("shopper-a", "shopper-b"):
            for n, (new_session, early) in enumerate(plan):
                tracker = await store.retrieve(sender)
                if tracker is None:
                    tracker = DialogueStateTracker(sender, domain.slots)
                turn(tracker, n, new_session, early)
                await store.save(tracker)
                turns += 1
                served = await store.retrieve(sender)
                restarted = await SQLTrackerStore(domain, dialect="sqlite", db=str(db)).retrieve(
                    sender)
                if state(served) != state(restarted):
                    differences.append([sender, n])
        return {"store": type(inner).__name__, "turns": turns, "differences": differences,
                "cached": sorted(inner._sessions)}

    print(json.dumps(asyncio.run(play())))
    """
)


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir = tmp_path_factory.mktemp("tracker-store")
    result: dict[str, Any] = run_in_rasa_venv(SCRIPT, str(workdir), timeout=240)
    return result


def test_rasa_loads_the_projects_store_from_the_endpoints_file(played: dict[str, Any]) -> None:
    assert played["store"] == "CachedSQLTrackerStore"


def test_a_restarted_server_reads_the_conversation_the_running_one_used(
    played: dict[str, Any],
) -> None:
    assert played["turns"] == 12
    assert played["differences"] == []


def test_conversations_are_served_from_memory_after_their_first_turn(
    played: dict[str, Any],
) -> None:
    assert played["cached"] == ["shopper-a", "shopper-b"]
