"""The SQLite connection, its schema and the transaction helper every store mixin uses."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from typing import Any, Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS numbers (
    phone_number_id TEXT PRIMARY KEY,
    display_phone_number TEXT NOT NULL,
    waba_id TEXT NOT NULL,
    verified_name TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS sent_messages (
    wamid TEXT PRIMARY KEY,
    phone_number_id TEXT NOT NULL,
    to_wa_id TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    biz_opaque_callback_data TEXT,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS customer_windows (
    phone_number_id TEXT NOT NULL,
    wa_id TEXT NOT NULL,
    last_inbound REAL NOT NULL,
    PRIMARY KEY (phone_number_id, wa_id)
);
CREATE TABLE IF NOT EXISTS inbound_messages (
    wamid TEXT PRIMARY KEY,
    phone_number_id TEXT NOT NULL,
    wa_id TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS request_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT,
    response TEXT
);
CREATE TABLE IF NOT EXISTS webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    phone_number_id TEXT NOT NULL,
    field TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    due REAL NOT NULL,
    created REAL NOT NULL,
    delivered_at REAL
);
CREATE INDEX IF NOT EXISTS webhooks_state_due ON webhooks (state, due);
-- Templates, media, flows, upload sessions, phone number state, profiles…: one JSON document each.
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS objects_owner ON objects (kind, owner, created);
CREATE INDEX IF NOT EXISTS objects_id ON objects (id);
CREATE TABLE IF NOT EXISTS blobs (
    id TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
-- Timestamps of rate-limited actions (template creations, registrations, management calls…).
CREATE TABLE IF NOT EXISTS rate_events (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_events_key ON rate_events (kind, key, at);
"""

# Columns added after a table first shipped: (table, column, definition). Old db files get them on open.
# ``webhooks.statuses``: how many message statuses the webhook carries (0: anything else); the dispatcher
# batches status webhooks into one POST, as Meta does.
_ADDED_COLUMNS = [("request_log", "fault", "TEXT NOT NULL DEFAULT ''"),
                  ("webhooks", "statuses", "INTEGER NOT NULL DEFAULT 0")]


class Database:
    """One connection shared by the server's threads and the dispatcher; a lock serialises it.

    A file database runs in WAL mode without an fsync per commit (``synchronous=NORMAL``): the
    simulator's state is a test double's, and a send must not wait on the disk (docs/simulator.md
    "Speed").
    """

    def __init__(self, db_path: str = ":memory:") -> None:
        self._conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._depth = 0  # nesting of transaction(): only the outermost one begins and commits
        # Documents by (kind, id) as stored (JSON text, or None for "absent"): ObjectsMixin.get reads it
        # instead of the table. Every write goes through this store; a rollback forgets it all.
        self._object_cache: dict[tuple[str, str], str | None] = {}
        with self._lock:
            if db_path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)
            for table, column, definition in _ADDED_COLUMNS:
                existing = {row["name"] for row in self._conn.execute(f"PRAGMA table_info({table})")}
                if column not in existing:
                    self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._depth:
                # Inside transaction(): part of the caller's transaction (one commit per request).
                self._depth += 1
                try:
                    yield self._conn
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                self._object_cache.clear()
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    def transaction(self) -> Any:
        """One transaction around several store calls (they join it): a send's rows commit once."""
        return self._tx()

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            if self._depth:  # inside transaction(): no new one (the common case while serving a request)
                return self._conn.execute(sql, params).fetchall()
            with self._tx() as db:
                return db.execute(sql, params).fetchall()
