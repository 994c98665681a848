"""The durable webhook inbox: check the signature, store the raw body once, enqueue processing."""

import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare

from accounts.models import BusinessAccount
from cloudapi.signature import is_valid

from ..models import WebhookEvent
from .payloads import clean_text


@dataclass(frozen=True)
class Stored:
    event: WebhookEvent | None
    duplicate: bool


def signing_account(*, body: bytes, signature: str | None) -> BusinessAccount | None:
    """The account whose app secret signed ``body``, or ``None`` (several apps may share us)."""
    if not signature:
        return None
    for account in BusinessAccount.objects.all():
        if is_valid(body, signature, account.app_secret):
            return account
    return None


def store_webhook_event(*, body: bytes, account: BusinessAccount) -> Stored:
    """Keep the raw body (deduplicated by hash) and enqueue processing after commit."""
    digest = hashlib.sha256(body).hexdigest()
    field, phone_number_id = _routing_hints(body)
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                account=account,
                # PostgreSQL text cannot hold NUL; the hash (above) is of the exact bytes.
                body=body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
                body_sha256=digest,
                field=field,
                phone_number_id=phone_number_id,
            )
            transaction.on_commit(lambda: enqueue_processing(event.pk))
    except IntegrityError:
        return Stored(event=WebhookEvent.objects.filter(body_sha256=digest).first(), duplicate=True)
    return Stored(event=event, duplicate=False)


def verify_subscription(*, mode: str | None, token: str | None) -> bool:
    """Meta's GET handshake: does ``token`` match one of our accounts' verify tokens?"""
    if mode != "subscribe" or not token:
        return False
    return any(constant_time_compare(token, account.verify_token) for account in BusinessAccount.objects.all())


def enqueue_processing(event_id: int) -> None:
    from ..tasks import process_webhook_event_task  # tasks import services

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
