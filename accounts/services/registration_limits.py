"""Meta's register / deregister allowance, counted from our own calls (RegistrationAttempt rows).

Meta allows 10 register and 10 deregister calls per number per rolling 72 hours; the call after
that answers 133016 and locks the number for both for 72 hours. Calls made outside the console
are not seen here, which is why Meta's 133016 is recorded as well and shown as the lock.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from ..models import PhoneNumber, RegistrationAttempt

LIMIT = 10
WINDOW = timedelta(hours=72)
LOCKED_CODE = 133016

Action = RegistrationAttempt.Action


@dataclass(frozen=True)
class ActionAllowance:
    action: str
    used: int
    # When the oldest counted call leaves the 72-hour window (one more call is free then).
    next_free_at: datetime | None

    @property
    def left(self) -> int:
        return max(LIMIT - self.used, 0)


@dataclass(frozen=True)
class RegistrationAllowance:
    register: ActionAllowance
    deregister: ActionAllowance
    locked_until: datetime | None
    now: datetime

    def of(self, action: str) -> ActionAllowance:
        return self.register if action == Action.REGISTER else self.deregister

    @property
    def locked(self) -> bool:
        return self.locked_until is not None

    @property
    def locked_for(self) -> timedelta | None:
        return self.locked_until - self.now if self.locked_until else None


def registration_allowance(phone: PhoneNumber, *, now: datetime | None = None) -> RegistrationAllowance:
    """What is left of the rolling 72 hours for ``phone`` (one query)."""
    now = now or timezone.now()
    since = now - WINDOW
    rows = {
        row["action"]: row
        for row in RegistrationAttempt.objects.filter(phone_number=phone, at__gt=since)
        .values("action")
        .annotate(used=Count("id"), oldest=Min("at"), first_lock=Min("at", filter=Q(error_code=LOCKED_CODE)))
    }
    locks = [row["first_lock"] for row in rows.values() if row["first_lock"] is not None]
    locked_until = min(locks) + WINDOW if locks else None

    def allowance(action: str) -> ActionAllowance:
        row = rows.get(action)
        if row is None:
            return ActionAllowance(action=action, used=0, next_free_at=None)
        return ActionAllowance(action=action, used=row["used"], next_free_at=row["oldest"] + WINDOW)

    return RegistrationAllowance(
        register=allowance(Action.REGISTER),
        deregister=allowance(Action.DEREGISTER),
        locked_until=locked_until if locked_until and locked_until > now else None,
        now=now,
    )


def record_registration_attempt(
    *, phone: PhoneNumber, action: str, succeeded: bool, error_code: int | None, actor
) -> RegistrationAttempt:
    """Count one call we made (whatever Meta answered: a refused call counts at Meta too)."""
    return RegistrationAttempt.objects.create(
        phone_number=phone,
        action=action,
        at=timezone.now(),
        succeeded=succeeded,
        error_code=error_code,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
