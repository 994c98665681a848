"""Reads of more than one line: which account or number a webhook means, the console's banners."""

import re

from django.contrib.auth.models import Group
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from cloudapi.webhook_payloads import InvalidPayload, UnknownAccount

from . import roles
from .access import accessible_accounts
from .models import AccountEvent, BusinessAccount, PhoneNumber


def account_for_entry(entry: dict) -> BusinessAccount:
    """The account whose WABA id is ``entry[].id``; raises :class:`UnknownAccount` if none is connected."""
    waba_id = entry.get("id")
    if isinstance(waba_id, int) and not isinstance(waba_id, bool):
        waba_id = str(waba_id)
    if not isinstance(waba_id, str) or not waba_id:
        raise InvalidPayload("the entry has no WABA id")
    account = BusinessAccount.objects.filter(waba_id=waba_id).first()
    if account is None:
        raise UnknownAccount(f"No business account with WABA id {waba_id!r} is connected.")
    return account


def phone_for_display_number(account: BusinessAccount, display_phone_number: str) -> PhoneNumber:
    """The account's number Meta names by its display number (digits compared, formatting ignored)."""
    wanted = digits_of(display_phone_number)
    if not wanted:
        raise InvalidPayload(f"bad display_phone_number {display_phone_number!r}")
    for phone in account.phone_numbers.all():
        if digits_of(phone.display_phone_number) == wanted:
            return phone
    raise UnknownAccount(f"No phone number +{wanted} is connected to WABA {account.waba_id}.")


def account_banners_for(user) -> QuerySet[AccountEvent]:
    """The active, unexpired account events of the accounts ``user`` may access: critical first.

    Some are shown only from a time on (``shown_from``: a token's expiry warning, 7 days ahead) and
    some to administrators only (``audience``); both are decided in the same single query.
    """
    now = timezone.now()
    audience = Q(audience=AccountEvent.Audience.EVERYONE)
    if user.is_superuser:
        audience = Q()
    else:
        audience |= Q(Exists(Group.objects.filter(user=user.pk, name=roles.ADMINISTRATOR)))
    severity_rank = Case(
        When(severity=AccountEvent.Severity.CRITICAL, then=Value(0)),
        When(severity=AccountEvent.Severity.WARNING, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    # The number whose health page the banner links to: its own, else the account's first.
    first_number = PhoneNumber.objects.filter(account=OuterRef("account")).order_by("display_phone_number", "pk")
    return (
        AccountEvent.objects.filter(active=True, account__in=accessible_accounts(user))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(Q(shown_from__isnull=True) | Q(shown_from__lte=now))
        .filter(audience)
        .select_related("account", "phone_number")
        .annotate(health_number_id=Subquery(first_number.values("phone_number_id")[:1]))
        .order_by(severity_rank, "-occurred_at", "-id")
    )


def digits_of(text: str) -> str:
    """The digits of a phone number as written (``+1 555-078 3881`` → ``15550783881``)."""
    return re.sub(r"\D", "", text or "")


# What a number's Settings page shows as its history: quality news from webhooks and syncs.
QUALITY_FIELDS = ("phone_number_quality_update", "business_capability_update")
SYNC_FIELD = "phone_numbers_sync"


def number_quality_history(phone: PhoneNumber, *, limit: int = 20) -> list[AccountEvent]:
    """The number's quality and limit news, newest first: Meta's webhooks and what syncs found."""
    quality = Q(phone_number=phone, field="phone_number_quality_update")
    found_by_sync = Q(phone_number=phone, field=SYNC_FIELD, event__in=("QUALITY", "LIMIT"))
    portfolio = Q(account_id=phone.account_id, field="business_capability_update")
    events = AccountEvent.objects.filter(quality | found_by_sync | portfolio).order_by("-occurred_at", "-id")
    return list(events[:limit])


def number_news(phone: PhoneNumber) -> list[AccountEvent]:
    """The number's banners still to act on (and the account's), for the number's page."""
    return list(
        AccountEvent.objects.filter(active=True, account_id=phone.account_id)
        .filter(Q(phone_number=phone) | Q(phone_number__isnull=True))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .order_by("-occurred_at", "-id")[:10]
    )
