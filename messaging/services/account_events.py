"""Account-level news from messaging's webhook fields, kept as ``accounts.AccountEvent`` rows.

``accounts.services.record_account_event`` writes them; active ones show as a console banner.
"""

from datetime import datetime
from typing import Any

from accounts.models import AccountEvent, PhoneNumber
from accounts.services import record_account_event
from cloudapi.webhook_payloads import as_dict, first_error, text_of

from ..models import WebhookEvent


def record_webhook_errors(
    *, errors: list[Any], phone_number: PhoneNumber, occurred_at: datetime, event: WebhookEvent | None = None
) -> int:
    """Record ``value.errors`` (problems not tied to one message) as active warnings.

    An error that is already showing (same code, same details) is not added again, so a
    redelivery in another batch does not stack banners. Returns how many were recorded.
    """
    recorded = 0
    for raw in errors:
        error = as_dict(raw)
        code, title, _details = first_error([error])
        event_code = str(code) if code is not None else text_of(error.get("code"), max_length=64)
        active = AccountEvent.objects.filter(
            account_id=phone_number.account_id, field="messages", event=event_code, active=True
        )
        if any(existing.details == error for existing in active):
            continue
        record_account_event(
            account=phone_number.account,
            phone_number=phone_number,
            field="messages",
            event=event_code,
            title=title or (f"WhatsApp error {event_code}" if event_code else "WhatsApp reported an error"),
            details=error,
            severity=AccountEvent.Severity.WARNING,
            active=True,
            occurred_at=occurred_at,
            webhook_event_id=event.pk if event else None,
        )
        recorded += 1
    return recorded
