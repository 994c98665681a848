"""The webhook fields templates_mgr owns: one ``handle_<field>`` per field, registered from ``apps.py``.

Templates are named by ``message_template_id`` (an integer) within the WABA of ``entry[].id``;
name and language come along so a template made in WhatsApp Manager can be created here. A
malformed value raises ``InvalidPayload``, an unknown WABA ``UnknownAccount``, and a WABA or
template of an account that did not sign the event ``ForeignObject`` (through the event's ``scope``).
"""

import re
from typing import Any

from accounts.models import BusinessAccount
from accounts.webhook_scope import ANY_ACCOUNT, SignerScope
from cloudapi import webhook_registry
from cloudapi.webhook_payloads import (
    InvalidPayload,
    entry_time,
    optional_code,
    optional_object,
    optional_str,
    parse_timestamp,
    required_code,
    required_id,
)

from . import services
from .models import MessageTemplate
from .services import StatusReport, TemplateRef, normalize_language

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")
# What names the template; everything else of a status update is kept as the change's details.
_IDENTITY = {"event", "message_template_id", "message_template_name", "message_template_language", "reason"}


def register_handlers() -> None:
    webhook_registry.register("message_template_status_update", handle_message_template_status_update)
    webhook_registry.register("message_template_quality_update", handle_message_template_quality_update)
    webhook_registry.register("template_category_update", handle_template_category_update)
    webhook_registry.register("message_template_components_update", handle_message_template_components_update)


def handle_message_template_status_update(
    *, value: dict[str, Any], entry: dict[str, Any], event=None, scope: SignerScope = ANY_ACCOUNT
) -> None:
    if "event" not in value and "new_quality_score" in value:
        # Meta's own quality sample is labelled with this field; it is a quality update.
        handle_message_template_quality_update(value=value, entry=entry, event=event, scope=scope)
        return
    account, ref = _account_and_ref(value, entry, scope)
    other_info = optional_object(value, "other_info")
    rejection_info = optional_object(value, "rejection_info")
    disable_info = optional_object(value, "disable_info")
    reason = optional_str(value, "reason", max_length=64).strip().upper()
    report = StatusReport(
        status=required_code(value, "event", pattern=_CODE),
        occurred_at=entry_time(entry),
        reason="" if reason == "NONE" else reason,
        category=optional_code(value, "message_template_category", pattern=_CODE),
        title=optional_str(other_info, "title", max_length=64),
        description=optional_str(other_info, "description", max_length=2000),
        rejection_explanation=optional_str(rejection_info, "reason", max_length=2000),
        rejection_recommendation=optional_str(rejection_info, "recommendation", max_length=2000),
        disable_date=_lenient_time(disable_info.get("disable_date")),
        details={key: item for key, item in value.items() if key not in _IDENTITY},
    )
    services.apply_template_status(
        account=account, ref=ref, report=report, webhook_event_id=getattr(event, "pk", None)
    )


def handle_message_template_quality_update(
    *, value: dict[str, Any], entry: dict[str, Any], event=None, scope: SignerScope = ANY_ACCOUNT
) -> None:
    account, ref = _account_and_ref(value, entry, scope)
    services.apply_template_quality(
        account=account,
        ref=ref,
        quality_score=required_code(value, "new_quality_score", pattern=_CODE),
        occurred_at=entry_time(entry),
    )


def handle_template_category_update(
    *, value: dict[str, Any], entry: dict[str, Any], event=None, scope: SignerScope = ANY_ACCOUNT
) -> None:
    account, ref = _account_and_ref(value, entry, scope)
    change_at = value.get("category_update_timestamp")
    services.apply_template_category(
        account=account,
        ref=ref,
        new_category=required_code(value, "new_category", pattern=_CODE),
        previous_category=optional_code(value, "previous_category", pattern=_CODE),
        correct_category=optional_code(value, "correct_category", pattern=_CODE),
        change_at=None if change_at is None else parse_timestamp(change_at),
        occurred_at=entry_time(entry),
    )


def handle_message_template_components_update(
    *, value: dict[str, Any], entry: dict[str, Any], event=None, scope: SignerScope = ANY_ACCOUNT
) -> None:
    components = value.get("components")
    if components is not None and not isinstance(components, list):
        raise InvalidPayload("'components' is not a list")
    account, ref = _account_and_ref(value, entry, scope)
    services.apply_template_components(account=account, ref=ref, components=components)


# Readers --------------------------------------------------------------------------------------


def _account_and_ref(value: dict, entry: dict, scope: SignerScope) -> tuple[BusinessAccount, TemplateRef]:
    """The signer's account of ``entry[].id`` and the template named; a template id another
    account holds is not the signer's to change (Meta's ids are global)."""
    account = scope.account_for_entry(entry)
    ref = _ref(value)
    for owner_id in MessageTemplate.objects.filter(template_id=ref.template_id).values_list("account_id", flat=True):
        scope.claim(owner_id=owner_id, what=f"template {ref.template_id}")
    return account, ref


def _ref(value: dict) -> TemplateRef:
    language = optional_str(value, "message_template_language", max_length=16)
    if language and not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,4})?", language):
        raise InvalidPayload(f"bad message_template_language {language!r}")
    return TemplateRef(
        template_id=required_id(value, "message_template_id"),
        name=optional_str(value, "message_template_name", max_length=512),
        language=normalize_language(language) if language else "",
        category=optional_code(value, "message_template_category", pattern=_CODE),
    )


def _lenient_time(value: Any):
    """``disable_info.disable_date``: Unix seconds per Meta's reference; anything else stays in details."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        return None
    try:
        return parse_timestamp(value)
    except InvalidPayload:
        return None
