"""The webhook fields accounts owns: one ``handle_<field>`` per field, registered from ``apps.py``.

A handler reads and checks Meta's value, finds the account by ``entry[].id`` (the WABA id) and the
number by its display number, both through the event's signer ``scope``, and hands typed values to
a service. A malformed value raises ``InvalidPayload``, an unknown WABA or number ``UnknownAccount``
and another account's ``ForeignObject``, before anything is written.
"""

from typing import Any

from django.utils import timezone

from cloudapi import webhook_registry
from cloudapi.webhook_payloads import (
    InvalidPayload,
    as_dict,
    entry_time,
    optional_id,
    optional_str,
    parse_timestamp,
    required_code,
    required_object,
    required_str,
)

from .meta_terms import messaging_tier
from .models import PhoneNumber
from .services import meta_reports
from .services.meta_reports import Report, Restriction
from .webhook_scope import ANY_ACCOUNT, SignerScope


def register_handlers() -> None:
    webhook_registry.register("phone_number_name_update", handle_phone_number_name_update)
    webhook_registry.register("phone_number_quality_update", handle_phone_number_quality_update)
    webhook_registry.register("business_capability_update", handle_business_capability_update)
    webhook_registry.register("account_update", handle_account_update)
    webhook_registry.register("account_review_update", handle_account_review_update)
    webhook_registry.register("account_alerts", handle_account_alerts)
    webhook_registry.register("security", handle_security)


def handle_phone_number_name_update(
    *, value: dict[str, Any], entry: dict[str, Any], event=None, scope: SignerScope = ANY_ACCOUNT
) -> None:
    phone = _phone(value, entry, scope)
    meta_reports.apply_display_name_decision(
        phone=phone,
        field="phone_number_name_update",
        decision=required_code(value, "decision"),
        requested_name=optional_str(value, "requested_verified_name", max_length=200),
        rejection_reason=optional_str(value, "rejection_reason", max_length=64),
        report=_report(value, entry, event),
    )


def handle_phone_number_quality_update(
    *, value: dict[str, Any], entry: dict[str, Any], event=None, scope: SignerScope = ANY_ACCOUNT
) -> None:
    phone = _phone(value, entry, scope)
    meta_reports.apply_phone_quality_update(
        phone=phone,
        field="phone_number_quality_update",
        event=required_code(value, "event"),
        current_limit=_tier(value, "current_limit"),
        old_limit=_tier(value, "old_limit"),
        portfolio_limit=_tier(value, "max_daily_conversations_per_business"),
        report=_report(value, entry, event),
    )


def handle_business_capability_update(
    *, value: dict[str, Any], entry: dict[str, Any], event=None, scope: SignerScope = ANY_ACCOUNT
) -> None:
    account = scope.account_for_entry(entry)
    max_phones = _count(value, "max_phone_numbers_per_waba")
    if max_phones is None:
        max_phones = _count(value, "max_phone_numbers_per_business")
    meta_reports.apply_business_capabilities(
        account=account,
        field="business_capability_update",
        # The per-phone limit is the legacy name (removed Feb 2026) of the same portfolio limit.
        messaging_limit=_tier(value, "max_daily_conversations_per_business")
        or _tier(value, "max_daily_conversation_per_phone"),
        max_phone_numbers=max_phones,
        report=_report(value, entry, event),
    )


def handle_account_update(
    *, value: dict[str, Any], entry: dict[str, Any], event=None, scope: SignerScope = ANY_ACCOUNT
) -> None:
    account = scope.account_for_entry(entry)
    name = required_code(value, "event")
    common = {"account": account, "field": "account_update", "event": name, "report": _report(value, entry, event)}
    if name == "ACCOUNT_RESTRICTION":
        meta_reports.apply_account_restriction(restrictions=_restrictions(value), **common)
    elif name == "DISABLED_UPDATE":
        ban_info = required_object(value, "ban_info")
        meta_reports.apply_ban_update(
            ban_state=_ban_state(ban_info),
            ban_date=_text_or_time(ban_info, "waba_ban_date"),
            **common,
        )
    elif name == "ACCOUNT_VIOLATION":
        violation_info = as_dict(value.get("violation_info"))
        meta_reports.record_account_violation(
            violation_type=optional_str(violation_info, "violation_type", max_length=64), **common
        )
    else:
        meta_reports.record_account_update(**common)


def handle_account_review_update(
    *, value: dict[str, Any], entry: dict[str, Any], event=None, scope: SignerScope = ANY_ACCOUNT
) -> None:
    meta_reports.apply_account_review(
        account=scope.account_for_entry(entry),
        field="account_review_update",
        decision=required_code(value, "decision"),
        report=_report(value, entry, event),
    )


def handle_account_alerts(
    *, value: dict[str, Any], entry: dict[str, Any], event=None, scope: SignerScope = ANY_ACCOUNT
) -> None:
    account = scope.account_for_entry(entry)
    alert_info = required_object(value, "alert_info")
    entity_type = optional_str(value, "entity_type", max_length=32)
    entity_id = optional_id(value, "entity_id")
    phone = None
    if entity_type == "PHONE_NUMBER" and entity_id:
        phone = PhoneNumber.objects.filter(account=account, phone_number_id=entity_id).first()
    meta_reports.record_account_alert(
        account=account,
        field="account_alerts",
        alert_type=required_code(alert_info, "alert_type"),
        alert_status=optional_str(alert_info, "alert_status", max_length=32).upper(),
        alert_severity=optional_str(alert_info, "alert_severity", max_length=32).upper(),
        description=optional_str(alert_info, "alert_description", max_length=2000),
        entity_id=entity_id or entity_type,
        phone=phone,
        report=_report(value, entry, event),
    )


def handle_security(
    *, value: dict[str, Any], entry: dict[str, Any], event=None, scope: SignerScope = ANY_ACCOUNT
) -> None:
    phone = _phone(value, entry, scope)
    meta_reports.record_security_event(
        phone=phone,
        field="security",
        event=required_code(value, "event"),
        requester=optional_id(value, "requester"),
        report=_report(value, entry, event),
    )


# Readers --------------------------------------------------------------------------------------


def _report(value: dict, entry: dict, event) -> Report:
    return Report(
        occurred_at=entry_time(entry) or timezone.now(),
        details=value,
        webhook_event_id=getattr(event, "pk", None),
    )


def _phone(value: dict, entry: dict, scope: SignerScope) -> PhoneNumber:
    return scope.phone_for_display_number(entry, required_str(value, "display_phone_number", max_length=32))


def _tier(obj: dict, key: str) -> str:
    value = obj.get(key)
    return "" if value is None or value == "" else messaging_tier(value)


def _count(obj: dict, key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise InvalidPayload(f"bad {key!r}: {value!r}")
    return int(value)


def _text_or_time(obj: dict, key: str) -> str:
    """A date Meta writes as text (``"April 17, 2025"``) or, in places, as Unix seconds."""
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        when = parse_timestamp(value)
        return f"{when:%B} {when.day}, {when.year}"
    if not isinstance(value, str):
        raise InvalidPayload(f"bad {key!r}")
    return value[:64]


def _ban_state(ban_info: dict) -> str:
    state = ban_info.get("waba_ban_state")
    if isinstance(state, list) and len(state) == 1:  # some samples wrap it in a list
        state = state[0]
    if not isinstance(state, str) or not state:
        raise InvalidPayload("missing or non-string 'waba_ban_state'")
    return state.strip().upper()[:32]


def _restrictions(value: dict) -> list[Restriction]:
    items = value.get("restriction_info", [])
    if not isinstance(items, list):
        raise InvalidPayload("'restriction_info' is not a list")
    restrictions = []
    for item in items:
        if not isinstance(item, dict):
            raise InvalidPayload("a restriction_info item is not an object")
        expiration = item.get("expiration")
        restrictions.append(
            Restriction(
                restriction_type=required_code(item, "restriction_type"),
                expiration=None if expiration is None else parse_timestamp(expiration),
            )
        )
    return restrictions
