"""Rotating an account's secrets: a new access token, app secret or verify token, stored encrypted.

The audit entry names the field, never its value. A new access token forgets what was known of
the old one (its expiry, its scopes and their banners) until the next connection test.
"""

from django.db import transaction
from django.utils import timezone

from ..models import BusinessAccount
from .account_events import resolve_topic
from .audit import acting_as, record_audit
from .connection_check import EXPIRED_TOPIC, EXPIRING_TOPIC, INVALID_TOPIC

ROTATABLE = ("access_token", "app_secret", "verify_token")


@transaction.atomic
def rotate_credential(*, account: BusinessAccount, field: str, value: str, actor) -> BusinessAccount:
    """Replace one secret of ``account`` (``access_token``, ``app_secret`` or ``verify_token``).

    Audited as ``business_account.rotate`` with ``{"field": …}``; the caller runs the connection
    test afterwards so the new value is checked against Meta.
    """
    if field not in ROTATABLE:
        raise ValueError(f"{field!r} is not a credential that can be rotated")
    value = value.strip()
    if not value:
        raise ValueError("A new value is required")
    setattr(account, field, value)
    fields = [field, "updated_at"]
    if field == "access_token":
        account.token_expires_at = None
        account.token_scopes = []
        account.connection_ok = None
        fields += ["token_expires_at", "token_scopes", "connection_ok"]
        now = timezone.now()
        for topic in (EXPIRING_TOPIC, EXPIRED_TOPIC, INVALID_TOPIC):
            resolve_topic(account=account, topic=topic, resolved_at=now)
    with acting_as(actor):
        account.save(update_fields=fields)
    record_audit(actor=actor, action="business_account.rotate", obj=account, details={"field": field})
    return account
