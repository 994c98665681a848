"""Interactive messages: reply buttons, lists, CTA URL buttons and flows (docs/cloudapi.md §1)."""

from __future__ import annotations

from typing import Any

from ..config import SimNumber
from .context import Context
from .errors import graph_error, invalid_parameter, invalid_value, missing_parameter, param
from .send_types import _URL_RE, check_length, check_media

INTERACTIVE_TYPES = ("button", "list", "cta_url", "flow")
FLOW_SENDABLE = ("PUBLISHED", "THROTTLED")
FLOW_THROTTLED_SENDS_PER_HOUR = 10


def check_interactive(ctx: Context, number: SimNumber, interactive: dict[str, Any]) -> None:
    """Validate an ``interactive`` object by its sub-type; other sub-types are accepted as given."""
    kind = interactive.get("type")
    if not kind:
        raise missing_parameter("interactive['type']")
    if kind not in INTERACTIVE_TYPES:
        # product, product_list, catalog_message, location_request_message…: not imitated in detail.
        if not isinstance(kind, str):
            raise invalid_parameter("Invalid parameter: interactive['type']")
        return
    action = interactive.get("action")
    if not isinstance(action, dict) or not action:
        raise missing_parameter("interactive['action']")
    draft_flow = kind == "flow" and isinstance(action.get("parameters"), dict) and \
        action["parameters"].get("mode") == "draft"
    if not draft_flow:
        _check_body(interactive, 4096 if kind == "list" else 1024)
        _check_footer(interactive)
        _check_header(ctx, number, interactive, text_only=kind == "list")
    if kind == "button":
        _check_buttons(action)
    elif kind == "list":
        _check_list(action)
    elif kind == "cta_url":
        _check_cta_url(action)
    else:
        _check_flow(ctx, number, action)


def _check_body(interactive: dict[str, Any], maximum: int) -> None:
    body = interactive.get("body")
    if not isinstance(body, dict):
        raise missing_parameter("interactive['body']")
    check_length(body.get("text"), "interactive['body']['text']", maximum)


def _check_footer(interactive: dict[str, Any]) -> None:
    if "footer" not in interactive:
        return
    footer = interactive["footer"]
    if not isinstance(footer, dict):
        raise invalid_parameter("Invalid parameter: interactive['footer']")
    check_length(footer.get("text"), "interactive['footer']['text']", 60)


def _check_header(ctx: Context, number: SimNumber, interactive: dict[str, Any], *, text_only: bool) -> None:
    if "header" not in interactive:
        return
    header = interactive["header"]
    if not isinstance(header, dict):
        raise invalid_parameter("Invalid parameter: interactive['header']")
    kind = header.get("type")
    allowed = ("text",) if text_only else ("text", "image", "video", "document")
    if kind not in allowed:
        raise invalid_value(f"interactive['header']['type'] must be one of {', '.join(allowed)}")
    if kind == "text":
        check_length(header.get("text"), "interactive['header']['text']", 60)
        return
    error = check_media(ctx, number, kind, header.get(kind), param("interactive", "header", kind))
    if error is not None:
        raise graph_error(400, 131053, "(#131053) Media upload error", error["error_data"]["details"])


def _check_buttons(action: dict[str, Any]) -> None:
    buttons = action.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise missing_parameter("interactive['action']['buttons']")
    if len(buttons) > 3:
        raise invalid_value(f"interactive['action']['buttons']: {len(buttons)} buttons, max 3")
    titles: set[str] = set()
    for index, button in enumerate(buttons):
        name = param("interactive", "action", "buttons", index)
        if not isinstance(button, dict) or button.get("type") != "reply" or not isinstance(button.get("reply"), dict):
            raise invalid_parameter(f"Invalid parameter: {name} must be {{type: 'reply', reply: {{id, title}}}}")
        reply = button["reply"]
        check_length(reply.get("title"), f"{name}['reply']['title']", 20)
        check_length(reply.get("id"), f"{name}['reply']['id']", 256)
        if reply["title"] in titles:
            raise invalid_value(f"{name}['reply']['title']: button titles must be unique")
        titles.add(reply["title"])


def _check_list(action: dict[str, Any]) -> None:
    check_length(action.get("button"), "interactive['action']['button']", 20)
    sections = action.get("sections")
    if not isinstance(sections, list) or not sections:
        raise missing_parameter("interactive['action']['sections']")
    if len(sections) > 10:
        raise invalid_value(f"interactive['action']['sections']: {len(sections)} sections, max 10")
    total = 0
    for s_index, section in enumerate(sections):
        name = param("interactive", "action", "sections", s_index)
        if not isinstance(section, dict):
            raise invalid_parameter(f"Invalid parameter: {name}")
        check_length(section.get("title"), f"{name}['title']", 24, required=len(sections) > 1)
        rows = section.get("rows")
        if not isinstance(rows, list) or not rows:
            raise missing_parameter(f"{name}['rows']")
        total += len(rows)
        for r_index, row in enumerate(rows):
            row_name = f"{name}['rows'][{r_index}]"
            if not isinstance(row, dict):
                raise invalid_parameter(f"Invalid parameter: {row_name}")
            check_length(row.get("id"), f"{row_name}['id']", 200)
            check_length(row.get("title"), f"{row_name}['title']", 24)
            check_length(row.get("description"), f"{row_name}['description']", 72, required=False)
    if total > 10:
        raise invalid_value(f"interactive['action']['sections']: {total} rows in total, max 10")


def _check_cta_url(action: dict[str, Any]) -> None:
    if action.get("name") != "cta_url":
        raise invalid_value("interactive['action']['name'] must be 'cta_url'")
    parameters = action.get("parameters")
    if not isinstance(parameters, dict):
        raise missing_parameter("interactive['action']['parameters']")
    check_length(parameters.get("display_text"), "interactive['action']['parameters']['display_text']", 20)
    url = parameters.get("url")
    if url is None or url == "":
        raise missing_parameter("interactive['action']['parameters']['url']")
    if not isinstance(url, str) or not _URL_RE.match(url):
        raise invalid_value("interactive['action']['parameters']['url'] must be an http(s) URL")


def _check_flow(ctx: Context, number: SimNumber, action: dict[str, Any]) -> None:
    if action.get("name") != "flow":
        raise invalid_value("interactive['action']['name'] must be 'flow'")
    parameters = action.get("parameters")
    if not isinstance(parameters, dict):
        raise missing_parameter("interactive['action']['parameters']")
    name = "interactive['action']['parameters']"
    if str(parameters.get("flow_message_version", "")) != "3":
        raise invalid_value(f"{name}['flow_message_version'] must be '3'")
    for key in ("flow_token", "flow_cta"):
        check_length(parameters.get(key), f"{name}['{key}']", 4096 if key == "flow_token" else 30)
    flow_action = parameters.get("flow_action", "navigate")
    if flow_action not in ("navigate", "data_exchange"):
        raise invalid_value(f"{name}['flow_action'] must be 'navigate' or 'data_exchange'")
    if flow_action == "navigate" and "flow_action_payload" in parameters:
        payload = parameters["flow_action_payload"]
        if not isinstance(payload, dict) or not isinstance(payload.get("screen"), str) or not payload["screen"]:
            raise missing_parameter(f"{name}['flow_action_payload']['screen']")
    mode = parameters.get("mode", "published")
    if mode not in ("draft", "published"):
        raise invalid_value(f"{name}['mode'] must be 'draft' or 'published'")
    flow = _find_flow(ctx, number, parameters, name)
    _check_flow_status(ctx, flow, draft=mode == "draft", name=name)


def _find_flow(ctx: Context, number: SimNumber, parameters: dict[str, Any], name: str) -> dict[str, Any]:
    flow_id, flow_name = parameters.get("flow_id"), parameters.get("flow_name")
    if not flow_id and not flow_name:
        raise missing_parameter(f"{name}['flow_id'] or {name}['flow_name']")
    for flow in ctx.store.list_objects("flow", number.waba_id):
        if (flow_id and flow["id"] == str(flow_id)) or (not flow_id and flow["name"] == flow_name):
            return flow
    which = f"flow_id {flow_id}" if flow_id else f"flow_name {flow_name!r}"
    raise invalid_value(f"{name}: no flow with {which} in this WhatsApp Business Account")


def _check_flow_status(ctx: Context, flow: dict[str, Any], *, draft: bool, name: str) -> None:
    status = flow["status"]
    if status == "BLOCKED":
        raise graph_error(400, 132068, "(#132068) Flow is in blocked state",
                          f"Flow {flow['id']} is blocked and can't be sent.")
    if status == "THROTTLED":
        since = ctx.now - 3600
        if ctx.store.count_events("flow_send", flow["id"], since=since) >= FLOW_THROTTLED_SENDS_PER_HOUR:
            raise graph_error(400, 132069, "(#132069) Flow is in throttled state",
                              f"Flow {flow['id']} is throttled: at most 10 messages per hour.")
        ctx.store.add_event("flow_send", flow["id"], at=ctx.now, keep=3600)
    allowed = ("DRAFT", *FLOW_SENDABLE) if draft else FLOW_SENDABLE
    if status not in allowed:
        hint = "publish it or send with mode 'draft'" if status == "DRAFT" else "it can't be sent any more"
        raise invalid_value(f"{name}: flow {flow['id']} is {status}; {hint}")
