"""Templates moving through their states (review, pause, disable, quality, category), each change
saved and sent as the webhook Meta sends for it (docs/cloudapi.md §3 and §5)."""

from __future__ import annotations

from typing import Any, Callable

from . import events
from .config import SimNumber, SimulatorConfig
from .graph.context import new_id
from .state import Store

REJECTION_REASONS = ("ABUSIVE_CONTENT", "INCORRECT_CATEGORY", "INVALID_FORMAT", "NONE", "PROMOTIONAL", "SCAM",
                     "TAG_CONTENT_MISMATCH")
QUALITY_SCORES = ("GREEN", "YELLOW", "RED", "UNKNOWN")
NumberFor = Callable[[str], SimNumber]

HELLO_WORLD = [
    {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
    {"type": "BODY", "text": "Welcome and congratulations!! This message demonstrates your ability to send a "
     "WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test "
     "with us."},
    {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"},
]


def new_template(store: Store, *, waba_id: str, fields: dict[str, Any], status: str, now: float,
                 review_due: float | None) -> dict[str, Any]:
    """Save a new template document and return it."""
    template = {
        "id": new_id(), "waba_id": waba_id, "status": status, "rejected_reason": "NONE",
        "quality_score": {"score": "UNKNOWN", "date": int(now)}, "previous_category": None,
        "parameter_format": "POSITIONAL", "message_send_ttl_seconds": None, "created": now,
        "review_due": review_due, "pause_count": 0, "disabled_at": None, **fields,
    }
    store.put("template", template["id"], template, owner=waba_id, created=now)
    return template


def seed_hello_world(store: Store, waba_id: str, *, now: float) -> None:
    """Give a WABA Meta's sample ``hello_world`` template once (Meta creates it for every new WABA)."""
    if store.get("seeded", waba_id) is not None:
        return
    store.put("seeded", waba_id, {"at": now}, created=now)
    new_template(store, waba_id=waba_id, status="APPROVED", now=now, review_due=None, fields={
        "name": "hello_world", "language": "en_US", "category": "UTILITY", "components": HELLO_WORLD})


def review_due_at(config: SimulatorConfig, now: float) -> float | None:
    """When a template submitted now leaves PENDING (None: only by command)."""
    return None if config.template_review_outcome == "manual" else now + config.template_review_delay


def review_outcome(config: SimulatorConfig, template: dict[str, Any]) -> tuple[str, str]:
    """(status, rejected reason) the review gives ``template``."""
    outcome = config.template_review_outcome
    if outcome == "reject" or (outcome == "auto" and "reject" in template["name"]):
        return "REJECTED", config.template_rejection_reason
    return "APPROVED", "NONE"


def run_due_reviews(store: Store, config: SimulatorConfig, number_for: NumberFor, *, now: float) -> float | None:
    """Decide every PENDING template whose review time has come; returns the next review time."""
    next_due: float | None = None
    for template in store.list_objects("template"):
        due = template.get("review_due")
        if template["status"] != "PENDING" or due is None:
            continue
        if due > now:
            next_due = due if next_due is None else min(next_due, due)
            continue
        status, reason = review_outcome(config, template)
        set_status(store, number_for(template["waba_id"]), template, status, now=now, reason=reason)
    return next_due


def set_status(store: Store, number: SimNumber, template: dict[str, Any], status: str, *, now: float,
               reason: str = "NONE", other_title: str = "") -> dict[str, Any]:
    """Move ``template`` to ``status``, save it and queue the ``message_template_status_update`` webhook."""
    template = {**template, "status": status, "review_due": None}
    template["rejected_reason"] = reason if status == "REJECTED" else "NONE"
    if status == "DISABLED":
        template["disabled_at"] = int(now)
    store.put("template", template["id"], template, owner=template["waba_id"])
    value = events.template_status_value(template, status, other_title=other_title)
    events.queue_event(store, number, events.TEMPLATE_STATUS_FIELD, value, now=now)
    return template


def pause(store: Store, number: SimNumber, template: dict[str, Any], *, now: float) -> dict[str, Any]:
    """Pause for low quality: FIRST_PAUSE, then SECOND_PAUSE; a third pause disables it, as Meta does."""
    if template["status"] != "APPROVED":
        raise ValueError(f"only APPROVED templates can be paused (this one is {template['status']})")
    count = int(template.get("pause_count") or 0) + 1
    template = {**template, "pause_count": count}
    if count >= 3:
        return set_status(store, number, template, "DISABLED", now=now)
    title = "FIRST_PAUSE" if count == 1 else "SECOND_PAUSE"
    return set_status(store, number, template, "PAUSED", now=now, other_title=title)


def unpause(store: Store, number: SimNumber, template: dict[str, Any], *, now: float) -> dict[str, Any]:
    """Lift a pause: back to APPROVED with ``other_info.title`` UNPAUSE."""
    if template["status"] != "PAUSED":
        raise ValueError(f"only PAUSED templates can be unpaused (this one is {template['status']})")
    return set_status(store, number, template, "APPROVED", now=now, other_title="UNPAUSE")


def set_quality(store: Store, number: SimNumber, template: dict[str, Any], score: str, *,
                now: float) -> dict[str, Any]:
    """Change the quality score and queue ``message_template_quality_update``."""
    if score not in QUALITY_SCORES:
        raise ValueError(f"quality score must be one of {', '.join(QUALITY_SCORES)}")
    previous = template["quality_score"]["score"]
    template = {**template, "quality_score": {"score": score, "date": int(now)}}
    store.put("template", template["id"], template, owner=template["waba_id"])
    value = events.template_quality_value(template, previous, score)
    events.queue_event(store, number, events.TEMPLATE_QUALITY_FIELD, value, now=now)
    return template


def recategorize(store: Store, number: SimNumber, template: dict[str, Any], category: str, *,
                 now: float) -> dict[str, Any]:
    """Meta re-categorises a template: save ``previous_category`` (and ``correct_category``, the one Meta
    decided on) and queue ``template_category_update``."""
    if category not in ("MARKETING", "UTILITY", "AUTHENTICATION"):
        raise ValueError("category must be MARKETING, UTILITY or AUTHENTICATION")
    previous = template["category"]
    template = {**template, "category": category, "previous_category": previous, "correct_category": category}
    store.put("template", template["id"], template, owner=template["waba_id"])
    value = events.template_category_value(template, previous, category)
    events.queue_event(store, number, events.TEMPLATE_CATEGORY_FIELD, value, now=now)
    return template
