"""The webhook queue: what is due, what was taken, delivered or failed."""

from __future__ import annotations

import json
from typing import Any

from .db import Database

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
# Handed to the caller of ``take_webhooks``: delivery is theirs now, the dispatcher must skip it.
TAKEN = "taken"


class WebhookQueueMixin(Database):
    """Store methods for queued webhooks."""

    def queue_webhook(self, *, phone_number_id: str, field: str, body: str, due: float, created: float,
                      statuses: int = 0) -> int:
        """Queue a serialized webhook body for delivery at ``due``; returns its id. ``statuses``: how many
        message statuses it carries (those are batched into one POST by the dispatcher)."""
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO webhooks (phone_number_id, field, body, due, created, statuses)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (phone_number_id, field, body, due, created, statuses),
            )
        return int(cursor.lastrowid or 0)

    def queue_webhooks(self, rows: list[tuple[str, str, str, float, float, int]]) -> None:
        """Queue several serialized webhooks at once: (phone_number_id, field, body, due, created, statuses)."""
        with self._tx() as db:
            db.executemany(
                "INSERT INTO webhooks (phone_number_id, field, body, due, created, statuses)"
                " VALUES (?, ?, ?, ?, ?, ?)", rows)

    def due_webhooks(self, now: float, limit: int | None = None) -> list[dict[str, Any]]:
        """Pending webhooks whose due time has come, in due order (the first ``limit`` if given)."""
        sql = "SELECT * FROM webhooks WHERE state = ? AND due <= ? ORDER BY due, id"
        params: tuple[Any, ...] = (PENDING, now)
        if limit is not None:
            sql += " LIMIT ?"
            params = (PENDING, now, limit)
        return [dict(row) for row in self._all(sql, params)]

    def next_due(self) -> float | None:
        """When the earliest pending webhook falls due, or None if nothing is pending."""
        rows = self._all("SELECT min(due) AS due FROM webhooks WHERE state = ?", (PENDING,))
        return None if rows[0]["due"] is None else float(rows[0]["due"])

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

    def mark_many_delivered(self, webhook_ids: list[int], *, at: float) -> None:
        """Record the successful delivery of one batched POST holding these webhooks."""
        with self._tx() as db:
            db.executemany(
                "UPDATE webhooks SET state = ?, attempts = attempts + 1, last_error = '', delivered_at = ?"
                " WHERE id = ?",
                [(DELIVERED, at, webhook_id) for webhook_id in webhook_ids],
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

    def webhook_log(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Queued webhooks with their delivery state, oldest first (the latest ``limit`` if given)."""
        if limit is None:
            rows = self._all("SELECT * FROM webhooks ORDER BY id")
        else:
            rows = self._all("SELECT * FROM (SELECT * FROM webhooks ORDER BY id DESC LIMIT ?) ORDER BY id", (limit,))
        log = []
        for row in rows:
            entry = dict(row)
            entry["body"] = json.loads(entry["body"])
            log.append(entry)
        return log
