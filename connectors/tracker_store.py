"""Rasa's SQL tracker store with the latest session of recent conversations kept in memory.

Loaded by the Rasa server from ``bot/endpoints.yml`` (Rasa's documented way to plug in a
tracker store: ``type: connectors.tracker_store.CachedSQLTrackerStore``); run in the Rasa venv.

Why: a turn reads the conversation from the database and writes its new events back. With
Rasa's ``SQLTrackerStore`` on SQLite that measured 15 ms of CPU per turn on the loaded
2-core machine (retrieve 5.6 ms, save 9.1 ms), against 1.5 ms for the in-memory store of a
``rasa init`` bot: the largest single part of the shop's extra turn latency. Per turn, Rasa
runs a query with a sub-query for the latest session, opens a new SQLite connection for
each read and write (SQLAlchemy 1.4 does not pool SQLite file connections), counts the
stored events to find the new ones, and inserts them through the ORM.

What changes: every event is still written to the database in the same table and format
before the turn's reply (the database stays the record; a restarted server reads it back).
After a save the store keeps, per conversation, the stored events of the latest session as
the JSON text it wrote, so the next ``retrieve`` rebuilds the tracker from them exactly as
Rasa would from the rows (``DialogueStateTracker.from_dict`` on the parsed JSON) without a
query, and the next ``save`` knows how many events are stored without counting. New events
go in with one multi-row INSERT, and the latest session after it (a new one when the turn
started one) is worked out as Rasa's query would select it, without reading it back. A
conversation the database does not hold yet is remembered as empty, so a new conversation's
first turn makes one query (finding nothing) instead of five. A failed write, or a
conversation stored before the server started, goes through Rasa's own code.

Only for ONE Rasa process per database (``bot/endpoints.yml``: in-memory lock store):
another process writing the same conversations would not be seen. Several replicas use
``bot/endpoints.scaled.yml`` (PostgreSQL, Rasa's own store). Tests:
tests/platform/test_tracker_store.py.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

DEFAULT_CACHED_CONVERSATIONS = 2000


class _Session:
    """What the store wrote for a conversation's latest session."""

    __slots__ = ("events", "stamps", "started")

    def __init__(
        self, started: float | None, events: list[str], stamps: list[float | None]
    ) -> None:
        self.started = started  # timestamp of its SessionStarted event (None: no session)
        self.events = events  # JSON text of each stored event, in order
        self.stamps = stamps  # each event's timestamp column


class CachedSQLTrackerStore(SQLTrackerStore):  # rasa ships no types: the base is Any
    """``SQLTrackerStore`` that remembers what it wrote for the latest session."""

    def __init__(
        self, *args: Any, cached_conversations: int = DEFAULT_CACHED_CONVERSATIONS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.cached_conversations = int(cached_conversations)
        self._sessions: OrderedDict[str, _Session] = OrderedDict()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        stored = self._sessions.get(sender_id)
        if self.domain is None:
            return await super().retrieve(sender_id)
        if stored is None:
            tracker = await super().retrieve(sender_id)
            if tracker is None:
                # Rasa's query found no row at all (a stored session always returns at least
                # its SessionStarted row), so the first save inserts every event
                self._remember(sender_id, _Session(None, [], []))
            return tracker
        self._sessions.move_to_end(sender_id)
        if not stored.events:
            return None
        events = [json.loads(text) for text in stored.events]
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        stored = self._sessions.pop(sender_id, None)  # forgotten until this write succeeds
        events = list(tracker.events)
        if stored is None or len(stored.events) > len(events):
            await super().save(tracker)  # Rasa's own code, then read back what it stored
            self._reload(sender_id)
            return
        # Rasa's save counts the rows of the latest session (the cached ones) and inserts the
        # tracker's events after that many: the same rows, in one multi-row INSERT
        await self.stream_events(tracker)
        rows = [self._row(sender_id, event) for event in events[len(stored.events) :]]
        if rows:
            with self.session_scope() as session:
                session.execute(self.SQLEvent.__table__.insert(), rows)
                session.commit()
        self._remember(sender_id, self._latest_session(stored, rows))

    @staticmethod
    def _latest_session(stored: _Session, rows: list[dict[str, Any]]) -> _Session:
        """What Rasa's latest-session query returns once ``rows`` are stored after ``stored``.

        The query keeps, in insertion order, the rows stamped at or after the latest
        SessionStarted row's timestamp (all rows if there is none). Rows of earlier sessions
        are stamped before ``stored.started``, so only ``stored`` and ``rows`` can qualify.
        """
        events = [*stored.events, *(row["data"] for row in rows)]
        stamps = [*stored.stamps, *(row["timestamp"] for row in rows)]
        starts = [
            row["timestamp"]
            for row in rows
            if row["type_name"] == SessionStarted.type_name and row["timestamp"] is not None
        ]
        if stored.started is not None:
            starts.append(stored.started)
        if not starts:
            return _Session(None, events, stamps)
        started = max(starts)
        kept = [i for i, stamp in enumerate(stamps) if stamp is not None and stamp >= started]
        return _Session(started, [events[i] for i in kept], [stamps[i] for i in kept])

    def _reload(self, sender_id: str) -> None:
        """Remember the latest session as Rasa's own query returns it from the database."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            stored = [str(row.data) for row in rows]
            stamps = [row.timestamp for row in rows]
            starts = [row.timestamp for row in rows if row.type_name == SessionStarted.type_name]
        self._remember(sender_id, _Session(max(starts) if starts else None, stored, stamps))

    def _remember(self, sender_id: str, stored: _Session) -> None:
        self._sessions[sender_id] = stored
        self._sessions.move_to_end(sender_id)
        while len(self._sessions) > self.cached_conversations:
            self._sessions.popitem(last=False)

    @staticmethod
    def _row(sender_id: str, event: Any) -> dict[str, Any]:
        """The columns Rasa's ``SQLTrackerStore.save`` writes for ``event``."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
