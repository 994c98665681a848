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


def _store(*, body: bytes, account_id: int) -> Stored:
    digest = hashlib.sha256(body).hexdigest()
    field, phone_number_id = _routing_hints(body)
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                account_id=account_id,
                # PostgreSQL text cannot hold NUL; the hash (above) is of the exact bytes.
                body=body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
                raw_body=body,
                body_sha256=digest,
                field=field,
                phone_number_id=phone_number_id,
            )
            transaction.on_commit(wake_processing)
    except IntegrityError:
        existing = WebhookEvent.objects.filter(body_sha256=digest).first()
        if existing is None:
            raise _AccountGone from None  # not a duplicate: the account row is gone
        return Stored(event=existing, duplicate=True)
    return Stored(event=event, duplicate=False)


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


def _routing_hints(body: bytes) -> tuple[str, str]:
    """The first change's field and phone number id, for the admin's filters. Never raises."""
    try:
        change = json.loads(body)["entry"][0]["changes"][0]
        field = change.get("field")
        metadata = change.get("value", {}).get("metadata", {}) or {}
        phone_number_id = metadata.get("phone_number_id")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError):
        return "", ""
    return _hint(field), _hint(phone_number_id)


def _hint(value) -> str:
    return clean_text(value[:64]) if isinstance(value, str) else ""
