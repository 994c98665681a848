"""The audit trail: one append-only ``AuditEntry`` per action that changes what others rely on.

Admin actions, credential changes, role and group changes and number grants are recorded here.
Who acted is passed in, or — for changes caught by signals (m2m_changed), which know no request —
taken from :func:`acting_as`, set around the change by the admin or a service.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models

from ..models import AuditEntry, BusinessAccount

_actor: ContextVar = ContextVar("audit_actor", default=None)


@contextmanager
def acting_as(actor) -> Iterator[None]:
    """Changes recorded by signals inside this block are attributed to ``actor``."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor():
    """The user set by :func:`acting_as`, or ``None`` (a command, a task, a migration)."""
    return _actor.get()


def record_audit(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    account: BusinessAccount | int | None = None,
    details: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry: ``actor`` (a user, or ``None`` for the system) did ``action`` to ``obj``.

    ``account`` is the business account the entry concerns (so the log can be scoped); when not
    given, it is taken from ``obj`` if that is an account or has an ``account_id``. ``details``
    must hold no secret and no message body: callers pass names of fields, ids and counts.
    """
    return AuditEntry.objects.create(**_entry_fields(actor=actor, action=action, obj=obj, account=account,
                                                     details=details, reason=reason))


def record_audits(*, actor, action: str, objects: list[tuple[models.Model, int | None]], details: dict | None = None,
                  reason: str = "") -> int:
    """Append one entry per ``(object, account id)`` in one query (an admin action on many rows)."""
    entries = [
        AuditEntry(**_entry_fields(actor=actor, action=action, obj=obj, account=account_id, details=details,
                                   reason=reason))
        for obj, account_id in objects
    ]
    AuditEntry.objects.bulk_create(entries)
    return len(entries)


def _entry_fields(*, actor, action, obj, account, details, reason) -> dict:
    user = actor if getattr(actor, "is_authenticated", False) else None
    fields = {
        "actor": user,
        "actor_username": user.get_username() if user is not None else "",
        "action": action[:64],
        "details": details or {},
        "reason": reason,
    }
    if obj is not None:
        fields.update(
            object_app=obj._meta.app_label,
            object_model=obj._meta.model_name,
            object_pk=str(obj.pk)[:64],
            object_label=str(obj)[:255],
        )
    if account is None and obj is not None:
        account = obj.pk if isinstance(obj, BusinessAccount) else getattr(obj, "account_id", None)
    fields["account_id"] = account.pk if isinstance(account, BusinessAccount) else account
    return fields
