"""Applying what Meta reports about accounts and phone numbers (the webhook fields accounts owns).

Each service updates the rows an operator sees (the number's display name, quality and limits;
the account's limits, ban, review and restrictions) and records an account event with a human
title. State rows move only for the latest news: a report older than what we already applied is
kept in the event log and changes nothing else.
"""

from dataclasses import dataclass
from datetime import datetime

from ..meta_terms import (
    ACCOUNT_EVENTS,
    ALERTS,
    UNLIMITED,
    humanize,
    restriction_label,
    tier_label,
    tier_size,
)
from ..models import AccountEvent, BusinessAccount, PhoneNumber
from .account_events import record_account_news, resolve_topic
from .admin_notifications import notify_administrators

Severity = AccountEvent.Severity


@dataclass(frozen=True)
class Report:
    """Where a report came from: Meta's time, the value as sent, the stored webhook event."""

    occurred_at: datetime
    details: dict
    webhook_event_id: int | None = None


@dataclass(frozen=True)
class Restriction:
    restriction_type: str
    expiration: datetime | None


# Phone numbers ---------------------------------------------------------------------------------


def apply_display_name_decision(
    *, phone: PhoneNumber, field: str, decision: str, requested_name: str, rejection_reason: str, report: Report
) -> AccountEvent:
    """A display name review outcome; a rejected name stays on the banner until the next decision."""
    name = requested_name or phone.verified_name or phone.display_phone_number
    titles = {
        "APPROVED": f"Display name approved: {name}",
        "REJECTED": f"Display name rejected: {name}" + (f" ({rejection_reason})" if rejection_reason else ""),
        "DEFERRED": f"Display name review deferred: {name}",
        "PENDING": f"Display name pending review: {name}",
    }
    recorded = _record(
        phone.account,
        report,
        field=field,
        event=decision,
        title=titles.get(decision, f"Display name {humanize(decision).lower()}: {name}"),
        severity=Severity.WARNING if decision == "REJECTED" else Severity.INFO,
        active=decision == "REJECTED",
        phone_number=phone,
        topic=f"name:{phone.phone_number_id}",
    )
    if _is_newer(report.occurred_at, phone.name_status_updated_at) and recorded.latest:
        phone.name_status = decision[:32]
        phone.requested_verified_name = requested_name[:200]
        phone.name_rejection_reason = rejection_reason[:64]
        phone.name_status_updated_at = report.occurred_at
        if decision == "APPROVED" and requested_name:
            phone.verified_name = requested_name[:200]
        phone.save(
            update_fields=[
                "name_status",
                "requested_verified_name",
                "name_rejection_reason",
                "name_status_updated_at",
                "verified_name",
            ]
        )
    return recorded.event


def apply_phone_quality_update(
    *,
    phone: PhoneNumber,
    field: str,
    event: str,
    current_limit: str,
    old_limit: str,
    portfolio_limit: str,
    report: Report,
) -> AccountEvent:
    """Quality flags, messaging limit and throughput changes of one number (and the portfolio limit)."""
    limit = portfolio_limit or current_limit
    lowered = event == "DOWNGRADE" or bool(old_limit and limit and _is_downgrade(old_limit, limit))
    title, severity, active, topic = _quality_news(phone, event, limit, lowered=lowered)
    recorded = _record(
        phone.account,
        report,
        field=field,
        event=event,
        title=title,
        severity=severity,
        active=active,
        phone_number=phone,
        topic=topic,
    )
    if recorded.latest and portfolio_limit:
        _apply_account_limits(phone.account, report.occurred_at, tier=portfolio_limit)
    if recorded.latest and _is_newer(report.occurred_at, phone.quality_updated_at):
        phone.quality_event = event[:32]
        phone.quality_updated_at = report.occurred_at
        if event == "FLAGGED":
            phone.quality_rating = PhoneNumber.Quality.RED
        elif event == "UNFLAGGED" and phone.quality_rating == PhoneNumber.Quality.RED:
            phone.quality_rating = PhoneNumber.Quality.UNKNOWN  # no longer low; the exact rating comes with a sync
        if event == "THROUGHPUT_UPGRADE":
            phone.throughput_level = "HIGH"
        if current_limit or portfolio_limit:
            phone.messaging_limit_tier = current_limit or portfolio_limit
        phone.save(
            update_fields=[
                "quality_event",
                "quality_updated_at",
                "quality_rating",
                "throughput_level",
                "messaging_limit_tier",
            ]
        )
    return recorded.event


def record_security_event(
    *, phone: PhoneNumber, field: str, event: str, requester: str, report: Report
) -> AccountEvent:
    """Two-step verification changes; a request to turn it off stays on the banner until the next one."""
    number = f"+{phone.display_phone_number}"
    titles = {
        "PIN_CHANGED": f"Two-step verification PIN changed: {number}",
        "PIN_RESET_REQUEST": f"Someone asked to turn off two-step verification: {number}",
        "PIN_RESET_SUCCESS": f"Two-step verification turned off: {number}",
        "PIN_REQUEST_SUCCESS": f"Two-step verification turned off: {number}",
    }
    return _record(
        phone.account,
        report,
        field=field,
        event=event,
        title=titles.get(event, f"Security: {humanize(event).lower()}: {number}")
        + (f" (by Meta user {requester})" if requester else ""),
        severity=Severity.WARNING,
        active=event == "PIN_RESET_REQUEST",
        phone_number=phone,
        topic=f"security:{phone.phone_number_id}",
    ).event


# Business accounts ----------------------------------------------------------------------------


def apply_business_capabilities(
    *, account: BusinessAccount, field: str, messaging_limit: str, max_phone_numbers: int | None, report: Report
) -> AccountEvent:
    """The portfolio's messaging limit and how many numbers it may have."""
    parts = []
    if messaging_limit:
        parts.append(f"Messaging limit is now {tier_label(messaging_limit)}")
    if max_phone_numbers is not None:
        parts.append(f"up to {max_phone_numbers:,} phone numbers")
    title = "; ".join(parts) or "Business capabilities updated"
    recorded = _record(account, report, field=field, event="", title=title[:1].upper() + title[1:])
    if recorded.latest:
        _apply_account_limits(account, report.occurred_at, tier=messaging_limit, max_phone_numbers=max_phone_numbers)
    return recorded.event


def apply_account_restriction(
    *, account: BusinessAccount, field: str, event: str, restrictions: list[Restriction], report: Report
) -> AccountEvent:
    """Meta restricted the account (until the latest expiration); an empty list lifts restrictions."""
    expirations = [r.expiration for r in restrictions if r.expiration is not None]
    until = max(expirations) if expirations and len(expirations) == len(restrictions) else None
    if restrictions:
        what = ", ".join(restriction_label(r.restriction_type) for r in restrictions)
        when = f" until {until:%Y-%m-%d %H:%M} UTC" if until else ""
        title, severity = f"Account restricted{when}: {what}", Severity.CRITICAL
    else:
        title, severity = "Account restrictions lifted", Severity.INFO
    recorded = _record(
        account,
        report,
        field=field,
        event=event,
        title=title,
        severity=severity,
        active=bool(restrictions),
        topic="restriction",
        expires_at=until,
    )
    if recorded.latest:
        account.restrictions = [
            {
                "restriction_type": r.restriction_type,
                "expiration": r.expiration.isoformat() if r.expiration else None,
            }
            for r in restrictions
        ]
        account.restricted_until = until
        account.save(update_fields=["restrictions", "restricted_until", "updated_at"])
    return recorded.event


def apply_ban_update(
    *, account: BusinessAccount, field: str, event: str, ban_state: str, ban_date: str, report: Report
) -> AccountEvent:
    """DISABLED_UPDATE: disabled or scheduled to be (banner until reinstated) or reinstated."""
    on = f" ({ban_date})" if ban_date else ""
    titles = {
        "DISABLE": f"Account disabled{on}",
        "SCHEDULE_FOR_DISABLE": f"Account scheduled to be disabled on {ban_date}"
        if ban_date
        else "Account scheduled to be disabled",
        "REINSTATE": f"Account reinstated{on}",
    }
    reinstated = ban_state == "REINSTATE"
    recorded = _record(
        account,
        report,
        field=field,
        event=event,
        title=titles.get(ban_state, f"Account ban state: {humanize(ban_state).lower()}{on}"),
        severity=Severity.INFO if reinstated else Severity.CRITICAL,
        active=not reinstated,
        topic="ban",
    )
    if recorded.latest:
        if reinstated:
            resolve_topic(account=account, topic="violation", resolved_at=report.occurred_at)
        account.ban_state = ban_state[:32]
        account.ban_date = ban_date[:64]
        account.save(update_fields=["ban_state", "ban_date", "updated_at"])
    return recorded.event


def record_account_violation(
    *, account: BusinessAccount, field: str, event: str, violation_type: str, report: Report
) -> AccountEvent:
    """A policy violation: on the banner until the account is reinstated or support resolves it."""
    return _record(
        account,
        report,
        field=field,
        event=event,
        title=f"Policy violation reported: {humanize(violation_type)}"
        if violation_type
        else "Policy violation reported",
        severity=Severity.CRITICAL,
        active=True,
        topic="violation",
    ).event


def record_account_update(*, account: BusinessAccount, field: str, event: str, report: Report) -> AccountEvent:
    """Any other account_update event; a deleted or offboarded account stays on the banner until reconnected."""
    details = report.details
    title = ACCOUNT_EVENTS.get(event, humanize(event))
    if event == "BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE" and details.get("country"):
        title = f"Primary business location set to {details['country']}"
    certification = details.get("partner_client_certification_info")
    if event == "PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE" and isinstance(certification, dict):
        title = f"Partner-led business verification: {humanize(str(certification.get('status') or '')).lower()}"
    gone = event in ("ACCOUNT_DELETED", "ACCOUNT_OFFBOARDED")
    return _record(
        account,
        report,
        field=field,
        event=event,
        title=title,
        severity=Severity.CRITICAL if gone else Severity.INFO,
        active=gone,
        topic="connection" if event in ("ACCOUNT_DELETED", "ACCOUNT_OFFBOARDED", "ACCOUNT_RECONNECTED") else "",
    ).event


def apply_account_review(*, account: BusinessAccount, field: str, decision: str, report: Report) -> AccountEvent:
    """Meta's review of the account; until APPROVED the account cannot be used, so it is on the banner."""
    titles = {
        "APPROVED": "Account review approved",
        "REJECTED": "Account review rejected: the account cannot be used with the Cloud API",
        "PENDING": "Account review pending: the account cannot be used until it is approved",
        "DEFERRED": "Account review deferred: the account cannot be used until it is approved",
    }
    approved = decision == "APPROVED"
    recorded = _record(
        account,
        report,
        field=field,
        event=decision,
        title=titles.get(decision, f"Account review: {humanize(decision).lower()}"),
        severity=Severity.INFO if approved else (Severity.CRITICAL if decision == "REJECTED" else Severity.WARNING),
        active=not approved,
        topic="review",
    )
    if recorded.latest:
        account.review_status = decision[:32]
        account.save(update_fields=["review_status", "updated_at"])
    return recorded.event


def record_account_alert(
    *,
    account: BusinessAccount,
    field: str,
    alert_type: str,
    alert_status: str,
    alert_severity: str,
    description: str,
    entity_id: str,
    phone: PhoneNumber | None,
    report: Report,
) -> AccountEvent:
    """An account alert: on the banner while ACTIVE (unless merely informational); a later status of
    the same alert for the same entity resolves it."""
    severity = {"CRITICAL": Severity.CRITICAL, "WARNING": Severity.WARNING}.get(alert_severity, Severity.INFO)
    label = ALERTS.get(alert_type, humanize(alert_type))
    return _record(
        account,
        report,
        field=field,
        event=alert_type,
        title=f"{label}: {description}" if description else label,
        severity=severity,
        active=alert_status == "ACTIVE" and severity != Severity.INFO,
        phone_number=phone,
        topic=f"alert:{alert_type}:{entity_id}",
    ).event


# Helpers --------------------------------------------------------------------------------------


def _record(account, report: Report, **fields):
    recorded = record_account_news(
        account=account,
        occurred_at=report.occurred_at,
        details=report.details,
        webhook_event_id=report.webhook_event_id,
        **fields,
    )
    if recorded.latest:  # not a redelivery, not overtaken by newer news
        notify_administrators(recorded.event)
    return recorded


def _quality_news(phone: PhoneNumber, event: str, limit: str, *, lowered: bool) -> tuple[str, str, bool, str]:
    """Title, severity, whether it stays on the banner, and its topic."""
    number = f"+{phone.display_phone_number}"
    if event == "FLAGGED":
        title = f"Quality dropped to Low: {number} (its messaging limit may be lowered)"
        return title, Severity.WARNING, True, _flag(phone)
    if event == "UNFLAGGED":
        return f"Quality is no longer low: {number}", Severity.INFO, False, _flag(phone)
    if event == "THROUGHPUT_UPGRADE":
        return f"Throughput upgraded to 1,000 messages/s: {number}", Severity.INFO, False, ""
    if limit and lowered:
        return f"Messaging limit lowered to {tier_label(limit)}", Severity.WARNING, False, ""
    if limit:
        return f"Messaging limit is now {tier_label(limit)}", Severity.INFO, False, ""
    return f"{humanize(event)}: {number}", Severity.INFO, False, ""


def _flag(phone: PhoneNumber) -> str:
    return f"quality:{phone.phone_number_id}"


def _apply_account_limits(
    account: BusinessAccount, occurred_at: datetime, *, tier: str = "", max_phone_numbers: int | None = None
) -> None:
    """The portfolio limit is shared by every number since 2025-10-07, so the numbers follow it."""
    if not _is_newer(occurred_at, account.messaging_limit_updated_at):
        return
    changed = ["messaging_limit_updated_at", "updated_at"]
    account.messaging_limit_updated_at = occurred_at
    if tier:
        account.messaging_limit_tier = tier
        changed.append("messaging_limit_tier")
        account.phone_numbers.update(messaging_limit_tier=tier)
    if max_phone_numbers is not None:
        account.max_phone_numbers = max_phone_numbers
        changed.append("max_phone_numbers")
    account.save(update_fields=changed)


def _is_newer(occurred_at: datetime, applied_at: datetime | None) -> bool:
    return applied_at is None or occurred_at >= applied_at


def _is_downgrade(old: str, new: str) -> bool:
    """Whether ``new`` is a smaller limit than ``old`` (unlimited is the largest)."""
    size = {UNLIMITED: float("inf")}
    old_size = size.get(old, tier_size(old))
    new_size = size.get(new, tier_size(new))
    return old_size is not None and new_size is not None and new_size < old_size
