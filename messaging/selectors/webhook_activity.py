"""When we last heard from Meta: the newest stored webhook of an account or of one number.

Read from the stored ``WebhookEvent`` rows (nothing is written on the receiver's hot path for
it); each read is the first entry of an (account | waba_id | phone_number_id, received_at) index.
"""

from datetime import datetime

from django.db.models import QuerySet

from ..models import WebhookEvent


def account_webhook_times(*, account_id: int) -> QuerySet:
    """The account's webhook arrival times, newest first (served by webhookevent_account_last_idx)."""
    return (
        WebhookEvent.objects.filter(account_id=account_id).order_by("-received_at").values_list("received_at", flat=True)
    )


def waba_webhook_times(*, waba_id: str) -> QuerySet:
    """Arrival times of the webhooks whose body names this WABA, newest first (webhookevent_waba_last_idx)."""
    return WebhookEvent.objects.filter(waba_id=waba_id).order_by("-received_at").values_list("received_at", flat=True)


def number_webhook_times(*, phone_number_id: str) -> QuerySet:
    """Arrival times of the webhooks naming this number, newest first (webhookevent_number_last_idx)."""
    return (
        WebhookEvent.objects.filter(phone_number_id=phone_number_id)
        .order_by("-received_at")
        .values_list("received_at", flat=True)
    )


def last_webhook_at(*, account_id: int, waba_id: str) -> datetime | None:
    """When the newest webhook of the account arrived (any field, any state), or None: signed by
    its secret, or naming its WABA (signed by another account of the same Meta app)."""
    times = [account_webhook_times(account_id=account_id).first(), waba_webhook_times(waba_id=waba_id).first()]
    return max((t for t in times if t is not None), default=None)


def last_number_webhook_at(*, phone_number_id: str) -> datetime | None:
    """When the newest webhook naming this number (messages and statuses) arrived, or None."""
    return number_webhook_times(phone_number_id=phone_number_id).first()
