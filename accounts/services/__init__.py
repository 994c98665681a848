"""The verbs of the accounts app: connecting accounts, demo set-up, users and roles.

What Meta reports about accounts and numbers (webhooks) is applied in ``meta_reports``; the
account event log behind the console banner lives in ``account_events``; a number's business
profile (read from Meta, changed at Meta, audited) in ``business_profile``. The Settings number
pages use ``phone_numbers`` (sync, codes, register, PIN), ``registration_limits`` (Meta's 72-hour
allowance), ``health`` (can a number send) and ``admin_notifications`` (e-mail to administrators).
Settings → Accounts: the connection test in ``connection_check`` (its explanations in
``connection_problems``), the webhook subscription in ``subscription``, secrets rotated in
``credentials``, disconnecting and reconnecting in ``disconnection``.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .. import roles
from ..models import BusinessAccount, PhoneNumber
from ..signals import account_connected
from .account_events import record_account_event, resolve_account_events, resolve_topic
from .audit import acting_as, current_actor, record_audit
from .disconnection import CONNECTION_TOPIC


@dataclass(frozen=True)
class AccountCredentials:
    """What Meta's quick start hands you (the ``WHATSAPP_*`` variables), or the console's connect form.

    ``phone_number_id`` is optional: the console connects the account alone (its numbers are
    synced from Meta); ``manage.py connect_account`` names the quick start's number too.
    """

    waba_id: str
    access_token: str
    app_secret: str
    verify_token: str
    phone_number_id: str = ""
    display_phone_number: str = ""
    app_id: str = ""
    name: str = ""

    def missing(self) -> list[str]:
        required = ("waba_id", "access_token", "app_secret", "verify_token")
        return [name for name in required if not getattr(self, name)]


@transaction.atomic
def connect_account(*, credentials: AccountCredentials, actor=None) -> BusinessAccount:
    """Create or update the business account (and phone number, if named) these credentials describe.

    The one way to connect an account: the console's connect form and ``manage.py connect_account``
    both come here. Connecting a disconnected account connects it again. Audited as
    ``business_account.connect``; setting or changing a credential writes its own entry naming
    the field (never its value).
    """
    actor = actor or current_actor()
    with acting_as(actor):
        account, created = _connect(credentials)
        resolve_topic(account=account, topic=CONNECTION_TOPIC, resolved_at=timezone.now())
        record_audit(actor=actor, action="business_account.connect", obj=account,
                     details={"waba_id": account.waba_id, "created": created})
    account_connected.send(sender=BusinessAccount, account=account)
    return account


def _connect(credentials: AccountCredentials) -> tuple[BusinessAccount, bool]:
    missing = credentials.missing()
    if missing:
        raise ValueError(f"Missing value(s): {', '.join(missing)}")
    account, created = BusinessAccount.objects.update_or_create(
        waba_id=credentials.waba_id,
        defaults={
            "name": credentials.name or f"WABA {credentials.waba_id}",
            "app_id": credentials.app_id,
            "access_token": credentials.access_token,
            "app_secret": credentials.app_secret,
            "verify_token": credentials.verify_token,
            "disconnected_at": None,
            "disconnect_reason": "",
        },
    )
    if credentials.phone_number_id:
        _attach_number(account, credentials)
    return account, created


def _attach_number(account: BusinessAccount, credentials: AccountCredentials) -> None:
    phone, created = PhoneNumber.objects.get_or_create(
        phone_number_id=credentials.phone_number_id,
        defaults={"account": account, "display_phone_number": credentials.display_phone_number},
    )
    if not created:
        phone.account = account
        if credentials.display_phone_number:
            phone.display_phone_number = credentials.display_phone_number
        phone.save(update_fields=["account", "display_phone_number"])


@transaction.atomic
def ensure_user(*, username: str, password: str, role: str, superuser: bool = False):
    """Create (or reset the password of) a user holding ``role``; idempotent."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username)
    user.set_password(password)
    user.is_staff = superuser or role in (roles.ADMINISTRATOR, roles.SUPPORT)
    user.is_superuser = superuser
    user.save()
    group = Group.objects.filter(name=role).first()
    if group is None:  # before the first migrate has made the role groups
        roles.sync_roles()
        group = Group.objects.get(name=role)
    user.groups.add(group)
    return user


def grant_phone_number(*, user, phone_number: PhoneNumber, actor=None) -> None:
    """Let ``user`` work the conversations of ``phone_number`` (audited, by ``actor`` if given)."""
    with acting_as(actor or current_actor()):
        phone_number.operators.add(user)


__all__ = [
    "AccountCredentials",
    "connect_account",
    "ensure_user",
    "grant_phone_number",
    "record_account_event",
    "resolve_account_events",
]
