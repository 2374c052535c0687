"""connectors/tracker_db.py: the Rasa launcher puts the SQLite tracker database in WAL mode.

WAL is what makes a turn's commit cheap (no rollback journal created and synced per turn),
so the tests read the journal mode back from the file with a fresh connection, as Rasa's
own connection will see it. Real SQLite files, the project's real endpoints files.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from connectors import serve, tracker_db

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = ROOT / "bot" / "endpoints.yml"
SCALED_ENDPOINTS = ROOT / "bot" / "endpoints.scaled.yml"


def journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])


def test_launcher_puts_the_configured_tracker_database_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    env = {"RASA_TOKEN": "token-1", "TRACKER_DB": str(db), "ACTION_ENDPOINT_URL": "http://x"}

    serve.prepare(["--port", "5005", "--endpoints", str(ENDPOINTS)], env)

    assert journal_mode(db) == "wal"


def test_conversations_already_stored_are_kept(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT)")
        connection.execute("INSERT INTO events (sender_id) VALUES ('shopper-1')")
    connection.close()

    tracker_db.prepare([f"--endpoints={ENDPOINTS}"], {"TRACKER_DB": str(db)})

    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT sender_id FROM events").fetchall()
    connection.close()
    assert rows == [("shopper-1",)]


def test_a_postgresql_tracker_store_is_left_alone(tmp_path: Path) -> None:
    env = {"TRACKER_DB_NAME": str(tmp_path / "rasa.db")}

    assert tracker_db.prepare(["--endpoints", str(SCALED_ENDPOINTS)], env) is None
    assert list(tmp_path.iterdir()) == []


def test_a_database_that_cannot_be_opened_does_not_stop_rasa(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    env = {"RASA_TOKEN": "token-1", "TRACKER_DB": str(blocker / "tracker.db")}

    with caplog.at_level(logging.WARNING, logger="connectors.tracker_db"):
        argv = serve.prepare(["--endpoints", str(ENDPOINTS)], env)

    assert argv[:2] == ["rasa", "run"]
    assert "Tracker database left in its journal mode" in caplog.text
