"""Numbers, accepted sends, customers' messages and windows, and the request log."""

from __future__ import annotations

import json
from typing import Any

from ..config import SimNumber
from .db import Database

# Keys whose values must never reach the request log, wherever they appear in a body.
SECRET_KEYS = frozenset({"access_token", "app_secret", "client_secret", "password", "pin"})


class MessagesMixin(Database):
    """Store methods for numbers, messages, windows and the request log."""

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
        return [dict(row) for row in self._all("SELECT * FROM numbers ORDER BY phone_number_id")]

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
                (wamid, phone_number_id, to_wa_id, type, dumps_redacted(body), biz_opaque_callback_data, created),
            )

    def sent_messages(self, phone_number_id: str | None = None) -> list[dict[str, Any]]:
        """Accepted sends, oldest first, optionally for one number only."""
        sql = "SELECT * FROM sent_messages"
        params: tuple[Any, ...] = ()
        if phone_number_id is not None:
            sql += " WHERE phone_number_id = ?"
            params = (phone_number_id,)
        return [_sent(row) for row in self._all(sql + " ORDER BY created, rowid", params)]

    def sent_message(self, wamid: str) -> dict[str, Any] | None:
        """One accepted send by wamid."""
        rows = self._all("SELECT * FROM sent_messages WHERE wamid = ?", (wamid,))
        return _sent(rows[0]) if rows else None

    def sent_times(self, phone_number_id: str, *, since: float | None = None) -> list[tuple[float, str | None]]:
        """(created, biz_opaque_callback_data) of a number's accepted sends, oldest first."""
        rows = self._all(
            "SELECT created, biz_opaque_callback_data FROM sent_messages WHERE phone_number_id = ? AND created >= ?"
            " ORDER BY created, rowid", (phone_number_id, since if since is not None else float("-inf")))
        return [(float(row[0]), row[1]) for row in rows]

    def callback_data_counts(self) -> dict[str, int]:
        """How many accepted sends carried each ``biz_opaque_callback_data``."""
        rows = self._all(
            "SELECT biz_opaque_callback_data AS data, count(*) AS n FROM sent_messages"
            " WHERE biz_opaque_callback_data IS NOT NULL GROUP BY biz_opaque_callback_data"
        )
        return {row["data"]: int(row["n"]) for row in rows}

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
        rows = self._all(
            "SELECT 1 FROM inbound_messages WHERE phone_number_id = ? AND wamid = ?", (phone_number_id, wamid)
        )
        return bool(rows)

    def last_inbound(self, phone_number_id: str, wa_id: str) -> float | None:
        """Unix time of the customer's latest message to this number, if they ever wrote."""
        rows = self._all(
            "SELECT last_inbound FROM customer_windows WHERE phone_number_id = ? AND wa_id = ?",
            (phone_number_id, wa_id),
        )
        return float(rows[0]["last_inbound"]) if rows else None

    # -- request log ---------------------------------------------------------------------

    def log_request(
        self, *, method: str, path: str, status: int, body: Any, response: Any, created: float, fault: str = ""
    ) -> int:
        """Record one Graph request; secret-looking keys in ``body`` are redacted first. Returns its id."""
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO request_log (created, method, path, status, body, response, fault)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (created, method, path, status, dumps_redacted(body), json.dumps(response), fault),
            )
        return int(cursor.lastrowid or 0)

    def mark_request_fault(self, request_id: int, fault: str) -> None:
        """Note on a logged request that its answer was dropped or replaced."""
        with self._tx() as db:
            db.execute("UPDATE request_log SET fault = ? WHERE id = ?", (fault, request_id))

    def request_log(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Logged requests, oldest first (the latest ``limit`` if given)."""
        if limit is None:
            rows = self._all("SELECT * FROM request_log ORDER BY id")
        else:
            rows = self._all("SELECT * FROM (SELECT * FROM request_log ORDER BY id DESC LIMIT ?) ORDER BY id", (limit,))
        return [
            {
                "id": row["id"],
                "created": row["created"],
                "method": row["method"],
                "path": row["path"],
                "status": row["status"],
                "body": json.loads(row["body"]) if row["body"] is not None else None,
                "response": json.loads(row["response"]) if row["response"] is not None else None,
                "fault": row["fault"],
            }
            for row in rows
        ]


def _sent(row: Any) -> dict[str, Any]:
    return {
        "wamid": row["wamid"],
        "phone_number_id": row["phone_number_id"],
        "to": row["to_wa_id"],
        "type": row["type"],
        "body": json.loads(row["body"]),
        "biz_opaque_callback_data": row["biz_opaque_callback_data"],
        "created": row["created"],
    }


def dumps_redacted(value: Any) -> str:
    """``json.dumps(redact(value))``, walking the value only when a secret key's name appears at all."""
    text = json.dumps(value)
    if any(f'"{key}"' in text for key in SECRET_KEYS):
        return json.dumps(redact(value))
    return text


def redact(value: Any) -> Any:
    """``value`` with every secret-looking key's value replaced, recursively."""
    if isinstance(value, dict):
        return {key: "[redacted]" if key in SECRET_KEYS else redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value
