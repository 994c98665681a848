"""Documents (templates, media, flows, phone number state…), blobs and rate-limit events.

Each document is a JSON object under (kind, id) with an ``owner`` (a WABA or phone number id)
for listing. Ids are unique across kinds, so ``find`` can resolve a Graph path's object id.
"""

from __future__ import annotations

import json
from typing import Any

from .db import Database


# Documents remembered by ``get`` at most (then it starts again): customers marked or looked up, numbers…
_CACHE_LIMIT = 100_000


class ObjectsMixin(Database):
    """Store methods for documents, blobs and rate events."""

    def put(self, kind: str, object_id: str, data: dict[str, Any], *, owner: str = "", created: float = 0.0) -> None:
        """Insert or replace a document (``created`` and ``owner`` are kept on replace)."""
        text = json.dumps(data)
        with self._tx() as db:
            db.execute(
                "INSERT INTO objects (kind, id, owner, data, created) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data",
                (kind, object_id, owner, text, created),
            )
            self._remember(kind, object_id, text)

    def get(self, kind: str, object_id: str) -> dict[str, Any] | None:
        """A document, or None (a fresh copy each time: callers may change it)."""
        key = (kind, object_id)
        with self._lock:
            if key in self._object_cache:
                text = self._object_cache[key]
            else:
                rows = self._all("SELECT data FROM objects WHERE kind = ? AND id = ?", (kind, object_id))
                text = rows[0]["data"] if rows else None
                self._remember(kind, object_id, text)
        return json.loads(text) if text is not None else None

    def _remember(self, kind: str, object_id: str, text: str | None) -> None:
        if len(self._object_cache) >= _CACHE_LIMIT:
            self._object_cache.clear()
        self._object_cache[(kind, object_id)] = text

    def find(self, object_id: str) -> tuple[str, dict[str, Any]] | None:
        """(kind, document) of whatever has this id, or None."""
        rows = self._all("SELECT kind, data FROM objects WHERE id = ? LIMIT 1", (object_id,))
        return (rows[0]["kind"], json.loads(rows[0]["data"])) if rows else None

    def list_objects(self, kind: str, owner: str | None = None) -> list[dict[str, Any]]:
        """Documents of a kind (one owner's if given), oldest first."""
        if owner is None:
            rows = self._all("SELECT data FROM objects WHERE kind = ? ORDER BY created, rowid", (kind,))
        else:
            rows = self._all(
                "SELECT data FROM objects WHERE kind = ? AND owner = ? ORDER BY created, rowid", (kind, owner)
            )
        return [json.loads(row["data"]) for row in rows]

    def delete(self, kind: str, object_id: str) -> None:
        """Forget a document (and a blob of the same id)."""
        with self._tx() as db:
            db.execute("DELETE FROM objects WHERE kind = ? AND id = ?", (kind, object_id))
            db.execute("DELETE FROM blobs WHERE id = ?", (object_id,))
            self._remember(kind, object_id, None)

    # -- blobs ---------------------------------------------------------------------------

    def put_blob(self, blob_id: str, data: bytes) -> None:
        """Store bytes under an id (replacing any)."""
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO blobs (id, data) VALUES (?, ?)", (blob_id, data))

    def get_blob(self, blob_id: str) -> bytes | None:
        """Stored bytes, or None."""
        rows = self._all("SELECT data FROM blobs WHERE id = ?", (blob_id,))
        return bytes(rows[0]["data"]) if rows else None

    # -- rate events ---------------------------------------------------------------------

    def count_events(self, kind: str, key: str, *, since: float) -> int:
        """How many ``kind`` events for ``key`` happened after ``since``."""
        rows = self._all(
            "SELECT count(*) AS n FROM rate_events WHERE kind = ? AND key = ? AND at > ?", (kind, key, since)
        )
        return int(rows[0]["n"])

    def last_event(self, kind: str, key: str) -> float | None:
        """When the latest ``kind`` event for ``key`` happened."""
        rows = self._all("SELECT max(at) AS at FROM rate_events WHERE kind = ? AND key = ?", (kind, key))
        return None if rows[0]["at"] is None else float(rows[0]["at"])

    def add_event(self, kind: str, key: str, *, at: float, keep: float) -> None:
        """Record an event, forgetting this kind's events older than ``keep`` seconds."""
        with self._tx() as db:
            db.execute("DELETE FROM rate_events WHERE kind = ? AND at < ?", (kind, at - keep))
            db.execute("INSERT INTO rate_events (kind, key, at) VALUES (?, ?, ?)", (kind, key, at))
