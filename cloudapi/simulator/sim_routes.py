"""The simulator's own endpoints under ``/_sim/``: inspection, reset, simulated customers,
template, flow and phone-number commands, faults, and the media/preview links it hands out.

These answer ``{"error": "<readable text>"}`` on bad input (not Meta's envelope): they are
the tester's controls, not part of the Graph API.
"""

from __future__ import annotations

import base64
import binascii
import html
from typing import TYPE_CHECKING, Any, Callable

from . import inspect_page
from .faults import FaultSettings, parse_spec
from .graph import media
from .request import NOT_JSON, Reply, Request, parse_json

if TYPE_CHECKING:
    from .app import Simulator

_CUSTOMER_ACTIONS = {
    "button_reply": "customer_button_reply", "list_reply": "customer_list_reply",
    "flow_reply": "customer_flow_reply", "quick_reply": "customer_quick_reply", "reaction": "customer_reaction",
    "location": "customer_location", "contacts": "customer_contacts", "media": "customer_media",
    "flow_open": "customer_open_flow",
}
_TEMPLATE_ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "approve": ("approve_template", ()), "reject": ("reject_template", ("reason",)),
    "pause": ("pause_template", ()), "unpause": ("unpause_template", ()), "disable": ("disable_template", ()),
    "quality": ("set_template_quality", ("score",)), "recategorize": ("recategorize_template", ("category",)),
}


def handle(sim: Simulator, request: Request) -> Reply:
    """Answer a ``/_sim/…`` request."""
    parts = request.segments[1:]
    try:
        view, allowed = _route(sim, parts)
        if request.method not in allowed:
            return Reply(405, {"error": f"{request.path} accepts {', '.join(allowed)} only"})
        return view(request)
    except KeyError as error:
        return Reply(404, {"error": str(error.args[0]) if error.args else "Not found"})
    except (ValueError, TypeError) as error:
        return Reply(400, {"error": str(error)})


def _route(sim: Simulator, parts: list[str]) -> tuple[Callable[[Request], Reply], tuple[str, ...]]:
    simple: dict[str, tuple[Callable[[Request], Reply], tuple[str, ...]]] = {
        "": (lambda r: Reply(200, inspect_page.render(sim), content_type="text/html; charset=utf-8"), ("GET",)),
        "health": (lambda r: Reply(200, {"ok": True}), ("GET",)),
        "log": (lambda r: _log(sim, r), ("GET",)),
        "reset": (lambda r: _reset(sim, r), ("POST",)),
        "inbound": (lambda r: _inbound(sim, r), ("POST",)),
        "undeliverable": (lambda r: _undeliverable(sim, r), ("POST",)),
        "faults": (lambda r: _faults(sim, r), ("GET", "POST", "DELETE")),
    }
    key = "/".join(parts)
    if key in simple:
        return simple[key]
    if len(parts) == 2 and parts[0] == "media":
        return (lambda r: media.download(sim.context(r.base_url), r, parts[1])), ("GET",)
    if len(parts) == 2 and parts[0] == "inbound" and parts[1] in _CUSTOMER_ACTIONS:
        return (lambda r: _customer(sim, r, _CUSTOMER_ACTIONS[parts[1]])), ("POST",)
    if key == "sends":
        return (lambda r: _sends(sim, r)), ("GET",)
    if key == "limits":
        return (lambda r: _limits(sim, r)), ("GET", "POST")
    if len(parts) == 3 and parts[0] == "customers" and parts[2] in ("marketing", "marketing_limited"):
        return (lambda r: _customer_marketing(sim, r, parts[1], parts[2])), ("POST",)
    if len(parts) == 3 and parts[0] == "templates" and parts[2] == "hold":
        return (lambda r: _template_hold(sim, r, parts[1])), ("POST",)
    if len(parts) == 3 and parts[0] == "templates" and parts[2] in _TEMPLATE_ACTIONS:
        return (lambda r: _template_action(sim, r, parts[1], parts[2])), ("POST",)
    if parts[:1] in (["numbers"], ["wabas"]):
        return _number_route(sim, parts)
    if len(parts) == 3 and parts[0] == "flows" and parts[2] == "status":
        return (lambda r: Reply(200, sim.set_flow_status(parts[1], str(_body(r).get("status"))))), ("POST",)
    if len(parts) == 3 and parts[0] == "flows" and parts[2] == "ping":
        return (lambda r: Reply(200, sim.ping_flow_endpoint(parts[1]))), ("POST",)
    if len(parts) == 3 and parts[0] == "flows" and parts[2] == "preview":
        return (lambda r: _flow_preview(sim, r, parts[1])), ("GET",)
    raise KeyError(f"Unknown simulator path /_sim/{key}")


def _number_route(sim: Simulator, parts: list[str]) -> tuple[Callable[[Request], Reply], tuple[str, ...]]:
    """``/_sim/numbers/{id}`` (state and 72-hour allowance), ``…/name``, ``…/quality``,
    ``/_sim/wabas/{id}/messaging_limit``."""
    if parts[0] == "numbers" and len(parts) == 2:
        return (lambda r: Reply(200, {"state": sim.number_state(parts[1]),
                                      "registration": sim.registration_limits(parts[1])})), ("GET",)
    if parts[0] == "numbers" and len(parts) == 3 and parts[2] == "name":
        return (lambda r: Reply(200, sim.review_display_name(
            parts[1], str(_body(r).get("requested_name", "")), str(_body(r).get("decision", "APPROVED")),
            _body(r).get("rejection_reason")))), ("POST",)
    if parts[0] == "numbers" and len(parts) == 3 and parts[2] == "quality":
        return (lambda r: Reply(200, sim.set_number_quality(
            parts[1], str(_body(r).get("rating")), pause_templates=_flag(_body(r), "pause_templates", False)))), \
            ("POST",)
    if parts[0] == "numbers" and len(parts) == 3 and parts[2] == "throughput":
        return (lambda r: Reply(200, sim.set_throughput(
            parts[1], level=_body(r).get("level"), mps=_body(r).get("mps")))), ("POST",)
    if parts[0] == "wabas" and len(parts) == 3 and parts[2] == "messaging_limit":
        return (lambda r: Reply(200, {"numbers": sim.set_messaging_limit(parts[1], str(_body(r).get("tier")))})), \
            ("POST",)
    raise KeyError(f"Unknown simulator path /_sim/{'/'.join(parts)}")


def _body(request: Request) -> dict[str, Any]:
    # JSON whatever the Content-Type says (curl -d sends form-encoded by default), else form fields.
    payload = parse_json(request.body)
    if isinstance(payload, dict):
        return payload
    if request.form and payload is NOT_JSON:
        return dict(request.form)
    raise ValueError("Body must be a JSON object")


def _flag(payload: dict[str, Any], key: str, default: bool) -> bool:
    value = payload.get(key, default)
    if isinstance(value, str):
        return value.lower() not in ("false", "0", "no", "")
    return bool(value)


def _sends(sim: Simulator, request: Request) -> Reply:
    phone = request.query.get("phone_number_id") or next(iter(sim._numbers))
    since = request.query.get("since")
    try:
        since_value = float(since) if since not in (None, "") else None
    except ValueError:
        raise ValueError("since must be Unix seconds") from None
    if phone not in sim._numbers:
        raise KeyError(f"Unknown phone_number_id {phone!r}")
    return Reply(200, sim.send_report(str(phone), since=since_value))


def _limits(sim: Simulator, request: Request) -> Reply:
    if request.method == "POST":
        payload = _body(request)
        if "marketing_per_user_limit" not in payload:
            raise ValueError("marketing_per_user_limit is required (a number, or null for no cap)")
        sim.set_marketing_limit(payload["marketing_per_user_limit"])
    return Reply(200, {"marketing_per_user_limit": sim.config.marketing_per_user_limit,
                       "enforce_messaging_limit": sim.config.enforce_messaging_limit,
                       "numbers": {n.phone_number_id: {"mps": n.mps} for n in sim._numbers.values()}})


def _customer_marketing(sim: Simulator, request: Request, wa_id: str, action: str) -> Reply:
    payload = _body(request) if request.body else {}
    if action == "marketing":
        phone = payload.get("phone_number_id")
        if phone is not None and not isinstance(phone, str):
            raise ValueError("phone_number_id must be a string")
        return Reply(200, sim.set_marketing_opt_out(wa_id, _flag(payload, "opted_out", True), phone))
    return Reply(200, sim.set_marketing_limited(wa_id, _flag(payload, "limited", True)))


def _template_hold(sim: Simulator, request: Request, template_id: str) -> Reply:
    payload = _body(request) if request.body else {}
    outcome = payload.get("outcome", "release")
    template = sim.hold_template(template_id, outcome)
    return Reply(200, {key: template[key] for key in ("id", "name", "language", "status", "quality_hold")})


def _log(sim: Simulator, request: Request) -> Reply:
    limit = int(request.query["limit"]) if request.query.get("limit") else None
    return Reply(200, {
        "requests": sim.request_log(limit=limit), "webhooks": sim.webhook_log(limit=limit),
        "messages": sim.sent_messages(), "templates": sim.templates(), "faults": sim.faults.to_dict(),
    })


def _reset(sim: Simulator, request: Request) -> Reply:
    sim.reset()
    if str(request.header("content-type") or "").startswith("application/x-www-form-urlencoded"):
        # The reset button of the /_sim/ page: back to the page.
        return Reply(303, "", content_type="text/plain", headers=(("Location", "/_sim/"),))
    return Reply(200, {"reset": True})


def _inbound(sim: Simulator, request: Request) -> Reply:
    payload = _body(request)
    timestamp = payload.get("timestamp")
    if timestamp is not None and (isinstance(timestamp, bool) or not isinstance(timestamp, int)):
        return Reply(400, {"error": "timestamp must be an integer (Unix seconds)"})
    for key in ("phone_number_id", "from"):
        if not isinstance(payload.get(key), str) or not payload[key]:
            return Reply(400, {"error": f"{key} is required and must be a string"})
    name = payload.get("name", "")
    if not isinstance(name, str):
        return Reply(400, {"error": "name must be a string"})
    wamid = sim.inbound(phone_number_id=payload["phone_number_id"], wa_id=payload["from"], name=name,
                        message=payload.get("message"), timestamp=timestamp)  # type: ignore[arg-type]
    return Reply(200, {"id": wamid})


def _customer(sim: Simulator, request: Request, method: str) -> Reply:
    payload = dict(_body(request))
    from_page = payload.pop("from_page", None) is not None  # the /_sim/ page's forms: back to the page
    if isinstance(payload.get("answers"), str):  # a form field holding JSON
        payload["answers"] = parse_json(payload["answers"].encode()) if payload["answers"].strip() else None
        if payload["answers"] is not None and not isinstance(payload["answers"], dict):
            raise ValueError("answers must be a JSON object of form field values")
    wa_id = payload.pop("from", None)
    if not isinstance(wa_id, str) or not wa_id:
        raise ValueError("from is required and must be a string")
    if "data_base64" in payload:
        try:
            payload["data"] = base64.b64decode(str(payload.pop("data_base64")), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("data_base64 is not base64") from None
    try:
        result = getattr(sim, method)(wa_id=wa_id, **payload)
    except TypeError as error:
        raise ValueError(f"Unexpected or missing field: {error}") from None
    if from_page:
        return Reply(303, "", content_type="text/plain", headers=(("Location", "/_sim/"),))
    return Reply(200, result if isinstance(result, dict) else {"id": result})


def _undeliverable(sim: Simulator, request: Request) -> Reply:
    payload = _body(request)
    wa_id = payload.get("wa_id")
    if not isinstance(wa_id, str) or not wa_id.isdigit():
        raise ValueError("wa_id is required: the customer's number in digits")
    undeliverable = payload.get("undeliverable", True) not in (False, "false", "0")
    sim.mark_undeliverable(wa_id, undeliverable)
    return Reply(200, {"wa_id": wa_id, "undeliverable": undeliverable})


def _faults(sim: Simulator, request: Request) -> Reply:
    if request.method == "DELETE":
        sim.clear_faults()
    elif request.method == "POST":
        payload = _body(request)
        if "spec" in payload:
            sim.set_faults(parse_spec(str(payload["spec"]), FaultSettings()))
        else:
            sim.set_faults(**payload)
    return Reply(200, sim.faults.to_dict())


def _template_action(sim: Simulator, request: Request, template_id: str, action: str) -> Reply:
    method, fields = _TEMPLATE_ACTIONS[action]
    payload = _body(request) if request.body else {}
    arguments = [payload[field] for field in fields if field in payload]
    if len(arguments) != len(fields):
        raise ValueError(f"{action} needs {', '.join(fields)}")
    template = getattr(sim, method)(template_id, *arguments)
    return Reply(200, {key: template[key] for key in ("id", "name", "language", "category", "status",
                                                      "rejected_reason", "quality_score")})


def _flow_preview(sim: Simulator, request: Request, flow_id: str) -> Reply:
    flow = sim._store.get("flow", flow_id)
    if flow is None or not flow.get("preview_token") or request.query.get("token") != flow["preview_token"] \
            or flow["preview_expires"] <= sim.config.clock():
        return Reply(404, "<p>This preview link is unknown or has expired.</p>", content_type="text/html")
    body = (f"<!doctype html><meta charset='utf-8'><title>Flow preview</title>"
            f"<h1>{html.escape(flow['name'])} ({html.escape(flow['status'])})</h1>"
            f"<pre>{html.escape(flow['asset'] or 'No Flow JSON uploaded yet.')}</pre>")
    return Reply(200, body, content_type="text/html; charset=utf-8")

