"""Telling administrators what Meta reported about their numbers and accounts, by e-mail.

The banner needs nothing here (active account events are the banner); e-mail goes out only when
``EMAIL_HOST`` is configured, after the webhook's transaction commits, to every active
administrator (the Administrator role, or a superuser) with an address.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from ..access import number_granters
from ..models import AccountEvent

logger = logging.getLogger("accounts.notifications")

# The webhook fields administrators hear about: quality, limit, display name, the account's state.
NOTIFY_FIELDS = frozenset(
    {
        "phone_number_quality_update",
        "phone_number_name_update",
        "business_capability_update",
        "account_update",
        "account_review_update",
    }
)


def administrator_emails() -> list[str]:
    """The addresses of active administrators and superusers (those who also grant numbers)."""
    return sorted(set(number_granters().exclude(email="").values_list("email", flat=True)))


def notify_administrators(event: AccountEvent) -> None:
    """Mail the news of ``event`` to the administrators once the current transaction commits."""
    if event.field not in NOTIFY_FIELDS or not settings.EMAIL_HOST:
        return
    transaction.on_commit(lambda: _send(event))


def _send(event: AccountEvent) -> None:
    recipients = administrator_emails()
    if not recipients:
        return
    where = event.account.name + (f" · +{event.phone_number.display_phone_number}" if event.phone_number else "")
    link = _health_link(event)
    body = "\n\n".join(
        part
        for part in (
            f"{where}: {event.title}",
            f"Reported by Meta at {event.occurred_at:%Y-%m-%d %H:%M} UTC ({event.field}).",
            f"Health of the number: {link}" if link else "",
            "You receive this because you are an administrator of Switchboard.",
        )
        if part
    )
    try:
        send_mail(f"[Switchboard] {where}: {event.title}"[:200], body, None, recipients)
    except Exception:  # a mail server's trouble must not fail the webhook that is already applied
        logger.exception("Could not e-mail administrators about account event %s", event.pk)


def _health_link(event: AccountEvent) -> str:
    phone = event.phone_number or event.account.phone_numbers.order_by("display_phone_number").first()
    if phone is None:
        return ""
    path = reverse("settings:number-health", args=[phone.phone_number_id])
    return f"{settings.CONSOLE_URL}{path}" if settings.CONSOLE_URL else path
