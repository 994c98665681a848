"""WhatsApp Flows management: ``/{waba-id}/flows``, ``/{flow-id}`` and its assets, publish,
deprecate and delete, with the ``flows`` status-change webhook (docs/cloudapi.md §8)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from .. import events
from ..request import Request, json_param
from . import fields, listing, portfolio
from .flow_json import validate as validate_flow_json
from .context import Context, new_id
from .errors import Response, invalid_parameter, missing_parameter, unsupported_request

CATEGORIES = ("SIGN_UP", "SIGN_IN", "APPOINTMENT_BOOKING", "LEAD_GENERATION", "CONTACT_US", "CUSTOMER_SUPPORT",
              "SURVEY", "OTHER")
NODE = fields.Node(
    "WhatsAppFlow",
    fields=("id", "name", "categories", "preview", "status", "validation_errors", "json_version", "data_api_version",
            "data_channel_uri", "health_status", "whatsapp_business_account", "application", "updated_at"),
    default=("id", "name", "status", "categories", "validation_errors"),
)
PREVIEW_TTL = 30 * 24 * 3600


def flow_for(ctx: Context, flow_id: str, method: str) -> dict[str, Any]:
    """The flow with this id if the token's WABA owns it; else 100/33."""
    flow = ctx.store.get("flow", flow_id)
    if flow is None or not ctx.owns_waba(flow["waba_id"]):
        raise unsupported_request(method, flow_id)
    return flow


def _save(ctx: Context, flow: dict[str, Any], *, changed: bool = True) -> None:
    """Store the flow; ``changed`` (anything but a new preview link) moves its ``updated_at``."""
    if changed:
        flow["updated_at"] = ctx.now
    ctx.store.put("flow", flow["id"], flow, owner=flow["waba_id"], created=ctx.now)


def _categories(value: Any) -> list[str]:
    categories = json_param(value)
    if not isinstance(categories, list) or not categories or any(c not in CATEGORIES for c in categories):
        raise invalid_parameter(f"categories must be a non-empty array of {', '.join(CATEGORIES)}")
    return categories


def _check_name(ctx: Context, waba_id: str, name: Any, *, except_id: str = "") -> str:
    if not isinstance(name, str) or not name.strip():
        raise missing_parameter("name")
    if any(f["name"] == name and f["id"] != except_id for f in ctx.store.list_objects("flow", waba_id)):
        raise invalid_parameter(f"Flow name {name!r} is already used in this WhatsApp Business Account; "
                                "flow names must be unique", message="(#100) Invalid parameter")
    return name


def list_flows(ctx: Context, request: Request, waba_id: str) -> Response:
    """``GET /{waba-id}/flows``."""
    requested = NODE.requested(request.query)
    items = [NODE.select(_public(ctx, f, requested), requested) for f in ctx.store.list_objects("flow", waba_id)]
    return 200, listing.page(request, items)


def create_flow(ctx: Context, request: Request, waba_id: str) -> Response:
    """``POST /{waba-id}/flows {name, categories, clone_flow_id?, endpoint_uri?}`` → ``{"id"}``."""
    params = request.params()
    name = _check_name(ctx, waba_id, params.get("name"))
    flow = {"id": new_id(), "waba_id": waba_id, "name": name, "categories": _categories(params.get("categories")),
            "status": "DRAFT", "validation_errors": [], "json_version": None, "data_api_version": None,
            "endpoint_uri": params.get("endpoint_uri") or None, "asset": None, "preview_token": "",
            "preview_expires": 0.0}
    clone_id = params.get("clone_flow_id")
    if clone_id:
        source = flow_for(ctx, str(clone_id), "POST")
        flow.update({key: source[key] for key in ("asset", "validation_errors", "json_version", "data_api_version")})
    _save(ctx, flow)
    # Meta announces a new flow too: FLOW_STATUS_CHANGE to DRAFT, without old_status.
    _queue_status(ctx, flow, None, "DRAFT")
    return 200, {"id": flow["id"]}


def update_flow(ctx: Context, request: Request, flow: dict[str, Any]) -> Response:
    """``POST /{flow-id}``: change name, categories or endpoint_uri."""
    params = request.params()
    if "name" in params:
        flow["name"] = _check_name(ctx, flow["waba_id"], params["name"], except_id=flow["id"])
    if "categories" in params:
        flow["categories"] = _categories(params["categories"])
    if "endpoint_uri" in params:
        flow["endpoint_uri"] = params["endpoint_uri"] or None
    _save(ctx, flow)
    return 200, {"success": True}


def upload_asset(ctx: Context, request: Request, flow: dict[str, Any]) -> Response:
    """``POST /{flow-id}/assets`` (multipart ``file``, ``name``, ``asset_type=FLOW_JSON``)."""
    if request.form.get("asset_type") != "FLOW_JSON":
        raise invalid_parameter("asset_type must be FLOW_JSON")
    upload = request.files.get("file")
    if upload is None:
        raise missing_parameter("file")
    if flow["status"] != "DRAFT":
        raise invalid_parameter(f"Flow {flow['id']} is {flow['status']}: only DRAFT flows can be updated")
    text = upload.data.decode("utf-8", "replace")
    errors, document = validate_flow_json(text)
    flow.update(asset=text, validation_errors=errors,
                json_version=str(document.get("version")) if document.get("version") is not None else None,
                data_api_version=document.get("data_api_version"))
    _save(ctx, flow)
    return 200, {"success": True, "validation_errors": errors}


def get_flow(ctx: Context, request: Request, flow: dict[str, Any]) -> Response:
    """``GET /{flow-id}?fields=…`` including ``preview`` (``preview.invalidate(true)`` for a new link)."""
    requested = NODE.requested(request.query)
    return 200, NODE.select(_public(ctx, flow, requested), requested)


def _public(ctx: Context, flow: dict[str, Any], requested: dict[str, str]) -> dict[str, Any]:
    document = {key: flow[key] for key in ("id", "name", "categories", "status", "validation_errors",
                                           "json_version", "data_api_version")}
    document["data_channel_uri"] = flow["endpoint_uri"]
    document["updated_at"] = events.iso_time(flow.get("updated_at") or ctx.now)
    if "preview" in requested:
        document["preview"] = _preview(ctx, flow, invalidate="invalidate(true)" in requested["preview"])
    number = ctx.waba_number(flow["waba_id"])
    document["health_status"] = _health(ctx, flow, number, requested.get("health_status", ""))
    document["whatsapp_business_account"] = {"id": flow["waba_id"], "name": number.verified_name or "Simulated WABA",
                                             "timezone_id": "1", "business_type": "ent",
                                             "message_template_namespace": f"sim_{flow['waba_id']}"}
    document["application"] = {"link": f"https://www.facebook.com/games/?app_id={ctx.config.app_id}",
                               "name": "Switchboard (simulated app)", "id": ctx.config.app_id}
    return document


# Why a flow can't be sent, as Meta words it in health_status (error_code, description, possible solution).
_FLOW_PROBLEMS = {
    "BLOCKED": (132068, "The flow is blocked: it can't be sent or opened.",
                "Fix the problems Meta reported about the flow's endpoint; it moves to THROTTLED, then PUBLISHED."),
    "THROTTLED": (132069, "The flow is throttled: at most 10 messages with it can be sent per hour.",
                  "Fix the problems Meta reported about the flow's endpoint; it moves back to PUBLISHED."),
    "DEPRECATED": (139002, "The flow is deprecated and can't be sent any more.",
                   "Clone it into a new flow and publish that one."),
}
_PHONE_MODIFIER = re.compile(r"\.phone_number\((?P<id>[^)]*)\)")


def _health(ctx: Context, flow: dict[str, Any], number: Any, modifiers: str) -> dict[str, Any]:
    """``health_status`` of the flow for a number: one entity each for the flow, WABA, business and app.

    ``health_status.phone_number(<id>)`` names the sending number; a number of another WABA (or
    unknown) is Meta's 100/33 on that id.
    """
    match = _PHONE_MODIFIER.search(modifiers or "")
    if match:
        phone_id = match.group("id").strip()
        chosen = ctx.numbers.get(phone_id)
        if chosen is None or chosen.waba_id != flow["waba_id"]:
            raise unsupported_request("GET", phone_id)
        number = chosen
    problem = _FLOW_PROBLEMS.get(flow["status"])
    flow_entity: dict[str, Any] = {"entity_type": "FLOW", "id": flow["id"], "can_send_message": "AVAILABLE"}
    if problem:
        code, description, solution = problem
        flow_entity["can_send_message"] = "LIMITED" if flow["status"] == "THROTTLED" else "BLOCKED"
        flow_entity["errors"] = [{"error_code": code, "error_description": description, "possible_solution": solution}]
    entities = [
        flow_entity,
        {"entity_type": "WABA", "id": flow["waba_id"], "can_send_message": "AVAILABLE"},
        {"entity_type": "BUSINESS", "id": portfolio.business_id(number), "can_send_message": "AVAILABLE"},
        {"entity_type": "APP", "id": ctx.config.app_id, "can_send_message": "AVAILABLE"},
    ]
    order = ("BLOCKED", "LIMITED", "AVAILABLE")
    overall = min((e["can_send_message"] for e in entities), key=order.index)
    return {"can_send_message": overall, "entities": entities}


def _preview(ctx: Context, flow: dict[str, Any], *, invalidate: bool) -> dict[str, Any]:
    if invalidate or not flow.get("preview_token") or flow["preview_expires"] <= ctx.now:
        flow.update(preview_token=secrets.token_urlsafe(16), preview_expires=ctx.now + PREVIEW_TTL)
        _save(ctx, flow, changed=False)
    return {"preview_url": f"{ctx.base_url}/_sim/flows/{flow['id']}/preview?token={flow['preview_token']}",
            "expires_at": events.iso_time(flow["preview_expires"])}


def publish_flow(ctx: Context, request: Request, flow: dict[str, Any]) -> Response:
    """``POST /{flow-id}/publish``: DRAFT with a valid Flow JSON → PUBLISHED, webhook sent."""
    if flow["status"] != "DRAFT":
        raise invalid_parameter(f"Flow {flow['id']} is {flow['status']}: only DRAFT flows can be published")
    if flow["asset"] is None:
        raise invalid_parameter(f"Flow {flow['id']} has no Flow JSON; upload one to /{flow['id']}/assets first")
    if flow["validation_errors"]:
        raise invalid_parameter(f"Flow {flow['id']} has validation errors; fix the Flow JSON before publishing")
    set_status(ctx, flow, "PUBLISHED")
    return 200, {"success": True}


def deprecate_flow(ctx: Context, request: Request, flow: dict[str, Any]) -> Response:
    """``POST /{flow-id}/deprecate``: a published flow can't be sent or opened any more (irreversible)."""
    if flow["status"] not in ("PUBLISHED", "THROTTLED", "BLOCKED"):
        raise invalid_parameter(f"Flow {flow['id']} is {flow['status']}: only published flows can be deprecated")
    set_status(ctx, flow, "DEPRECATED")
    return 200, {"success": True}


def delete_flow(ctx: Context, request: Request, flow: dict[str, Any]) -> Response:
    """``DELETE /{flow-id}``: only drafts can be deleted."""
    if flow["status"] != "DRAFT":
        raise invalid_parameter(f"Flow {flow['id']} is {flow['status']}: only DRAFT flows can be deleted")
    ctx.store.delete("flow", flow["id"])
    return 200, {"success": True}


def set_status(ctx: Context, flow: dict[str, Any], status: str) -> dict[str, Any]:
    """Move a flow to ``status``, save it and queue the ``flows`` FLOW_STATUS_CHANGE webhook."""
    old = flow["status"]
    flow["status"] = status
    _save(ctx, flow)
    _queue_status(ctx, flow, old, status)
    return flow


def _queue_status(ctx: Context, flow: dict[str, Any], old: str | None, new: str) -> None:
    value = events.flow_status_value(flow, old, new)
    events.queue_event(ctx.store, ctx.waba_number(flow["waba_id"]), events.FLOWS_FIELD, value, now=ctx.now)
