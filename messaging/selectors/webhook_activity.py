"""When we last heard from Meta: the newest stored webhook of an account or of one number.

Read from the stored ``WebhookEvent`` rows (nothing is written on the receiver's hot path for
it); each read is the first entry of an (account | phone_number_id, received_at) index.
"""

from datetime import datetime

from django.db.models import QuerySet

from ..models import WebhookEvent


def account_webhook_times(*, account_id: int) -> QuerySet:
    """The account's webhook arrival times, newest first (served by webhookevent_account_last_idx)."""
    return (
        WebhookEvent.objects.filter(account_id=account_id).order_by("-received_at").values_list("received_at", flat=True)
    )


def number_webhook_times(*, phone_number_id: str) -> QuerySet:
    """Arrival times of the webhooks naming this number, newest first (webhookevent_number_last_idx)."""
    return (
        WebhookEvent.objects.filter(phone_number_id=phone_number_id)
        .order_by("-received_at")
        .values_list("received_at", flat=True)
    )


def last_webhook_at(*, account_id: int) -> datetime | None:
    """When the newest webhook of the account arrived (any field, any state), or None."""
    return account_webhook_times(account_id=account_id).first()


def last_number_webhook_at(*, phone_number_id: str) -> datetime | None:
    """When the newest webhook naming this number (messages and statuses) arrived, or None."""
    return number_webhook_times(phone_number_id=phone_number_id).first()
