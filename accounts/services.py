"""The verbs of the accounts app: connecting accounts, demo set-up, users and roles."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from . import roles
from .models import BusinessAccount, PhoneNumber


@dataclass(frozen=True)
class AccountCredentials:
    """What Meta's quick start hands you (the ``WHATSAPP_*`` variables)."""

    waba_id: str
    phone_number_id: str
    access_token: str
    app_secret: str
    verify_token: str
    display_phone_number: str = ""
    app_id: str = ""
    name: str = ""

    def missing(self) -> list[str]:
        required = ("waba_id", "phone_number_id", "access_token", "app_secret", "verify_token")
        return [name for name in required if not getattr(self, name)]


@transaction.atomic
def connect_account(*, credentials: AccountCredentials) -> PhoneNumber:
    """Create or update the business account and phone number these credentials describe."""
    missing = credentials.missing()
    if missing:
        raise ValueError(f"Missing value(s): {', '.join(missing)}")
    account, _ = BusinessAccount.objects.update_or_create(
        waba_id=credentials.waba_id,
        defaults={
            "name": credentials.name or f"WABA {credentials.waba_id}",
            "app_id": credentials.app_id,
            "access_token": credentials.access_token,
            "app_secret": credentials.app_secret,
            "verify_token": credentials.verify_token,
        },
    )
    phone, created = PhoneNumber.objects.get_or_create(
        phone_number_id=credentials.phone_number_id,
        defaults={"account": account, "display_phone_number": credentials.display_phone_number},
    )
    if not created:
        phone.account = account
        if credentials.display_phone_number:
            phone.display_phone_number = credentials.display_phone_number
        phone.save(update_fields=["account", "display_phone_number"])
    return phone


@transaction.atomic
def ensure_user(*, username: str, password: str, role: str, superuser: bool = False):
    """Create (or reset the password of) a user holding ``role``; idempotent."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username)
    user.set_password(password)
    user.is_staff = superuser or role in (roles.ADMINISTRATOR, roles.SUPPORT)
    user.is_superuser = superuser
    user.save()
    roles.sync_roles()
    user.groups.add(Group.objects.get(name=role))
    return user


def grant_phone_number(*, user, phone_number: PhoneNumber) -> None:
    """Let ``user`` work the conversations of ``phone_number``."""
    phone_number.operators.add(user)


def record_account_event(
    *,
    account: BusinessAccount,
    field: str,
    title: str,
    occurred_at,
    event: str = "",
    details: dict | None = None,
    severity: str = "info",
    active: bool = False,
    phone_number: PhoneNumber | None = None,
    webhook_event_id: int | None = None,
):
    """Keep what Meta said about an account; ``active`` ones show as a console banner."""
    from .models import AccountEvent

    return AccountEvent.objects.create(
        account=account,
        phone_number=phone_number,
        field=field[:64],
        event=str(event)[:64],
        title=title[:255],
        details=details or {},
        severity=severity,
        active=active,
        occurred_at=occurred_at,
        webhook_event_id=webhook_event_id,
    )
