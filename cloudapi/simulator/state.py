"""The simulator's memory: one SQLite database behind one lock.

Everything Meta would remember between calls lives here (sent and inbound messages, each
customer's last inbound time) plus what a developer wants to inspect (the request log and
the webhook queue with each delivery's outcome). Credentials are never written here: tokens
and app secrets stay in the in-memory config, so a ``db_path`` file on disk holds none.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from .config import SimNumber

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
# Handed to the caller of ``take_webhooks``: delivery is theirs now, the dispatcher must skip it.
TAKEN = "taken"

_SCHEMA = """
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
"""

# Keys whose values must never reach the request log, wherever they appear in a body.
_SECRET_KEYS = frozenset({"access_token", "app_secret", "client_secret", "password", "pin"})


class Store:
    """Thread-safe access to the simulator's SQLite state."""

    def __init__(self, db_path: str = ":memory:") -> None:
        # One connection shared by the server's threads and the dispatcher; the lock serialises it.
        self._conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -- numbers -------------------------------------------------------------------------

    def save_number(self, number: SimNumber) -> None:
        """Insert or refresh a number's public attributes (never its token or secret)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO numbers (phone_number_id, display_phone_number, waba_id, verified_name)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (phone_number_id) DO UPDATE SET"
                " display_phone_number = excluded.display_phone_number,"
                " waba_id = excluded.waba_id, verified_name = excluded.verified_name",
                (number.phone_number_id, number.display_phone_number, number.waba_id, number.verified_name),
            )

    def numbers(self) -> list[dict[str, Any]]:
        """Public attributes of every number, in id order."""
        with self._tx() as db:
            rows = db.execute("SELECT * FROM numbers ORDER BY phone_number_id").fetchall()
        return [dict(row) for row in rows]

    # -- messages ------------------------------------------------------------------------

    def add_sent(
        self,
        *,
        wamid: str,
        phone_number_id: str,
        to_wa_id: str,
        type: str,
        body: dict[str, Any],
        biz_opaque_callback_data: str | None,
        created: float,
    ) -> None:
        """Remember a message the simulator accepted for sending (secret-looking keys redacted)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO sent_messages VALUES (?, ?, ?, ?, ?, ?, ?)",
                (wamid, phone_number_id, to_wa_id, type, json.dumps(_redact(body)), biz_opaque_callback_data, created),
            )

    def sent_messages(self, phone_number_id: str | None = None) -> list[dict[str, Any]]:
        """Accepted sends, oldest first, optionally for one number only."""
        sql = "SELECT * FROM sent_messages"
        params: tuple[Any, ...] = ()
        if phone_number_id is not None:
            sql += " WHERE phone_number_id = ?"
            params = (phone_number_id,)
        with self._tx() as db:
            rows = db.execute(sql + " ORDER BY created, rowid", params).fetchall()
        return [
            {
                "wamid": row["wamid"],
                "phone_number_id": row["phone_number_id"],
                "to": row["to_wa_id"],
                "type": row["type"],
                "body": json.loads(row["body"]),
                "biz_opaque_callback_data": row["biz_opaque_callback_data"],
                "created": row["created"],
            }
            for row in rows
        ]

    def add_inbound(
        self, *, wamid: str, phone_number_id: str, wa_id: str, type: str, body: dict[str, Any], created: float
    ) -> None:
        """Remember a customer's message and (re)open their 24-hour window from its time."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO inbound_messages VALUES (?, ?, ?, ?, ?, ?)",
                (wamid, phone_number_id, wa_id, type, json.dumps(body), created),
            )
            # max(): a backdated message must not shorten a window a later message opened.
            db.execute(
                "INSERT INTO customer_windows VALUES (?, ?, ?) ON CONFLICT (phone_number_id, wa_id)"
                " DO UPDATE SET last_inbound = max(last_inbound, excluded.last_inbound)",
                (phone_number_id, wa_id, created),
            )

    def has_inbound(self, phone_number_id: str, wamid: str) -> bool:
        """Whether ``wamid`` is a message a customer sent to this number."""
        with self._tx() as db:
            row = db.execute(
                "SELECT 1 FROM inbound_messages WHERE phone_number_id = ? AND wamid = ?", (phone_number_id, wamid)
            ).fetchone()
        return row is not None

    def last_inbound(self, phone_number_id: str, wa_id: str) -> float | None:
        """Unix time of the customer's latest message to this number, if they ever wrote."""
        with self._tx() as db:
            row = db.execute(
                "SELECT last_inbound FROM customer_windows WHERE phone_number_id = ? AND wa_id = ?",
                (phone_number_id, wa_id),
            ).fetchone()
        return None if row is None else float(row["last_inbound"])

    # -- request log ---------------------------------------------------------------------

    def log_request(
        self, *, method: str, path: str, status: int, body: Any, response: dict[str, Any], created: float
    ) -> None:
        """Record one Graph request; secret-looking keys in ``body`` are redacted first."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO request_log (created, method, path, status, body, response) VALUES (?, ?, ?, ?, ?, ?)",
                (created, method, path, status, json.dumps(_redact(body)), json.dumps(response)),
            )

    def request_log(self) -> list[dict[str, Any]]:
        """Every logged request, oldest first."""
        with self._tx() as db:
            rows = db.execute("SELECT * FROM request_log ORDER BY id").fetchall()
        return [
            {
                "id": row["id"],
                "created": row["created"],
                "method": row["method"],
                "path": row["path"],
                "status": row["status"],
                "body": json.loads(row["body"]) if row["body"] is not None else None,
                "response": json.loads(row["response"]) if row["response"] is not None else None,
            }
            for row in rows
        ]

    # -- webhooks ------------------------------------------------------------------------

    def queue_webhook(self, *, phone_number_id: str, field: str, body: str, due: float, created: float) -> int:
        """Queue a serialized webhook body for delivery at ``due``; returns its id."""
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO webhooks (phone_number_id, field, body, due, created) VALUES (?, ?, ?, ?, ?)",
                (phone_number_id, field, body, due, created),
            )
        return int(cursor.lastrowid or 0)

    def due_webhooks(self, now: float) -> list[dict[str, Any]]:
        """Pending webhooks whose due time has come, in due order."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT * FROM webhooks WHERE state = ? AND due <= ? ORDER BY due, id", (PENDING, now)
            ).fetchall()
        return [dict(row) for row in rows]

    def next_due(self) -> float | None:
        """When the earliest pending webhook falls due, or None if nothing is pending."""
        with self._tx() as db:
            row = db.execute("SELECT min(due) AS due FROM webhooks WHERE state = ?", (PENDING,)).fetchone()
        return None if row["due"] is None else float(row["due"])

    def take_pending(self) -> list[dict[str, Any]]:
        """Every pending webhook in due order, marked taken in the same transaction."""
        with self._tx() as db:
            rows = db.execute("SELECT * FROM webhooks WHERE state = ? ORDER BY due, id", (PENDING,)).fetchall()
            db.execute("UPDATE webhooks SET state = ? WHERE state = ?", (TAKEN, PENDING))
        return [dict(row) for row in rows]

    def mark_delivered(self, webhook_id: int, *, at: float) -> None:
        """Record a successful delivery."""
        with self._tx() as db:
            db.execute(
                "UPDATE webhooks SET state = ?, attempts = attempts + 1, last_error = '', delivered_at = ?"
                " WHERE id = ?",
                (DELIVERED, at, webhook_id),
            )

    def mark_attempt_failed(self, webhook_id: int, *, error: str, retry_at: float | None) -> None:
        """Record a failed attempt: due again at ``retry_at``, or failed for good when it is None."""
        with self._tx() as db:
            if retry_at is None:
                db.execute(
                    "UPDATE webhooks SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                    (FAILED, error, webhook_id),
                )
            else:
                db.execute(
                    "UPDATE webhooks SET attempts = attempts + 1, last_error = ?, due = ? WHERE id = ?",
                    (error, retry_at, webhook_id),
                )

    def webhook_log(self) -> list[dict[str, Any]]:
        """Every queued webhook with its delivery state, oldest first."""
        with self._tx() as db:
            rows = db.execute("SELECT * FROM webhooks ORDER BY id").fetchall()
        log = []
        for row in rows:
            entry = dict(row)
            entry["body"] = json.loads(entry["body"])
            log.append(entry)
        return log

    def reset(self) -> None:
        """Forget everything except the numbers."""
        with self._tx() as db:
            for table in ("sent_messages", "customer_windows", "inbound_messages", "request_log", "webhooks"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: "[redacted]" if key in _SECRET_KEYS else _redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item) for item in value]
    return value
