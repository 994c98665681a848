"""The simulator's memory: one SQLite database behind one lock.

Everything Meta would remember between calls lives here (sent and inbound messages, each
customer's last inbound time, templates, media, flows, phone number state) plus what a
developer wants to inspect (the request log and the webhook queue with each delivery's
outcome). Credentials are never written here: tokens and app secrets stay in the in-memory
config, so a ``db_path`` file on disk holds none.
"""

from __future__ import annotations

from .messages import MessagesMixin, redact
from .objects import ObjectsMixin
from .webhook_queue import DELIVERED, FAILED, PENDING, TAKEN, WebhookQueueMixin

__all__ = ["DELIVERED", "FAILED", "PENDING", "TAKEN", "Store", "redact"]

_RESET_TABLES = ("sent_messages", "customer_windows", "inbound_messages", "request_log", "webhooks", "objects",
                 "blobs", "rate_events")


class Store(MessagesMixin, WebhookQueueMixin, ObjectsMixin):
    """Thread-safe access to the simulator's SQLite state."""

    def reset(self) -> None:
        """Forget everything except the numbers."""
        with self._tx() as db:
            for table in _RESET_TABLES:
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            self._object_cache.clear()
