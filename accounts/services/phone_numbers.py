"""Running phone numbers from the console: sync them from Meta, verify ownership, register,
deregister and set the two-step PIN (docs/admin.md "Phone numbers").

Each action calls Meta through ``client_for``, updates the number's row from the answer, and
appends an audit entry (successes and refusals alike, with Meta's error code). A refusal is raised
as :class:`NumberActionError` carrying the plain-words explanation the form shows.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cloudapi.client.results import PhoneNumberInfo
from cloudapi.errors import CloudApiError

from ..graph import client_for
from ..meta_terms import humanize, tier_label
from ..models import AccountEvent, BusinessAccount, PhoneNumber
from ..number_errors import explain_number_error
from ..selectors import digits_of
from .account_events import record_account_news
from .audit import record_audit
from .registration_limits import LIMIT, registration_allowance, record_registration_attempt

SYNC_FIELD = "phone_numbers_sync"  # AccountEvent.field of what a sync found changed
QUALITY_LABELS = dict(PhoneNumber.Quality.choices)
Severity = AccountEvent.Severity


class NumberActionError(Exception):
    """Meta (or our count of Meta's limits) refused a number action; ``message`` is for the form."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class SyncResult:
    created: list[PhoneNumber] = field(default_factory=list)
    updated: list[PhoneNumber] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # ids already connected to another account

    def summary(self) -> str:
        """E.g. "2 numbers read from Meta, 1 new"."""
        count = len(self.created) + len(self.updated)
        text = f"{count} number{'' if count == 1 else 's'} read from Meta"
        if self.created:
            text += f", {len(self.created)} new"
        if self.skipped:
            text += f"; {len(self.skipped)} skipped (connected to another account: {', '.join(self.skipped)})"
        return text


def sync_phone_numbers(*, account: BusinessAccount, actor) -> SyncResult:
    """Read every number of the account's WABA (all pages) and bring our rows up to date.

    A changed quality rating, number status, name status or messaging limit is kept as an
    account event (the number's history). Raises :class:`NumberActionError` if Meta refuses.
    """
    try:
        infos = client_for(account).list_phone_numbers(waba_id=account.waba_id)
    except CloudApiError as error:
        record_audit(actor=actor, action="phone_numbers.sync", obj=account, details=_failed(error))
        raise NumberActionError(explain_number_error(error), code=error.code) from error
    result = SyncResult()
    now = timezone.now()
    with transaction.atomic():
        for info in infos:
            _sync_one(account, info, now=now, result=result)
        portfolio_limit = next((i.messaging_limit_tier for i in infos if i.messaging_limit_tier), "")
        if portfolio_limit and portfolio_limit != account.messaging_limit_tier:
            account.messaging_limit_tier = portfolio_limit
            account.messaging_limit_updated_at = now
            account.save(update_fields=["messaging_limit_tier", "messaging_limit_updated_at", "updated_at"])
        record_audit(
            actor=actor,
            action="phone_numbers.sync",
            obj=account,
            details={
                "outcome": "ok",
                "numbers": len(infos),
                "created": [p.phone_number_id for p in result.created],
                "skipped": result.skipped,
            },
        )
    return result


def _sync_one(account: BusinessAccount, info: PhoneNumberInfo, *, now, result: SyncResult) -> None:
    phone = PhoneNumber.objects.filter(phone_number_id=info.id).first()
    if phone is not None and phone.account_id != account.pk:
        result.skipped.append(info.id)
        return
    if phone is None:
        phone = PhoneNumber(account=account, phone_number_id=info.id)
        result.created.append(phone)
    else:
        result.updated.append(phone)
    before = {name: getattr(phone, name) for name in _TRACKED}
    phone.display_phone_number = digits_of(info.display_phone_number or "") or phone.display_phone_number
    phone.verified_name = info.verified_name or phone.verified_name
    if info.quality_rating:
        known = info.quality_rating if info.quality_rating in QUALITY_LABELS else PhoneNumber.Quality.UNKNOWN
        phone.quality_rating = known
    phone.name_status = (info.name_status or phone.name_status)[:32]
    phone.status = (info.status or "")[:32]
    phone.code_verification_status = (info.code_verification_status or "")[:32]
    phone.platform_type = (info.platform_type or "")[:32]
    phone.account_mode = (info.account_mode or "")[:16]
    phone.throughput_level = (info.throughput_level or phone.throughput_level)[:32]
    phone.messaging_limit_tier = (info.messaging_limit_tier or phone.messaging_limit_tier)[:32]
    if info.is_pin_enabled is not None:
        phone.is_pin_enabled = info.is_pin_enabled
    phone.synced_at = now
    phone.save()
    if phone in result.created:
        return
    for name, old in before.items():
        new = getattr(phone, name)
        if old != new and (old or name == "quality_rating"):
            _record_sync_change(phone, name, old, new, now=now)


# The facts whose changes a sync keeps in the number's history (event code, label).
_TRACKED = {
    "quality_rating": "QUALITY",
    "status": "STATUS",
    "name_status": "NAME_STATUS",
    "messaging_limit_tier": "LIMIT",
}


def _record_sync_change(phone: PhoneNumber, name: str, old: str, new: str, *, now) -> None:
    number = f"+{phone.display_phone_number}"
    if name == "quality_rating":
        title = f"Quality {QUALITY_LABELS.get(old, old)} → {QUALITY_LABELS.get(new, new)}: {number} (found by a sync)"
    elif name == "messaging_limit_tier":
        title = f"Messaging limit {tier_label(old)} → {tier_label(new)} (found by a sync)"
    else:
        what = "Number status" if name == "status" else "Display name status"
        title = f"{what} {humanize(old).lower()} → {humanize(new).lower()}: {number} (found by a sync)"
    record_account_news(
        account=phone.account,
        phone_number=phone,
        field=SYNC_FIELD,
        event=_TRACKED[name],
        title=title,
        details={"field": name, "from": old, "to": new},
        severity=Severity.WARNING if new in ("RED", "YELLOW", "FLAGGED", "RESTRICTED") else Severity.INFO,
        occurred_at=now,
    )


# Ownership code -------------------------------------------------------------------------------


def request_verification_code(*, phone: PhoneNumber, code_method: str, language: str, actor) -> None:
    """Ask Meta to send the ownership code by SMS or voice call, in ``language`` (e.g. en_US)."""
    details = {"code_method": code_method, "language": language}
    _call(phone, actor, "phone_number.request_code", details,
          lambda client: client.request_code(phone_number_id=phone.phone_number_id, code_method=code_method,
                                             language=language))


def verify_ownership_code(*, phone: PhoneNumber, code: str, actor) -> None:
    """Send Meta the code the number received; the number is then VERIFIED and may register."""
    _call(phone, actor, "phone_number.verify_code", {},
          lambda client: client.verify_code(phone_number_id=phone.phone_number_id, code=code))
    phone.code_verification_status = "VERIFIED"
    phone.save(update_fields=["code_verification_status"])


# Registration ---------------------------------------------------------------------------------


def register_phone_number(*, phone: PhoneNumber, pin: str, actor) -> None:
    """Register the number on the Cloud API with its 6-digit two-step PIN (set if it has none)."""
    _registration_call(phone, actor, "register",
                       lambda client: client.register(phone_number_id=phone.phone_number_id, pin=pin))
    phone.status, phone.is_pin_enabled = "CONNECTED", True
    phone.save(update_fields=["status", "is_pin_enabled"])


def deregister_phone_number(*, phone: PhoneNumber, actor) -> None:
    """Take the number off the Cloud API: it stops sending and receiving until registered again."""
    _registration_call(phone, actor, "deregister",
                       lambda client: client.deregister(phone_number_id=phone.phone_number_id))
    phone.status = "DISCONNECTED"
    phone.save(update_fields=["status"])


def set_two_step_pin(*, phone: PhoneNumber, pin: str, actor) -> None:
    """Set or change the number's two-step verification PIN (the PIN itself is never stored or logged)."""
    _call(phone, actor, "phone_number.set_pin", {},
          lambda client: client.set_two_step_pin(phone_number_id=phone.phone_number_id, pin=pin))
    phone.is_pin_enabled = True
    phone.save(update_fields=["is_pin_enabled"])


def _registration_call(phone: PhoneNumber, actor, action: str, call) -> None:
    """Refuse what would lock the number (our count), else call and count the call."""
    allowance = registration_allowance(phone)
    if allowance.locked:
        message = (f"Meta has locked register and deregister for this number until "
                   f"{allowance.locked_until:%Y-%m-%d %H:%M} UTC (error 133016).")
        record_audit(actor=actor, action=f"phone_number.{action}", obj=phone,
                     details={"outcome": "refused", "reason": "locked"})
        raise NumberActionError(message, code=133016)
    if allowance.of(action).left == 0:
        freed = allowance.of(action).next_free_at
        message = (f"All {LIMIT} {action} calls of the last 72 hours are used: one more would lock the number for "
                   f"72 hours. The next one is free at {freed:%Y-%m-%d %H:%M} UTC.")
        record_audit(actor=actor, action=f"phone_number.{action}", obj=phone,
                     details={"outcome": "refused", "reason": "allowance used"})
        raise NumberActionError(message)
    try:
        _call(phone, actor, f"phone_number.{action}", {}, call)
    except NumberActionError as error:
        record_registration_attempt(phone=phone, action=action, succeeded=False, error_code=error.code, actor=actor)
        raise
    record_registration_attempt(phone=phone, action=action, succeeded=True, error_code=None, actor=actor)


def _call(phone: PhoneNumber, actor, action: str, details: dict, call) -> None:
    try:
        call(client_for(phone.account))
    except CloudApiError as error:
        record_audit(actor=actor, action=action, obj=phone, details={**details, **_failed(error)})
        raise NumberActionError(explain_number_error(error), code=error.code) from error
    record_audit(actor=actor, action=action, obj=phone, details={**details, "outcome": "ok"})


def _failed(error: CloudApiError) -> dict:
    return {"outcome": "failed", "error_code": error.code, "error_subcode": error.error_subcode}
