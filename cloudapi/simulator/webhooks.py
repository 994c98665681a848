"""Webhooks the way Meta sends them: envelope shapes, signing, queueing and the delivery thread."""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import threading
import time
from typing import Any, Callable

import requests

from ..signature import sign
from .config import SimNumber
from .state import Store

logger = logging.getLogger(__name__)

MESSAGES_FIELD = "messages"
MAX_ATTEMPTS = 8
DELIVERY_TIMEOUT = 5.0
# Longest the dispatcher sleeps between looks at the queue; keeps fake clocks and restarts responsive.
_MAX_IDLE = 0.25
# Shortest time between two looks at the queue: every send wakes the dispatcher, and a look costs a query.
_MIN_GAP = 0.01
# Status webhooks are batched as Meta does ("up to 1000 updates may be batched in one POST"): a POST holds
# up to BATCH_SIZE statuses, and a due status waits at most BATCH_INTERVAL seconds for others to join it.
BATCH_SIZE = 100
BATCH_INTERVAL = 0.1

# Inbound message types Meta delivers, and the JSON type of the object named after each (None: no object).
INBOUND_TYPES: dict[str, type | None] = {
    "text": dict, "image": dict, "video": dict, "audio": dict, "document": dict, "sticker": dict,
    "location": dict, "contacts": list, "reaction": dict, "interactive": dict, "button": dict,
    "order": dict, "system": dict, "unsupported": None, "request_welcome": None,
}
_WA_ID_RE = re.compile(r"^\d{7,15}$")

_ERROR_CODES_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
UNDELIVERABLE_ERROR: dict[str, Any] = {
    "code": 131026,
    "title": "Message undeliverable",
    "message": "Message undeliverable",
    "error_data": {"details": "Message Undeliverable."},
    "href": _ERROR_CODES_HREF,
}


def media_error(details: str) -> dict[str, Any]:
    """The 131053 error object of a send whose media Meta could not use."""
    return {"code": 131053, "title": "Media upload error", "message": "Media upload error",
            "error_data": {"details": details}, "href": _ERROR_CODES_HREF}


MARKETING_LIMIT_ERROR: dict[str, Any] = {
    "code": 131049,
    "title": "This message was not delivered to maintain healthy ecosystem engagement.",
    "message": "This message was not delivered to maintain healthy ecosystem engagement.",
    "error_data": {"details": "In order to maintain a healthy ecosystem engagement, the message failed to be "
                   "delivered."},
    "href": _ERROR_CODES_HREF,
}
MARKETING_OPT_OUT_ERROR: dict[str, Any] = {
    "code": 131050,
    "title": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages "
             "on WhatsApp from your business.",
    "message": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages "
               "on WhatsApp from your business.",
    "error_data": {"details": "Unable to deliver the message. This recipient has chosen to stop receiving "
                   "marketing messages on WhatsApp from your business."},
    "href": _ERROR_CODES_HREF,
}
PACING_DROPPED_ERROR: dict[str, Any] = {
    "code": 132015,
    "title": "Template is Paused",
    "message": "Template is Paused",
    "error_data": {"details": "The message was held for quality assessment and dropped: the template was "
                   "paused due to low quality."},
    "href": _ERROR_CODES_HREF,
}


def messaging_limit_error(tier: str, limit: int) -> dict[str, Any]:
    """The simulator's choice for a send past the portfolio's messaging limit (Meta documents no code):
    131048, whose details name the limit (docs/simulator.md "Limits")."""
    return {"code": 131048, "title": "Spam rate limit hit", "message": "Spam rate limit hit",
            "error_data": {"details": f"Message failed to send because the business portfolio reached its "
                           f"messaging limit ({tier}: {limit} unique customers outside a customer service "
                           f"window in 24 hours)."},
            "href": _ERROR_CODES_HREF}


RE_ENGAGEMENT_ERROR: dict[str, Any] = {
    "code": 131047,
    "title": "Re-engagement message",
    "message": "Re-engagement message",
    "error_data": {
        "details": "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number."
    },
    "href": _ERROR_CODES_HREF,
}


# -- shapes ------------------------------------------------------------------------------


def new_wamid(wa_id: str) -> str:
    """A fresh message id shaped like Meta's.

    Real wamids are base64 of a small binary record holding the customer's number and a
    20-hex-digit id; mirroring that keeps ids realistic for parsers and column lengths.
    """
    digits = wa_id.encode()[:255]
    record = b"\x1c\x18" + bytes([len(digits)]) + digits + b"\x15\x02\x00\x12\x18\x14"
    record += secrets.token_hex(10).upper().encode() + b"\x00"
    return "wamid." + base64.b64encode(record).decode()


def envelope(number: SimNumber, value: dict[str, Any], field: str = MESSAGES_FIELD) -> dict[str, Any]:
    """Wrap a change ``value`` in the ``whatsapp_business_account`` envelope of ``number``'s WABA."""
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": number.waba_id, "changes": [{"value": value, "field": field}]}],
    }


def _messages_value(number: SimNumber) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": number.display_phone_number,
            "phone_number_id": number.phone_number_id,
        },
    }


def status_payload(
    number: SimNumber,
    sent: dict[str, Any],
    *,
    status: str,
    timestamp: int,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ``statuses`` webhook for one accepted send (per-message pricing, no ``conversation``)."""
    item: dict[str, Any] = {
        "id": sent["wamid"],
        "status": status,
        "timestamp": str(timestamp),
        "recipient_id": sent["to"],
    }
    if sent.get("biz_opaque_callback_data") is not None:
        item["biz_opaque_callback_data"] = sent["biz_opaque_callback_data"]
    # Meta bills (and reports pricing) on sent and delivered; read and failed carry none.
    if status in ("sent", "delivered"):
        item["pricing"] = pricing(sent)
    if errors:
        item["errors"] = errors
    value = _messages_value(number)
    value["statuses"] = [item]
    return envelope(number, value)


def pricing(sent: dict[str, Any]) -> dict[str, Any]:
    """Per-message pricing: templates are billed by their category, replies in the window are free."""
    if sent["type"] == "template":
        return {"billable": True, "pricing_model": "PMP", "type": "regular",
                "category": sent.get("category") or "utility"}
    return {"billable": True, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"}


def inbound_payload(number: SimNumber, *, wa_id: str, name: str, message: dict[str, Any]) -> dict[str, Any]:
    """The ``messages`` webhook for a customer's message (``message`` already has from/id/timestamp)."""
    value = _messages_value(number)
    value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
    value["messages"] = [message]
    return envelope(number, value)


def inbound_message(*, wa_id: str, message: Any, timestamp: int) -> dict[str, Any]:
    """A customer's ``message`` as it appears in ``messages[]``: ``from``, a new ``id`` and ``timestamp`` added.

    Raises ``ValueError`` with a readable reason when the message is not one Meta could deliver.
    """
    if not isinstance(wa_id, str) or not _WA_ID_RE.match(wa_id):
        raise ValueError(f"wa_id must be 7 to 15 digits (got {wa_id!r})")
    if not isinstance(message, dict):
        raise ValueError("message must be an object such as {\"type\": \"text\", \"text\": {\"body\": \"hi\"}}")
    message_type = message.get("type")
    if not isinstance(message_type, str) or not message_type:
        raise ValueError("message.type is required")
    if message_type not in INBOUND_TYPES:
        raise ValueError(f"Unknown message type {message_type!r}; expected one of {', '.join(sorted(INBOUND_TYPES))}")
    expected = INBOUND_TYPES[message_type]
    if expected is not None and not isinstance(message.get(message_type), expected):
        kind = "an array" if expected is list else "an object"
        raise ValueError(f"message.{message_type} is required and must be {kind}")
    if message_type == "text":
        body = message["text"].get("body")
        if not isinstance(body, str) or not body:
            raise ValueError("message.text.body is required and must be a non-empty string")
    if "context" in message and not isinstance(message["context"], dict):
        raise ValueError("message.context must be an object")
    # Meta puts from/id/timestamp first; anything the caller passed under those names is replaced.
    extra = {key: value for key, value in message.items() if key not in ("from", "id", "timestamp")}
    return {"from": wa_id, "id": new_wamid(wa_id), "timestamp": str(timestamp), **extra}


def serialize(payload: dict[str, Any]) -> bytes:
    """The exact bytes that get signed and posted."""
    return json.dumps(payload, separators=(",", ":")).encode()


def signed_headers(body: bytes, app_secret: str) -> dict[str, str]:
    """Headers Meta puts on a webhook POST of ``body``."""
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, app_secret)}


# -- queueing ----------------------------------------------------------------------------


def is_subscribed(store: Store, waba_id: str) -> bool:
    """Whether our app is subscribed to the WABA's webhooks (it is until ``DELETE subscribed_apps``)."""
    subscription = store.get("subscription", waba_id)
    return subscription is None or bool(subscription.get("subscribed"))


def queue(store: Store, number: SimNumber, payload: dict[str, Any], *, due: float, now: float) -> int:
    """Serialize ``payload`` once and queue it, so the stored text is exactly what gets signed.

    Nothing is queued (returns 0) while the app is unsubscribed from the number's WABA.
    """
    if not is_subscribed(store, number.waba_id):
        return 0
    change = payload["entry"][0]["changes"][0]
    statuses = change["value"].get("statuses") if change["field"] == MESSAGES_FIELD else None
    return store.queue_webhook(
        phone_number_id=number.phone_number_id,
        field=change["field"],
        body=serialize(payload).decode(),
        due=due,
        created=now,
        statuses=len(statuses) if isinstance(statuses, list) else 0,
    )


def batch_body(bodies: list[str]) -> bytes:
    """One POST body holding the statuses of several queued status webhooks, as Meta batches them:
    one ``entry`` per WABA, one ``changes[]`` item per phone number whose ``value.statuses[]`` holds
    them all, in queue order. A single webhook is posted as it was queued."""
    if len(bodies) == 1:
        return bodies[0].encode()
    entries: dict[str, dict[str, Any]] = {}
    values: dict[tuple[str, str], dict[str, Any]] = {}
    for body in bodies:
        payload = json.loads(body)
        for entry in payload["entry"]:
            merged = entries.setdefault(entry["id"], {"id": entry["id"], "changes": []})
            for change in entry["changes"]:
                value = change["value"]
                key = (entry["id"], value["metadata"]["phone_number_id"])
                if key not in values:
                    values[key] = {**value, "statuses": []}
                    merged["changes"].append({"value": values[key], "field": change["field"]})
                values[key]["statuses"].extend(value["statuses"])
    return serialize({"object": "whatsapp_business_account", "entry": list(entries.values())})


def queue_delivery_statuses(
    store: Store, number: SimNumber, sent: dict[str, Any], *, now: float, delays: tuple[float, float, float]
) -> None:
    """Queue ``sent``, ``delivered`` and ``read``, each stamped with its own due time."""
    if not is_subscribed(store, number.waba_id):
        return
    rows = []
    for status, delay in zip(("sent", "delivered", "read"), delays):
        due = now + delay
        payload = status_payload(number, sent, status=status, timestamp=int(due))
        rows.append((number.phone_number_id, MESSAGES_FIELD, serialize(payload).decode(), due, now, 1))
    store.queue_webhooks(rows)


def queue_failed_status(
    store: Store, number: SimNumber, sent: dict[str, Any], *, now: float, delay: float, error: dict[str, Any]
) -> None:
    """Queue the one ``failed`` status Meta sends for a send it accepted but could not deliver."""
    due = now + delay
    payload = status_payload(number, sent, status="failed", timestamp=int(due), errors=[error])
    queue(store, number, payload, due=due, now=now)


# -- delivery ----------------------------------------------------------------------------


class Dispatcher:
    """Background thread that POSTs due webhooks to one URL, retrying failures with backoff.

    Attempt ``n`` failing (connection error, timeout or non-2xx) makes the webhook due again
    ``2 ** (n - 1)`` seconds later (1 s, 2 s, 4 s …); after ``MAX_ATTEMPTS`` it is marked failed.
    Meta retries for days; this is the same shape, compressed.
    """

    def __init__(
        self,
        store: Store,
        *,
        url: str,
        secret_for: Callable[[str], str | None],
        clock: Callable[[], float],
        before_pass: Callable[[], None] | None = None,
        batch_size: int = BATCH_SIZE,
        batch_interval: float = BATCH_INTERVAL,
    ) -> None:
        self._store = store
        self._batch_size = max(1, batch_size)
        self._batch_interval = batch_interval
        self._deferred_until: float | None = None
        self._before_pass = before_pass
        self._url = url
        self._secret_for = secret_for
        self._clock = clock
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._session = requests.Session()
        # Talk to the webhook URL directly: a developer's HTTP(S)_PROXY must not swallow localhost calls.
        self._session.trust_env = False

    @property
    def running(self) -> bool:
        """Whether the delivery thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the delivery thread (no-op if it already runs)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="cloudapi-sim-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = DELIVERY_TIMEOUT + 1) -> None:
        """Stop the thread, letting an in-flight POST finish."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def wake(self) -> None:
        """Look at the queue now (something new was queued)."""
        self._wake.set()

    def deliver_due(self) -> int:
        """POST every webhook that is due now (statuses batched, none held back); returns how many
        queued webhooks were attempted."""
        return self._pass(hold_back=False)

    def _pass(self, *, hold_back: bool) -> int:
        if not self._url:
            return 0
        now = self._clock()
        rows = self._store.due_webhooks(now, limit=self._batch_size * 20)
        attempted = 0
        for unit in self._plan(rows, now=now, hold_back=hold_back):
            if self._stop.is_set():
                break
            self._deliver(unit)
            attempted += len(unit)
        return attempted

    def _plan(self, rows: list[dict[str, Any]], *, now: float, hold_back: bool) -> list[list[dict[str, Any]]]:
        """Due rows in POSTs: each other webhook alone, in due order; statuses signed with the same secret
        together, up to the batch size, at the place of the first. With ``hold_back`` a batch that is not
        full waits until its first status has been due ``batch_interval`` seconds."""
        units, open_batches = self._group(rows, secret_for=self._secret_for, batch_size=self._batch_size)
        self._deferred_until = None
        if hold_back:
            for batch in open_batches.values():
                ready_at = batch[0]["due"] + self._batch_interval
                if len(batch) < self._batch_size and ready_at > now:
                    units.remove(batch)
                    self._deferred_until = min(self._deferred_until or ready_at, ready_at)
        return units

    @staticmethod
    def plan_batches(rows: list[dict[str, Any]], *, secret_for: Callable[[str], str | None],
                     batch_size: int = BATCH_SIZE) -> list[list[dict[str, Any]]]:
        """Rows grouped into POSTs as the dispatcher sends them when nothing is held back."""
        return Dispatcher._group(rows, secret_for=secret_for, batch_size=batch_size)[0]

    @staticmethod
    def _group(rows: list[dict[str, Any]], *, secret_for: Callable[[str], str | None], batch_size: int
               ) -> tuple[list[list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
        units: list[list[dict[str, Any]]] = []
        open_batches: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            if not row["statuses"]:
                units.append([row])
                continue
            key = secret_for(row["phone_number_id"]) or ""
            batch = open_batches.get(key)
            if batch is None or len(batch) >= batch_size:
                batch = open_batches[key] = []
                units.append(batch)
            batch.append(row)
        return units, open_batches

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                if self._before_pass is not None:
                    self._before_pass()
                self._pass(hold_back=True)
            except Exception:  # keep delivering after an unexpected fault; details in the log
                logger.exception("Webhook dispatcher pass failed")
            if self._deferred_until is not None:
                # A batch is filling: wait for it (at most batch_interval), whatever wakes us meanwhile.
                self._stop.wait(self._idle_seconds())
            else:
                self._wake.wait(self._idle_seconds())
            self._wake.clear()
            self._stop.wait(max(0.0, _MIN_GAP - (time.monotonic() - began)))

    def _idle_seconds(self) -> float:
        if self._deferred_until is not None:
            # Statuses are due but held back for their batch; anything else queued meanwhile wakes us.
            return min(max(self._deferred_until - self._clock(), 0.0), _MAX_IDLE)
        next_due = self._store.next_due()
        if next_due is None or not self._url:
            return _MAX_IDLE
        return min(max(next_due - self._clock(), 0.0), _MAX_IDLE)

    def _deliver(self, unit: list[dict[str, Any]]) -> None:
        secret = self._secret_for(unit[0]["phone_number_id"])
        if secret is None:
            for row in unit:
                self._store.mark_attempt_failed(row["id"], error="Unknown phone number id", retry_at=None)
            return
        body = batch_body([row["body"] for row in unit])
        error = ""
        try:
            response = self._session.post(
                self._url, data=body, headers=signed_headers(body, secret), timeout=DELIVERY_TIMEOUT
            )
            if 200 <= response.status_code < 300:
                self._store.mark_many_delivered([row["id"] for row in unit], at=self._clock())
                return
            error = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        for row in unit:
            attempt = row["attempts"] + 1
            retry_at = None if attempt >= MAX_ATTEMPTS else self._clock() + 2 ** (attempt - 1)
            self._store.mark_attempt_failed(row["id"], error=error[:500], retry_at=retry_at)
        # Only ids and outcomes are logged: the body may hold a customer's message.
        logger.warning("Webhook %s delivery attempt %s failed (%s in the POST): %s", unit[0]["id"],
                       unit[0]["attempts"] + 1, len(unit), error)
