"""The durable webhook inbox: check the signature, store the raw body once, enqueue processing."""

import hashlib
import json
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare

from accounts.models import BusinessAccount
from cloudapi.signature import is_valid
from cloudapi.webhook_payloads import clean_text

from ..models import WebhookEvent


@dataclass(frozen=True)
class Stored:
    event: WebhookEvent | None
    duplicate: bool


# App secrets of the connected accounts, decrypted, kept briefly so the hot path makes no query.
# A signature that matches none of them reloads the list first: a new or rotated secret works
# at once; a removed one stops working within SECRETS_TTL.
SECRETS_TTL = 30.0
_secrets: tuple[float, list[tuple[int, str]]] = (0.0, [])
_secrets_lock = threading.Lock()


def receive_webhook(*, body: bytes, signature: str | None) -> Stored | None:
    """Check the signature and store the event; ``None`` when no connected app signed it."""
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
    for reload in (True,) if refresh else (False, True):
        for account_id, secret in _app_secrets(refresh=reload):
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
    global _secrets
    loaded_at, secrets = _secrets
    if refresh or time.monotonic() - loaded_at > SECRETS_TTL:
        secrets = [(account.pk, account.app_secret) for account in BusinessAccount.objects.only("pk", "app_secret")]
        with _secrets_lock:
            _secrets = (time.monotonic(), secrets)
    return secrets


def store_webhook_event(*, body: bytes, account_id: int) -> Stored:
    """Keep the raw body (deduplicated by hash) and wake processing after commit."""
    digest = hashlib.sha256(body).hexdigest()
    field, phone_number_id = _routing_hints(body)
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                account_id=account_id,
                # PostgreSQL text cannot hold NUL; the hash (above) is of the exact bytes.
                body=body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
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
