"""Who is at their desk: heartbeats from the console, read as online / away / offline."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from ..models import OperatorPresence

ONLINE, AWAY, OFFLINE = "online", "away", "offline"


def heartbeat_seconds() -> int:
    return int(getattr(settings, "PRESENCE_HEARTBEAT", 30))


def _away_after() -> timedelta:
    # Two missed heartbeats and a little slack: a busy server or a slow network is not "away".
    return timedelta(seconds=int(getattr(settings, "PRESENCE_AWAY_AFTER", 2 * heartbeat_seconds() + 15)))


def _offline_after() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "PRESENCE_OFFLINE_AFTER", 10 * 60)))


def record_heartbeat(*, user, status: str, now=None) -> None:
    """The console of ``user`` is open: ``online`` (tab visible) or ``away`` (hidden). One UPDATE
    in the steady state (an INSERT the first time), so 50 open consoles cost 50 tiny writes a period."""
    now = now or timezone.now()
    if status not in (ONLINE, AWAY):
        raise ValueError(status)
    if not OperatorPresence.objects.filter(user=user).update(status=status, last_seen=now):
        OperatorPresence.objects.update_or_create(user=user, defaults={"status": status, "last_seen": now})


def status_of(presence: OperatorPresence | None, *, now=None) -> str:
    """``online``, ``away`` or ``offline`` for a presence row (``None``: never seen)."""
    if presence is None:
        return OFFLINE
    age = (now or timezone.now()) - presence.last_seen
    if age > _offline_after():
        return OFFLINE
    if age > _away_after():
        return AWAY
    return presence.status


def presence_of(user, *, now=None) -> str:
    """``user``'s status, from their presence row (joined with ``select_related("presence")``)."""
    try:
        row = user.presence
    except ObjectDoesNotExist:
        row = None
    return status_of(row, now=now)


def statuses_for(user_ids, *, now=None) -> dict[int, str]:
    """user id → status, for the assign list (one query)."""
    now = now or timezone.now()
    rows = {row.user_id: row for row in OperatorPresence.objects.filter(user_id__in=list(user_ids))}
    return {pk: status_of(rows.get(pk), now=now) for pk in user_ids}


def online_user_ids(user_ids, *, now=None) -> set[int]:
    """Which of ``user_ids`` are online now (visible tab, recent heartbeat): one indexed query."""
    now = now or timezone.now()
    return set(
        OperatorPresence.objects.filter(user_id__in=list(user_ids), status=ONLINE, last_seen__gt=now - _away_after())
        .values_list("user_id", flat=True)
    )
