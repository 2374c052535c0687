"""Put the SQLite conversation tracker database in write-ahead-log mode before Rasa opens it.

Rasa's SQL tracker store (``bot/endpoints.yml``: ``dialect: sqlite``; ``type: SQL`` or the
project's ``connectors.tracker_store.CachedSQLTrackerStore`` built on it) commits
the new events of every turn. In SQLite's default rollback-journal mode each commit creates,
syncs and deletes a journal file next to the database: on this project's 2-core machine that
measured 1.3-1.4 ms per commit at the median and 8-11 ms at p90 under load, against 0.4 /
0.5 ms in WAL mode with the same full sync (``synchronous=FULL``, SQLite's default, so a
committed turn survives a power cut just as before). Readers no longer block the writer
either. WAL is a property of the database file that SQLite keeps, so setting it once before
Rasa starts is enough: nothing in Rasa is patched.

It fails open: a tracker store that is not SQLite, an endpoints file that cannot be read or a
database that cannot be switched leaves everything as it was, logged. ``prepare()`` never
raises. Called by the Rasa launcher (``connectors/serve.py``). Tests:
tests/platform/test_tracker_db.py.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

DEFAULT_ENDPOINTS = "endpoints.yml"
# Rasa's SQL tracker store, and the project's one built on it (connectors/tracker_store.py).
SQL_STORE_TYPES = ("sql", "connectors.tracker_store.cachedsqltrackerstore")
_ENV_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class TrackerDbError(Exception):
    """The tracker database named in the endpoints file cannot be switched to WAL."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def endpoints_path(args: Sequence[str]) -> Path:
    """The endpoints file ``rasa run`` will read: ``--endpoints FILE``, else its default."""
    for i, arg in enumerate(args):
        if arg == "--endpoints" and i + 1 < len(args):
            return Path(args[i + 1])
        if arg.startswith("--endpoints="):
            return Path(arg.split("=", 1)[1])
    return Path(DEFAULT_ENDPOINTS)


def _expand(value: str, env: Mapping[str, str]) -> str:
    """``${VAR}`` replaced as Rasa does when it reads the endpoints file."""
    return _ENV_VARIABLE.sub(lambda m: env.get(m.group(1), m.group(0)), value)


def sqlite_tracker_db(endpoints: Path, env: Mapping[str, str]) -> Path | None:
    """The SQLite file of the tracker store configured in ``endpoints``, if it is one."""
    config: Any = yaml.safe_load(endpoints.read_text(encoding="utf-8"))
    store = config.get("tracker_store") if isinstance(config, dict) else None
    if not isinstance(store, dict):
        return None
    if str(store.get("type", "")).lower() not in SQL_STORE_TYPES:
        return None
    if str(store.get("dialect", "sqlite")).lower() != "sqlite":
        return None
    db = _expand(str(store.get("db") or "rasa.db"), env)
    if "${" in db or db in ("", ":memory:"):
        return None
    return Path(db)


def use_wal(path: Path) -> str:
    """Switch ``path`` to WAL (creating the file if needed); the journal mode it now has."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=10.0)
        try:
            row = connection.execute("PRAGMA journal_mode=WAL").fetchone()
        finally:
            connection.close()
    except (OSError, sqlite3.Error) as exc:
        raise TrackerDbError(path, str(exc)) from exc
    mode = str(row[0]).lower() if row else ""
    if mode != "wal":
        raise TrackerDbError(path, f"SQLite kept journal mode {mode or 'unknown'!r}")
    return mode


def prepare(args: Sequence[str], env: Mapping[str, str] | None = None) -> Path | None:
    """WAL for the SQLite tracker database Rasa will use; its path, or None if left alone.

    Never raises: whatever goes wrong is logged and Rasa opens the database as it is.
    """
    env = os.environ if env is None else env
    endpoints = endpoints_path(args)
    if not endpoints.is_file():  # Rasa runs without one: in-memory tracker store
        return None
    try:
        path = sqlite_tracker_db(endpoints, env)
    except (OSError, yaml.YAMLError, AttributeError) as exc:
        logger.warning("Tracker database left as it is: cannot read %s (%s).", endpoints, exc)
        return None
    if path is None:
        return None
    try:
        use_wal(path)
    except TrackerDbError as exc:
        logger.warning("Tracker database left in its journal mode: %s", exc)
        return None
    logger.info("Tracker database %s is in WAL mode.", path)
    return path
