"""The Graph endpoints: find the addressed object, check the token may use it, call the topic's function.

Each topic module (messages, media, templates, phone_numbers, waba, flows) takes a ``Context``
and a parsed ``Request`` and returns, or raises, what the HTTP layer should answer; nothing
here knows about sockets or WSGI.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from ..request import Reply, Request, as_reply
from ..config import MANAGEMENT_SCOPE, MESSAGING_SCOPE
from . import flows, media, messages, phone_numbers, pricing_analytics, templates, tokens, waba
from .context import Context, authenticate
from .errors import GraphError, Response, fbtrace_id, permission_denied, unsupported_request

__all__ = ["GraphError", "VERSION_RE", "fbtrace_id", "route"]

VERSION_RE = re.compile(r"^v\d+\.\d+$")

Handler = Callable[[Context, Request, Any], Response]
# (kind of the addressed object, edge or None, method) → handler(ctx, request, object).
ROUTES: dict[tuple[str, str | None, str], Handler] = {
    ("number", None, "GET"): phone_numbers.get_number,
    ("number", None, "POST"): phone_numbers.set_pin,
    ("number", "messages", "POST"): messages.post_messages,
    ("number", "media", "POST"): media.upload_media,
    ("number", "request_code", "POST"): phone_numbers.request_code,
    ("number", "verify_code", "POST"): phone_numbers.verify_code,
    ("number", "register", "POST"): phone_numbers.register,
    ("number", "deregister", "POST"): phone_numbers.deregister,
    ("number", "whatsapp_business_profile", "GET"): phone_numbers.get_profile,
    ("number", "whatsapp_business_profile", "POST"): phone_numbers.update_profile,
    ("number", "whatsapp_business_encryption", "GET"): waba.get_encryption,
    ("number", "whatsapp_business_encryption", "POST"): waba.set_encryption,
    ("waba", None, "GET"): pricing_analytics.get_waba_or_pricing,  # ?fields=pricing_analytics… or the node
    ("waba", "phone_numbers", "GET"): phone_numbers.list_numbers,
    ("waba", "message_templates", "GET"): templates.list_templates,
    ("waba", "message_templates", "POST"): templates.create_template,
    ("waba", "message_templates", "DELETE"): templates.delete_templates,
    ("waba", "subscribed_apps", "GET"): waba.list_subscribed_apps,
    ("waba", "subscribed_apps", "POST"): waba.subscribe_app,
    ("waba", "subscribed_apps", "DELETE"): waba.unsubscribe_app,
    ("waba", "flows", "GET"): flows.list_flows,
    ("waba", "flows", "POST"): flows.create_flow,
    ("app", "uploads", "POST"): media.create_upload_session,
    ("upload", None, "POST"): media.upload_chunk,
    ("upload", None, "GET"): media.upload_status,
    ("media", None, "GET"): media.media_info,
    ("media", None, "DELETE"): media.delete_media,
    ("template", None, "GET"): templates.get_template,
    ("template", None, "POST"): templates.edit_template,
    ("flow", None, "GET"): flows.get_flow,
    ("flow", None, "POST"): flows.update_flow,
    ("flow", None, "DELETE"): flows.delete_flow,
    ("flow", "assets", "POST"): flows.upload_asset,
    ("flow", "publish", "POST"): flows.publish_flow,
    ("flow", "deprecate", "POST"): flows.deprecate_flow,
}
# What needs whatsapp_business_messaging; every other call needs whatsapp_business_management.
_MESSAGING_CALLS = {("number", "messages"), ("number", "media"), ("media", None)}
# Calls on these objects count toward the WABA's hourly management limit (docs/cloudapi.md §9).
_MANAGEMENT_KINDS = ("waba", "template")


def route(ctx: Context, request: Request) -> Reply:
    """Answer one Graph request (path ``/vNN.N/{object-id}[/{edge}]``)."""
    segments = request.segments
    if not segments or not VERSION_RE.match(segments[0]):
        return Reply(404, {"error": f"Unknown path {request.path}: Graph paths start with a version such as /v24.0/"})
    try:
        if segments[1:] == ["debug_token"] and request.method == "GET":
            # Authenticated by the app token (or the token itself), not by a number's token.
            return as_reply(tokens.debug_token(ctx, request))
        ctx.token = authenticate(ctx.numbers, request.headers, request.query, ctx.config.tokens, ctx.now)
        object_id = segments[1] if len(segments) > 1 else ""
        edge = segments[2] if len(segments) > 2 else None
        if len(segments) > 3:
            raise unsupported_request(request.method, object_id)
        kind, target, waba_id = _resolve(ctx, object_id, request.method)
        handler = ROUTES.get((kind, edge, request.method))
        if handler is None:
            raise unsupported_request(request.method, object_id)
        _check_scope(ctx, kind, edge)
        if kind in _MANAGEMENT_KINDS:
            ctx.limits.count_management_call(waba_id, now=ctx.now)
        return as_reply(handler(ctx, request, target))
    except GraphError as error:
        return Reply(*error.response)


def _check_scope(ctx: Context, kind: str, edge: str | None) -> None:
    """A 200 when an extra token lacks the permission this call needs (numbers' own tokens have both)."""
    extra = ctx.extra_token()
    if extra is None or kind in ("app", "upload"):
        return
    scope = MESSAGING_SCOPE if (kind, edge) in _MESSAGING_CALLS else MANAGEMENT_SCOPE
    if scope not in extra.scopes:
        raise permission_denied(scope)


def _resolve(ctx: Context, object_id: str, method: str) -> tuple[str, Any, str]:
    """(kind, the object handlers take, its WABA id) for a path's object id, if the token may use it."""
    if object_id in ctx.numbers:
        number = ctx.number(object_id, method)
        return "number", number, number.waba_id
    if any(n.waba_id == object_id for n in ctx.numbers.values()):
        if not ctx.owns_waba(object_id):
            raise unsupported_request(method, object_id)
        return "waba", object_id, object_id
    if object_id == ctx.config.app_id:
        return "app", object_id, ""
    if object_id.startswith("upload:"):
        session = ctx.store.get("upload_session", object_id)
        if session is None:
            raise unsupported_request(method, object_id)
        return "upload", session, ""
    found = ctx.store.find(object_id)
    if found is not None:
        kind, document = found
        if kind == "media":
            return "media", document, ""
        if kind == "template":
            template = templates.template_for(ctx, object_id, method)
            return "template", template, template["waba_id"]
        if kind == "flow":
            return "flow", flows.flow_for(ctx, object_id, method), ""
    raise unsupported_request(method, object_id)
