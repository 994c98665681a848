"""Disconnecting an account and connecting it again.

A disconnected account keeps everything (numbers, conversations, history, its secrets): its
webhooks are still verified, stored and answered 200, but processing marks them ``unroutable``
(replayable once it is reconnected), and nothing can be sent for it — the reason is given
wherever a send is refused, and a banner says so on every console page.
"""

from django.db import transaction
from django.utils import timezone

from ..models import AccountEvent, BusinessAccount
from .account_events import record_account_event, resolve_topic
from .audit import record_audit

CONNECTION_TOPIC = "connection"


@transaction.atomic
def disconnect_account(*, account: BusinessAccount, actor, reason: str = "") -> BusinessAccount:
    """Stop the account: sending refused, webhooks kept unroutable. Audited as ``business_account.disconnect``."""
    account.refresh_from_db(fields=["disconnected_at", "disconnect_reason"])  # the row decides, not a stale copy
    if account.disconnected_at is not None:
        return account
    now = timezone.now()
    account.disconnected_at = now
    account.disconnect_reason = reason.strip()[:255]
    account.save(update_fields=["disconnected_at", "disconnect_reason", "updated_at"])
    record_account_event(
        account=account, field="settings", event="disconnected", topic=CONNECTION_TOPIC, occurred_at=now,
        active=True, severity=AccountEvent.Severity.CRITICAL,
        title="Disconnected by an administrator: nothing can be sent for this account until it is reconnected.",
    )
    record_audit(actor=actor, action="business_account.disconnect", obj=account, reason=account.disconnect_reason)
    return account


@transaction.atomic
def reconnect_account(*, account: BusinessAccount, actor) -> BusinessAccount:
    """Undo :func:`disconnect_account` (the caller runs the connection test). Audited as ``business_account.reconnect``."""
    account.refresh_from_db(fields=["disconnected_at", "disconnect_reason"])
    if account.disconnected_at is None:
        return account
    account.disconnected_at = None
    account.disconnect_reason = ""
    account.save(update_fields=["disconnected_at", "disconnect_reason", "updated_at"])
    resolve_topic(account=account, topic=CONNECTION_TOPIC, resolved_at=timezone.now())
    record_audit(actor=actor, action="business_account.reconnect", obj=account)
    return account
