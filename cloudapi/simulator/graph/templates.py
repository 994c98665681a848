"""Message template management: ``/{waba-id}/message_templates`` and ``/{template-id}`` (docs/cloudapi.md §3)."""

from __future__ import annotations

from typing import Any

from .. import template_lifecycle
from ..config import DAY
from ..request import Request, json_param
from . import fields, listing, template_rules
from .context import Context
from .errors import Response, invalid_parameter, missing_parameter, unsupported_request
from .template_rules import template_error

# What Meta returns without ``fields=`` (template_list_response.json); previous_category when set.
NODE = fields.Node(
    "WhatsAppBusinessHSM",
    fields=("name", "language", "status", "category", "sub_category", "components", "parameter_format", "id",
            "previous_category", "correct_category", "rejected_reason", "quality_score", "message_send_ttl_seconds",
            "cta_url_link_tracking_opted_out"),
    default=("name", "previous_category", "components", "language", "status", "category", "id"),
)
SUMMARY_FIELDS = ("total_count", "message_template_count", "message_template_limit", "are_translations_complete")
# Templates a WABA may hold while its business portfolio is unverified (docs/cloudapi.md §3).
TEMPLATE_LIMIT = 250
EDITABLE = ("APPROVED", "REJECTED", "PAUSED")


def public(template: dict[str, Any], requested: dict[str, str]) -> dict[str, Any]:
    """The template as Graph shows it: the requested (or default) fields only."""
    # Meta answers false for templates created before link tracking existed; ours never opted out.
    return NODE.select({"cta_url_link_tracking_opted_out": False, **template}, requested)


def list_templates(ctx: Context, request: Request, waba_id: str) -> Response:
    """``GET /{waba-id}/message_templates`` with ``fields``, ``summary``, ``limit``, ``status``, ``name``,
    ``language``, ``category`` and cursor paging."""
    params = request.query
    requested = NODE.requested(params)
    summary_fields = _summary_fields(params.get("summary"))
    every = ctx.store.list_objects("template", waba_id)
    templates = every
    if params.get("status"):
        wanted = {status.strip().upper() for status in params["status"].split(",")}
        templates = [t for t in templates if t["status"] in wanted]
    if params.get("name"):
        templates = [t for t in templates if params["name"].lower() in t["name"]]
    for key in ("language", "category"):
        if params.get(key):
            templates = [t for t in templates if str(t[key]).upper() == params[key].upper()]
    body = listing.page(request, [public(t, requested) for t in templates])
    if summary_fields:
        body["summary"] = _summary(summary_fields, matching=templates, every=every)
    return 200, body


def _summary_fields(text: Any) -> tuple[str, ...]:
    """The ``summary=`` keys asked for (Graph's generic ``summary=true`` means ``total_count``)."""
    if not isinstance(text, str) or not text.strip() or text.strip().lower() == "false":
        return ()
    if text.strip().lower() == "true":
        return ("total_count",)
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    for name in names:
        if name not in SUMMARY_FIELDS:
            raise invalid_parameter(f"Unknown summary field {name!r}; known: {', '.join(SUMMARY_FIELDS)}",
                                    message=f"(#100) Tried accessing nonexisting summary field ({name})")
    return names


def _summary(names: tuple[str, ...], *, matching: list[dict[str, Any]],
             every: list[dict[str, Any]]) -> dict[str, Any]:
    languages = {t["language"] for t in every}
    by_name: dict[str, set[str]] = {}
    for template in every:
        by_name.setdefault(template["name"], set()).add(template["language"])
    values = {
        "total_count": len(matching),
        "message_template_count": len(every),
        "message_template_limit": TEMPLATE_LIMIT,
        # Complete when every template exists in every language the account uses.
        "are_translations_complete": all(found == languages for found in by_name.values()),
    }
    return {name: values[name] for name in names}


def get_template(ctx: Context, request: Request, template: dict[str, Any]) -> Response:
    """``GET /{template-id}``."""
    return 200, public(template, NODE.requested(request.query))


def create_template(ctx: Context, request: Request, waba_id: str) -> Response:
    """``POST /{waba-id}/message_templates`` → ``{"id", "status": "PENDING", "category"}``."""
    params = request.params()
    params["components"] = json_param(params.get("components"))
    fields = template_rules.validate_definition(params, handle_known=lambda h: _handle_known(ctx, h))
    for template in ctx.store.list_objects("template", waba_id):
        if template["name"] == fields["name"] and template["language"] == fields["language"]:
            raise template_error(
                f"There is already {fields['language']} content for this template. You can create a new template "
                "and try again.", subcode=2388024, title="Content in This Language Already Exists")
    deleted_at = ctx.store.last_event("template_deleted", f"{waba_id}:{fields['name']}:{fields['language']}")
    if deleted_at is not None and ctx.now - deleted_at < 30 * DAY:
        raise template_error(
            f"New {fields['language']} content can't be added while the existing {fields['language']} content is "
            "being deleted. Try again in 4 weeks or consider creating a new message template.",
            subcode=2388023, title="Message Template Language Is Being Deleted")
    ctx.limits.count_template_creation(waba_id, now=ctx.now)
    template = template_lifecycle.new_template(
        ctx.store, waba_id=waba_id, fields=fields, status="PENDING", now=ctx.now,
        review_due=template_lifecycle.review_due_at(ctx.config, ctx.now),
    )
    return 200, {"id": template["id"], "status": "PENDING", "category": template["category"]}


def edit_template(ctx: Context, request: Request, template: dict[str, Any]) -> Response:
    """``POST /{template-id}``: new category, components and/or TTL; the template goes back to review."""
    params = request.params()
    if not any(key in params for key in ("category", "components", "message_send_ttl_seconds")):
        raise missing_parameter("category, components or message_send_ttl_seconds")
    if template["status"] not in EDITABLE:
        raise template_error(f"Only {', '.join(EDITABLE)} templates can be edited; this one is {template['status']}",
                             title="Template can't be edited")
    category = template["category"]
    if "category" in params:
        category = template_rules.normalise_category(params["category"])
        if template["status"] == "APPROVED" and category != template["category"]:
            raise template_error("The category of an approved template can't be changed",
                                 title="Category can't be changed")
    approved = template["status"] == "APPROVED"
    if approved:
        ctx.limits.check_template_edit(template["id"], now=ctx.now)
    components = template["components"]
    if "components" in params:
        components = template_rules.validate_components(
            json_param(params["components"]), category=category, parameter_format=template["parameter_format"],
            handle_known=lambda h: _handle_known(ctx, h))
    ttl = template_rules.check_ttl(params.get("message_send_ttl_seconds", template["message_send_ttl_seconds"]))
    if approved:
        ctx.limits.count_template_edit(template["id"], now=ctx.now)
    updated = {**template, "category": category, "components": components, "message_send_ttl_seconds": ttl,
               "status": "PENDING", "review_due": template_lifecycle.review_due_at(ctx.config, ctx.now)}
    ctx.store.put("template", template["id"], updated, owner=template["waba_id"])
    return 200, {"success": True}


def delete_templates(ctx: Context, request: Request, waba_id: str) -> Response:
    """``DELETE /{waba-id}/message_templates?name=X`` (every language) or ``&hsm_id=Y`` (just that one)."""
    params = request.params()
    name = params.get("name")
    if not name:
        raise missing_parameter("name")
    matches = [t for t in ctx.store.list_objects("template", waba_id) if t["name"] == name]
    if params.get("hsm_id"):
        matches = [t for t in matches if t["id"] == str(params["hsm_id"])]
    if not matches:
        raise invalid_parameter(f"Message template {name!r} was not found", message="(#100) Invalid parameter")
    if any(t["status"] == "DISABLED" for t in matches):
        raise template_error("Disabled templates can't be deleted", title="Template can't be deleted")
    for template in matches:
        ctx.store.delete("template", template["id"])
        if template["status"] in ("APPROVED", "PAUSED"):
            key = f"{waba_id}:{template['name']}:{template['language']}"
            ctx.store.add_event("template_deleted", key, at=ctx.now, keep=30 * DAY)
    return 200, {"success": True}


def template_for(ctx: Context, template_id: str, method: str) -> dict[str, Any]:
    """The template with this id if the token's WABA owns it; else 100/33."""
    template = ctx.store.get("template", template_id)
    if template is None or not ctx.owns_waba(template["waba_id"]):
        raise unsupported_request(method, template_id)
    return template


def _handle_known(ctx: Context, handle: str) -> bool:
    return ctx.store.get("upload_handle", handle) is not None
