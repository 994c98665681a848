"""Management webhooks (templates and flows) in Meta's shapes (docs/cloudapi.md §5), and their queueing."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from . import webhooks
from .config import SimNumber
from .state import Store

TEMPLATE_STATUS_FIELD = "message_template_status_update"
TEMPLATE_QUALITY_FIELD = "message_template_quality_update"
TEMPLATE_CATEGORY_FIELD = "template_category_update"
FLOWS_FIELD = "flows"
NAME_UPDATE_FIELD = "phone_number_name_update"
QUALITY_UPDATE_FIELD = "phone_number_quality_update"
CAPABILITY_FIELD = "business_capability_update"

_PAUSE_DESCRIPTIONS = {
    "FIRST_PAUSE": "Your WhatsApp message template has been paused for 3 hours due to low quality.",
    "SECOND_PAUSE": "Your WhatsApp message template has been paused for 6 hours due to low quality.",
    "UNPAUSE": "Your WhatsApp message template has been unpaused and can be sent again.",
}
_RECOMMENDATIONS = {
    "INVALID_FORMAT": "Check the template's format: variables, examples and length must follow the guidelines.",
    "PROMOTIONAL": "Utility templates can't contain promotional content; submit it as a marketing template.",
    "ABUSIVE_CONTENT": "Remove content that violates WhatsApp's Commerce and Business Policies.",
    "INCORRECT_CATEGORY": "Choose the category that matches the template's content.",
    "SCAM": "Remove content that could be used to deceive customers.",
    "TAG_CONTENT_MISMATCH": "Make the content match the category you chose.",
}


def management_envelope(waba_id: str, field: str, value: dict[str, Any], *, time: float) -> dict[str, Any]:
    """The envelope of a WABA-level change: ``entry[].time`` is an int, ``value`` before ``field``."""
    return {
        "entry": [{"id": waba_id, "time": int(time), "changes": [{"value": value, "field": field}]}],
        "object": "whatsapp_business_account",
    }


def _template_ids(template: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_template_id": int(template["id"]),
        "message_template_name": template["name"],
        "message_template_language": template["language"],
    }


def template_status_value(template: dict[str, Any], event: str, *, other_title: str = "") -> dict[str, Any]:
    """``message_template_status_update`` value for ``template`` now being ``event``."""
    value: dict[str, Any] = {"event": event, **_template_ids(template)}
    if event == "REJECTED":
        reason = template.get("rejected_reason") or "INVALID_FORMAT"
        value["reason"] = reason
        value["rejection_info"] = {"reason": reason, "recommendation": _RECOMMENDATIONS.get(reason, "")}
    elif event in ("PAUSED", "DISABLED"):
        value["reason"] = None
    else:
        value["reason"] = "NONE"
    value["message_template_category"] = template["category"]
    if other_title:
        value["other_info"] = {"title": other_title, "description": _PAUSE_DESCRIPTIONS.get(other_title, "")}
    if event == "DISABLED":
        value["disable_info"] = {"disable_date": template.get("disabled_at") or 0}
    return value


def template_quality_value(template: dict[str, Any], previous: str, new: str) -> dict[str, Any]:
    """``message_template_quality_update`` value."""
    return {"previous_quality_score": previous, "new_quality_score": new, **_template_ids(template)}


def template_category_value(template: dict[str, Any], previous: str, new: str) -> dict[str, Any]:
    """``template_category_update`` value for a completed re-categorisation."""
    return {**_template_ids(template), "previous_category": previous, "new_category": new}


def flow_status_value(flow: dict[str, Any], old: str | None, new: str) -> dict[str, Any]:
    """``flows`` FLOW_STATUS_CHANGE value; a new flow (``old`` None) has no ``old_status``."""
    if old is None:
        return {"event": "FLOW_STATUS_CHANGE", "message": f"Flow {flow['name']} has been created with status {new}",
                "flow_id": flow["id"], "new_status": new}
    return {
        "event": "FLOW_STATUS_CHANGE",
        "message": f"Flow {flow['name']} changed status from {old} to {new}",
        "flow_id": flow["id"],
        "old_status": old,
        "new_status": new,
    }


def name_update_value(number: SimNumber, *, requested_name: str, decision: str,
                      rejection_reason: str | None) -> dict[str, Any]:
    """``phone_number_name_update``: Meta's decision on a requested display name."""
    return {"display_phone_number": number.display_phone_number, "decision": decision,
            "requested_verified_name": requested_name, "rejection_reason": rejection_reason}


def quality_update_value(number: SimNumber, *, event: str, tier: str) -> dict[str, Any]:
    """``phone_number_quality_update`` (FLAGGED / UNFLAGGED), without ``current_limit`` (removed Feb 2026)."""
    return {"display_phone_number": number.display_phone_number, "event": event,
            "max_daily_conversations_per_business": tier}


def queue_event(store: Store, number: SimNumber, field: str, value: dict[str, Any], *, now: float) -> int:
    """Queue a management webhook for ``number``'s WABA, due now, signed with its app secret."""
    payload = management_envelope(number.waba_id, field, value, time=now)
    return webhooks.queue(store, number, payload, due=now, now=now)


def iso_time(seconds: float) -> str:
    """Meta's Graph timestamp format, e.g. ``2023-05-21T11:18:09+0000``."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")
