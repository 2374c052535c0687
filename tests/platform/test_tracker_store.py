"""connectors/tracker_store.py inside the real Rasa 3.6 (run in the Rasa venv), on real SQLite.

The store keeps the latest session in memory to skip a query per turn. What a shopper would
notice if it were wrong: after a restart (a new store reading the database with Rasa's own
``SQLTrackerStore``) the conversation would differ from what the running server used, the
database would hold other rows than Rasa's own store writes (the agent desk's transcript, a
replica on Rasa's store), or a conversation would not be kept at all because Rasa fell back
to an in-memory store. So the script plays conversations as Rasa's processor does (get or
create the tracker, add the turn's events, save), including a new conversation, a session
that restarts inside a turn and an event stamped before the session, through the project's
store and, in step, through Rasa's own store on a second database. After every turn it
compares what Rasa's own store reads from the first database, and both databases' rows.
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

    import sqlite3
    workdir = Path(sys.argv[1])
    db = workdir / "tracker.db"
    rasa_db = workdir / "rasa-tracker.db"
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

    def turn_events(n, new_session=False, early=False):
        events = []
        if new_session:
            events += [ActionExecuted("action_session_start"), SessionStarted(),
                       ActionExecuted("action_listen")]
        text = f"show me rain jackets {n}"
        parse = {"intent": {"name": "search_product", "confidence": 0.9},
                 "entities": [], "text": text}
        events.append(UserUttered(text, parse["intent"], [], parse))
        events.append(ActionExecuted("action_search_products"))
        events.append(BotUttered(f"I found {n}:", {"buttons": [
            {"title": "Nordpeak Rain Jacket", "payload": "/select_product"}]}))
        events.append(SlotSet("last_results", [f"P{n}", "P2"]))
        if early:  # stamped before the session started: Rasa's query leaves it out
            events.append(SlotSet("product_in_focus", "P1", timestamp=1.0))
        events.append(ActionExecuted("action_listen"))
        return events

    def rows(path, sender):
        # every stored row of the conversation, all sessions; the first action_listen is
        # made by each store's create_tracker, so its time is left out of the comparison
        with sqlite3.connect(path) as con:
            found = con.execute(
                "SELECT type_name, timestamp, intent_name, action_name, data FROM events"
                " WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
        out = []
        for type_name, stamp, intent, action, data in found:
            data = json.loads(data)
            if out == [] and action == "action_listen":
                stamp = data["timestamp"] = None
            out.append([type_name, stamp, intent, action, data])
        return out

    async def play():
        differences, row_differences, turns = [], [], 0
        rasa_store = SQLTrackerStore(domain, dialect="sqlite", db=str(rasa_db))
        plan = [(True, False), (False, False), (False, False), (True, False),
                (False, True), (False, False)]
        for sender in ("shopper-a", "shopper-b"):
            for n, (new_session, early) in enumerate(plan):
                events = turn_events(n, new_session, early)
                for each in (store, rasa_store):
                    tracker = await each.get_or_create_tracker(sender)
                    for event in events:
                        tracker.update(event)
                    await each.save(tracker)
                turns += 1
                served = await store.retrieve(sender)
                restarted = await SQLTrackerStore(domain, dialect="sqlite", db=str(db)).retrieve(
                    sender)
                if state(served) != state(restarted):
                    differences.append([sender, n])
                if rows(db, sender) != rows(rasa_db, sender):
                    row_differences.append([sender, n])
        return {"store": type(inner).__name__, "turns": turns, "differences": differences,
                "row_differences": row_differences, "rows": len(rows(db, "shopper-a")),
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


def test_the_database_holds_the_rows_rasas_own_store_writes(played: dict[str, Any]) -> None:
    # 1 action_listen at creation + 6 turns of 5 events, 2 of them with 3 session-start events
    # and 1 with the early slot
    assert played["rows"] == 1 + 6 * 5 + 2 * 3 + 1
    assert played["row_differences"] == []


def test_conversations_are_served_from_memory_after_their_first_turn(
    played: dict[str, Any],
) -> None:
    assert played["cached"] == ["shopper-a", "shopper-b"]
