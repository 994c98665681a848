"""The account event log: what Meta said about an account or number, and which of it is still news.

Events of one ``topic`` (the account's ban state, a number's display name, one kind of alert …)
supersede each other: recording one resolves the earlier active ones, and only the latest by Meta's
time can be active, so a resolution that overtook its problem on the way leaves no stale banner.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from ..models import AccountEvent, BusinessAccount, PhoneNumber


@dataclass(frozen=True)
class Recorded:
    event: AccountEvent
    latest: bool  # no newer event of its topic and not a redelivery: the caller may update state rows


def record_account_event(**fields) -> AccountEvent:
    """Keep what Meta said about an account; ``active`` ones show as a console banner.

    Takes the keyword arguments of :func:`record_account_news`. With a ``topic``, the event
    resolves the earlier active events of that topic — unless a newer one is already recorded, in
    which case it is kept as history only. The same report delivered again (same field, event,
    number, time and details) is recorded once.
    """
    return record_account_news(**fields).event


def record_account_news(
    *,
    account: BusinessAccount,
    field: str,
    title: str,
    occurred_at: datetime,
    event: str = "",
    details: dict | None = None,
    severity: str = AccountEvent.Severity.INFO,
    active: bool = False,
    phone_number: PhoneNumber | None = None,
    webhook_event_id: int | None = None,
    topic: str = "",
    expires_at: datetime | None = None,
    shown_from: datetime | None = None,
    audience: str = AccountEvent.Audience.EVERYONE,
) -> Recorded:
    """Record an account event (see :func:`record_account_event`) and tell whether it is the latest
    news of its topic, so the caller knows whether to update the account's state columns."""
    field, event, details = field[:64], str(event)[:64], details or {}
    earlier = _same_report(account, field, event, phone_number, occurred_at, details)
    if earlier is not None:
        return Recorded(event=earlier, latest=False)
    latest = True
    if topic:
        same_topic = AccountEvent.objects.filter(account=account, topic=topic)
        latest = not same_topic.filter(occurred_at__gt=occurred_at).exists()
        if latest:
            _deactivate(same_topic.filter(occurred_at__lte=occurred_at), at=occurred_at)
    record = AccountEvent.objects.create(
        account=account,
        phone_number=phone_number,
        field=field,
        event=event,
        topic=topic[:128],
        title=_clip(title, 255),
        details=details,
        severity=severity,
        active=active and latest,
        expires_at=expires_at,
        shown_from=shown_from,
        audience=audience,
        occurred_at=occurred_at,
        webhook_event_id=webhook_event_id,
    )
    return Recorded(event=record, latest=latest)


def resolve_topic(*, account: BusinessAccount, topic: str, resolved_at: datetime) -> int:
    """End the active events of ``topic`` that happened up to ``resolved_at``; returns how many."""
    events = AccountEvent.objects.filter(account=account, topic=topic, occurred_at__lte=resolved_at)
    return _deactivate(events, at=resolved_at)


def resolve_account_events(*, events: QuerySet[AccountEvent], resolved_at: datetime | None = None) -> int:
    """Take events off the console banner by hand (support staff, for news no webhook resolves)."""
    return _deactivate(events, at=resolved_at or timezone.now())


def _deactivate(events: QuerySet[AccountEvent], *, at: datetime) -> int:
    return events.filter(active=True).update(active=False, resolved_at=at)


def _same_report(account, field, event, phone_number, occurred_at, details) -> AccountEvent | None:
    candidates = AccountEvent.objects.filter(
        account=account, field=field, event=event, phone_number=phone_number, occurred_at=occurred_at
    )
    return next((candidate for candidate in candidates if candidate.details == details), None)


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
