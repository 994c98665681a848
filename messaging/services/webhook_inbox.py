"""The durable webhook inbox: check the signature, store the raw body once, enqueue processing."""

import hashlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings

from django.db import IntegrityError, OperationalError, connections, router, transaction
from django.utils.crypto import constant_time_compare

from accounts.models import BusinessAccount
from cloudapi.signature import is_valid
from cloudapi.webhook_payloads import clean_text

from ..models import WebhookEvent


logger = logging.getLogger(__name__)


class InboxBusy(Exception):
    """The database cannot take the event now (locked, unreachable): Meta should send it again."""


@dataclass(frozen=True)
class Stored:
    # On PostgreSQL a new event stored by group commit comes back without its id.
    event: WebhookEvent | None
    duplicate: bool


# App secrets of the connected accounts, decrypted, kept briefly so the hot path makes no query.
# Saving or deleting an account drops them (signals, see apps.py): a new or rotated secret works
# at once in this process. A signature that matches none of them reloads the list, but at most
# once per SECRETS_MIN_RELOAD: a flood of bad signatures would otherwise reload and decrypt
# every account's secret per request (and slow the good ones down with it). A secret saved by
# another process works within that second; a removed one stops working within SECRETS_TTL.
SECRETS_TTL = 30.0
SECRETS_MIN_RELOAD = 1.0
_secrets: tuple[float, list[tuple[int, str]]] = (0.0, [])
_secrets_lock = threading.Lock()


def receive_webhook(*, body: bytes, signature: str | None) -> Stored | None:
    """Check the signature and store the event; ``None`` when no connected app signed it.

    Raises ``InboxBusy`` when the database stays locked (or unreachable) past
    ``WEBHOOK_STORE_LOCK_WAIT``: nothing is stored, and the caller answers so that Meta retries.
    """
    for refresh in (False, True):
        account_id = signing_account_id(body=body, signature=signature, refresh=refresh)
        if account_id is None:
            return None
        try:
            return store_webhook_event(body=body, account_id=account_id)
        except _AccountGone:
            continue  # deleted (or re-created) since its secret was cached: look again
    return None


def signing_account_id(*, body: bytes, signature: str | None, refresh: bool = False) -> int | None:
    """The id of an account whose app secret signed ``body``, or ``None`` (several apps may share us)."""
    if not signature:
        return None
    tried = None
    for reload in (True,) if refresh else (False, True):
        secrets = _app_secrets(refresh=reload)
        if secrets is tried:
            continue  # not reloaded (the last reload is too recent): no use checking them twice
        tried = secrets
        for account_id, secret in secrets:
            if is_valid(body, signature, secret):
                return account_id
    return None


def signing_account_ids(*, body: bytes, signature: str | None) -> list[int]:
    """Every account whose app secret signed ``body`` (accounts of one Meta app share a secret).

    The Flows data endpoint looks for its decryption key among these accounts' numbers.
    """
    if not signature:
        return []
    tried = None
    for reload in (False, True):
        secrets = _app_secrets(refresh=reload)
        if secrets is tried:
            continue
        tried = secrets
        found = [account_id for account_id, secret in secrets if is_valid(body, signature, secret)]
        if found:
            return found
    return []


class _AccountGone(Exception):
    pass


def forget_app_secrets(**_signal_kwargs) -> None:
    """Drop the cached secrets (an account was saved or deleted in this process)."""
    global _secrets
    with _secrets_lock:
        _secrets = (0.0, [])


def _app_secrets(*, refresh: bool) -> list[tuple[int, str]]:
    loaded_at, secrets = _secrets
    age = time.monotonic() - loaded_at
    if age > SECRETS_TTL or (refresh and age > SECRETS_MIN_RELOAD):
        return _reload_secrets(loaded_at)
    return secrets


def _reload_secrets(seen_loaded_at: float) -> list[tuple[int, str]]:
    global _secrets
    with _secrets_lock:
        loaded_at, secrets = _secrets
        if loaded_at > seen_loaded_at:
            return secrets  # another thread reloaded them meanwhile
        secrets = [(account.pk, account.app_secret) for account in BusinessAccount.objects.only("pk", "app_secret")]
        _secrets = (time.monotonic(), secrets)
    return secrets


def store_webhook_event(*, body: bytes, account_id: int) -> Stored:
    """Keep the raw body (deduplicated by hash) and wake processing after commit.

    Raises ``InboxBusy`` when the database cannot take it now.
    """
    if connections[router.db_for_write(WebhookEvent)].vendor == "postgresql":
        stored = _store_grouped(body=body, account_id=account_id)
        if stored is not None:
            return stored
    try:
        with _lock_wait(settings.WEBHOOK_STORE_LOCK_WAIT):
            return _store(body=body, account_id=account_id)
    except OperationalError as exc:
        logger.warning("Webhook not stored, the database is busy: %s", exc)
        raise InboxBusy(str(exc)) from exc


@contextmanager
def _lock_wait(seconds: float) -> Iterator[None]:
    """On SQLite, wait at most ``seconds`` for another writer (the configured timeout is longer,
    right for the worker and the console but not for Meta, which waits for our answer)."""
    connection = connections[router.db_for_write(WebhookEvent)]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(previous)}")


def _event_row(*, body: bytes, account_id: int) -> WebhookEvent:
    field, phone_number_id, waba_id = _routing_hints(body)
    return WebhookEvent(
        account_id=account_id,
        # PostgreSQL text cannot hold NUL; the hash is of the exact bytes.
        body=body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
        raw_body=body,
        body_sha256=hashlib.sha256(body).hexdigest(),
        field=field,
        phone_number_id=phone_number_id,
        waba_id=waba_id,
    )


def _store(*, body: bytes, account_id: int) -> Stored:
    event = _event_row(body=body, account_id=account_id)
    digest = event.body_sha256
    try:
        with transaction.atomic():
            event.save(force_insert=True)
            transaction.on_commit(wake_processing)
    except IntegrityError:
        existing = WebhookEvent.objects.filter(body_sha256=digest).first()
        if existing is None:
            raise _AccountGone from None  # not a duplicate: the account row is gone
        return Stored(event=existing, duplicate=True)
    return Stored(event=event, duplicate=False)


# --- Group commit (PostgreSQL) -----------------------------------------------------------------
# Each stored event used to be its own transaction, and its own wait for the durable commit. The
# threads of a process that store at the same time now hand their rows to one of them (the leader),
# which inserts them all in one statement and one transaction, dedup by hash in the same statement
# (ON CONFLICT DO NOTHING), then releases every waiting request: each still answers only after its
# event is committed. Whoever arrives while a leader writes queues for the next batch. A batch that
# fails (an account deleted meanwhile, anything unexpected) sends every request back to the
# one-event path above, so one bad row never fails the others; a busy database fails them all
# with InboxBusy, as it would have one by one. A batch is at most one process's thread count.
_BATCH_STORED, _BATCH_DUPLICATE, _BATCH_ALONE = "stored", "duplicate", "alone"


class _Waiting:
    __slots__ = ("event", "outcome")

    def __init__(self, event: WebhookEvent) -> None:
        self.event = event
        self.outcome: str | InboxBusy | None = None


_queue: list[_Waiting] = []
_queue_changed = threading.Condition()
_writing = False


def _store_grouped(*, body: bytes, account_id: int) -> Stored | None:
    """Store with whichever requests of this process store now; ``None``: store it alone."""
    global _writing
    waiting = _Waiting(_event_row(body=body, account_id=account_id))
    with _queue_changed:
        _queue.append(waiting)
        while waiting.outcome is None and _writing:
            _queue_changed.wait()
        batch = []
        if waiting.outcome is None:  # nobody writes now: this thread writes what has queued
            _writing = True
            batch = _queue[:]
            _queue.clear()
    if batch:
        outcomes: dict[_Waiting, str | InboxBusy] = {}
        try:
            outcomes = _insert_batch(batch)
        finally:  # even if this thread is interrupted, nobody waits for ever
            with _queue_changed:
                for item in batch:
                    item.outcome = outcomes.get(item, _BATCH_ALONE)
                _writing = False
                _queue_changed.notify_all()
    if waiting.outcome == _BATCH_ALONE:
        return None
    if isinstance(waiting.outcome, InboxBusy):
        raise InboxBusy(str(waiting.outcome))
    return Stored(event=waiting.event, duplicate=waiting.outcome == _BATCH_DUPLICATE)


def _insert_batch(batch: list[_Waiting]) -> dict[_Waiting, str | InboxBusy]:
    """One statement, one transaction for the batch; new rows come back without their id."""
    try:
        with transaction.atomic(using=router.db_for_write(WebhookEvent)):
            inserted = _insert_ignoring_duplicates([item.event for item in batch])
            transaction.on_commit(wake_processing)
    except IntegrityError:
        return {}  # every request stores alone: the one-event path finds the bad one
    except OperationalError as exc:
        logger.warning("Webhooks not stored, the database is busy: %s", exc)
        return dict.fromkeys(batch, InboxBusy(str(exc)))
    except Exception as exc:  # noqa: BLE001 — each request then stores its own event
        logger.error("Group commit failed (%s); each request stores its event alone", type(exc).__name__)
        return {}
    outcomes = {}
    for item in batch:
        # The first of two equal bodies in one batch is the one stored; the other is its duplicate.
        digest = item.event.body_sha256
        outcomes[item] = _BATCH_STORED if digest in inserted else _BATCH_DUPLICATE
        inserted.discard(digest)
    return outcomes


def _insert_ignoring_duplicates(events: list[WebhookEvent]) -> set[str]:
    """``INSERT … ON CONFLICT (body_sha256) DO NOTHING RETURNING``: the hashes actually inserted.

    Written out because the ORM's bulk_create neither says which rows it skipped nor costs little:
    building its query took most of the receiver's CPU time per request (profiled, issue #15).
    """
    connection = connections[router.db_for_write(WebhookEvent)]
    fields = [field for field in WebhookEvent._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    digest = quote(WebhookEvent._meta.get_field("body_sha256").column)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        field.get_db_prep_save(field.pre_save(event, add=True), connection) for event in events for field in fields
    ]
    sql = (
        f"INSERT INTO {quote(WebhookEvent._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * len(events))} "
        f"ON CONFLICT ({digest}) DO NOTHING RETURNING {digest}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {inserted for (inserted,) in cursor.fetchall()}


def verify_subscription(*, mode: str | None, token: str | None) -> bool:
    """Meta's GET handshake: does ``token`` match one of our accounts' verify tokens?"""
    if mode != "subscribe" or not token:
        return False
    return any(constant_time_compare(token, account.verify_token) for account in BusinessAccount.objects.all())


_last_wake = 0.0


def wake_processing() -> None:
    """Make sure a drain task will run. One per ``WEBHOOK_WAKE_INTERVAL`` per process is enough:
    a drain processes every pending event in arrival order and looks again once it is done."""
    global _last_wake
    now = time.monotonic()
    if now - _last_wake < settings.WEBHOOK_WAKE_INTERVAL:
        return
    _last_wake = now
    from ..tasks import drain_webhook_events_task  # tasks import services

    drain_webhook_events_task.delay()


def enqueue_processing(event_id: int) -> None:
    """Process one event in its own task (support staff's bulk replay)."""
    from ..tasks import process_webhook_event_task  # tasks import services: a cycle at module level

    process_webhook_event_task.delay(event_id)


def _routing_hints(body: bytes) -> tuple[str, str, str]:
    """The first change's field, phone number id and WABA id, for the admin's filters and the
    health page's "last heard". Never raises."""
    try:
        entry = json.loads(body)["entry"][0]
        change = entry["changes"][0]
        field = change.get("field")
        metadata = change.get("value", {}).get("metadata", {}) or {}
        phone_number_id = metadata.get("phone_number_id")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError):
        return "", "", ""
    waba_id = entry.get("id")
    return _hint(field), _hint(phone_number_id), _hint(str(waba_id) if isinstance(waba_id, int) else waba_id)


def _hint(value) -> str:
    return clean_text(value[:64]) if isinstance(value, str) else ""
