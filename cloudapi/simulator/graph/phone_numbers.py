"""Phone numbers and what hangs off them: registration, verification codes, two-step PIN,
business profile, subscribed apps, the flows encryption key, and the WABA itself (docs/cloudapi.md §6–§7)."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

from .. import events
from ..config import SimNumber
from ..events import iso_time
from ..request import Request, json_param
from . import fields, listing, portfolio
from .context import Context
from .errors import Response, graph_error, invalid_parameter, missing_parameter

# Defaults: what Meta returns without ``fields=`` (phone_numbers_list_response.json).
NODE = fields.Node(
    "WhatsAppBusinessPhoneNumber",
    fields=("id", "display_phone_number", "verified_name", "quality_rating", "code_verification_status",
            "name_status", "new_name_status", "platform_type", "throughput", "status", "account_mode",
            "is_official_business_account", "is_pin_enabled", "is_on_biz_app", "webhook_configuration",
            "health_status", "quality_score", "last_onboarded_time", "messaging_limit_tier",
            "whatsapp_business_manager_messaging_limit"),
    default=("verified_name", "code_verification_status", "display_phone_number", "quality_rating", "id"),
)
VERIFICATION_CODE = "123456"
VERTICALS = ("UNDEFINED", "OTHER", "AUTO", "BEAUTY", "APPAREL", "EDU", "ENTERTAIN", "EVENT_PLAN", "FINANCE",
             "GROCERY", "GOVT", "HOTEL", "HEALTH", "NONPROFIT", "PROF_SERVICES", "RETAIL", "TRAVEL", "RESTAURANT",
             "NOT_A_BIZ")
PROFILE_FIELDS = ("about", "address", "description", "email", "profile_picture_url", "websites", "vertical")
PROFILE_NODE = fields.Node("WhatsAppBusinessProfile", fields=(*PROFILE_FIELDS, "messaging_product"),
                           default=PROFILE_FIELDS, always=("messaging_product",))
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PIN_RE = re.compile(r"^\d{6}$")
# Kept in the number's state but never served: whether a code is out, and the PIN's digest.
_PRIVATE = ("code_requested", "pin_digest")
SECURITY_FIELD = "security"
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
# A profile picture must be a JPEG or PNG image (a PDF or video handle is refused).
_PICTURE_TYPES = ("image/jpeg", "image/jpg", "image/png")
_PICTURE_MAX_BYTES = 5 * 1024 * 1024


def state(ctx: Context, number: SimNumber) -> dict[str, Any]:
    """The number's Meta-side state (registration, verification, quality…), created on first use."""
    found = ctx.store.get("phone", number.phone_number_id)
    if found is None:
        found = {"quality_rating": "GREEN", "code_verification_status": "VERIFIED", "name_status": "APPROVED",
                 "platform_type": "CLOUD_API", "throughput": {"level": "STANDARD"}, "status": "CONNECTED",
                 "account_mode": "LIVE", "is_official_business_account": False, "is_pin_enabled": True,
                 "messaging_limit_tier": "TIER_250", "last_onboarded_time": iso_time(ctx.now),
                 "code_requested": False}
        ctx.store.put("phone", number.phone_number_id, found, owner=number.waba_id, created=ctx.now)
    return found


def is_registered(ctx: Context, number: SimNumber) -> bool:
    """Whether the number may send (it is until ``deregister``)."""
    return state(ctx, number)["status"] == "CONNECTED"


def _save(ctx: Context, number: SimNumber, changes: dict[str, Any]) -> None:
    ctx.store.put("phone", number.phone_number_id, {**state(ctx, number), **changes}, owner=number.waba_id)


def _public(ctx: Context, number: SimNumber, request: Request) -> dict[str, Any]:
    document = {key: value for key, value in state(ctx, number).items() if key not in _PRIVATE}
    document.update(id=number.phone_number_id, display_phone_number=number.display_phone_number,
                    verified_name=document.get("verified_name") or number.verified_name,
                    webhook_configuration={"application": ctx.config.webhook_url})
    # Derived here rather than stored, so numbers saved before these fields existed answer them too.
    document.setdefault("new_name_status", "NONE")
    document.setdefault("is_on_biz_app", False)
    document["quality_score"] = {"score": document["quality_rating"]}
    if _serves_new_limit(request):
        document[portfolio.NEW_LIMIT_FIELD] = portfolio.messaging_limit(ctx.store, number)
    document["health_status"] = _health(ctx, number, document["status"])
    return document


def _serves_new_limit(request: Request) -> bool:
    """The portfolio limit field exists from v24.0; asking for it on an older version is Graph's 100."""
    if portfolio.has_new_limit_field(request.segments[0]):
        return True
    if portfolio.NEW_LIMIT_FIELD in listing.parse_fields(request.query.get("fields")):
        raise invalid_parameter(f"Tried accessing nonexisting field ({portfolio.NEW_LIMIT_FIELD}) on node type "
                                "(WhatsAppBusinessPhoneNumber)",
                                message=f"(#100) Tried accessing nonexisting field ({portfolio.NEW_LIMIT_FIELD})")
    return False


def _health(ctx: Context, number: SimNumber, status: str) -> dict[str, Any]:
    """``health_status``: whether the number can send, entity by entity (like a flow's, docs/cloudapi.md §8)."""
    own = "AVAILABLE" if status == "CONNECTED" else "BLOCKED"
    entities: list[dict[str, Any]] = [{"entity_type": "PHONE_NUMBER", "id": number.phone_number_id,
                                       "can_send_message": own}]
    if own == "BLOCKED":
        entities[0]["errors"] = [{"error_code": 133010, "error_description": "Account not registered",
                                  "possible_solution": "Register the phone number with POST /{id}/register"}]
    entities += [{"entity_type": "WABA", "id": number.waba_id, "can_send_message": "AVAILABLE"},
                 {"entity_type": "APP", "id": ctx.config.app_id, "can_send_message": "AVAILABLE"}]
    return {"can_send_message": own, "entities": entities}


def list_numbers(ctx: Context, request: Request, waba_id: str) -> Response:
    """``GET /{waba-id}/phone_numbers`` (cursor paging with ``limit``/``after``/``before``)."""
    requested = NODE.requested(request.query)
    numbers = [n for n in ctx.numbers.values() if n.waba_id == waba_id]
    items = [NODE.select(_public(ctx, n, request), requested) for n in numbers]
    return 200, listing.page(request, items)


def get_number(ctx: Context, request: Request, number: SimNumber) -> Response:
    """``GET /{phone-number-id}``."""
    return 200, NODE.select(_public(ctx, number, request), NODE.requested(request.query))


def set_pin(ctx: Context, request: Request, number: SimNumber) -> Response:
    """``POST /{phone-number-id}`` with ``pin``: change the two-step verification PIN."""
    pin = request.params().get("pin")
    if not isinstance(pin, str) or not _PIN_RE.match(pin):
        raise invalid_parameter("pin must be 6 digits")
    _save(ctx, number, {"is_pin_enabled": True, "pin_digest": _digest(number, pin)})
    # Meta tells the WABA's subscribers that the PIN changed (the ``security`` field).
    events.queue_event(ctx.store, number, SECURITY_FIELD,
                       {"display_phone_number": number.display_phone_number, "event": "PIN_CHANGED"}, now=ctx.now)
    return 200, {"success": True}


def _digest(number: SimNumber, pin: str) -> str:
    return hashlib.sha256(f"{number.phone_number_id}:{pin}".encode()).hexdigest()


def request_code(ctx: Context, request: Request, number: SimNumber) -> Response:
    """``POST /{id}/request_code {code_method, language}``; the code is always 123456.

    The field is ``language``: ``locale`` (an old mistake of ours) is refused with 100, as Meta does.
    """
    params = request.params()
    if params.get("code_method") not in ("SMS", "VOICE"):
        raise invalid_parameter("code_method must be SMS or VOICE")
    if "locale" in params:
        raise invalid_parameter("Unexpected parameter locale: the code's language is given as language "
                                "(e.g. en_US)", message="(#100) Param locale is not a valid parameter")
    language = params.get("language")
    if not language:
        raise invalid_parameter("The parameter language is required",
                                message="(#100) The parameter language is required")
    if not isinstance(language, str) or not _LANGUAGE_RE.match(language):
        raise invalid_parameter("Param language must be a language code such as en or en_US")
    _save(ctx, number, {"code_requested": True})
    return 200, {"success": True}


def verify_code(ctx: Context, request: Request, number: SimNumber) -> Response:
    """``POST /{id}/verify_code {code}``: 123456 after a ``request_code`` verifies the number (else 136025)."""
    code = str(request.params().get("code", ""))
    if not code:
        raise missing_parameter("code")
    if not state(ctx, number)["code_requested"] or code != VERIFICATION_CODE:
        raise graph_error(400, 136025, "(#136025) Verify code error",
                          "The code couldn't be verified: request a code first and enter the one you received.")
    _save(ctx, number, {"code_verification_status": "VERIFIED", "code_requested": False})
    return 200, {"success": True}


def register(ctx: Context, request: Request, number: SimNumber) -> Response:
    """``POST /{id}/register {messaging_product, pin}``; 10 per 72 h, counted apart from deregister (133016)."""
    params = request.params()
    if params.get("messaging_product") != "whatsapp":
        raise invalid_parameter("The parameter messaging_product is required and must be whatsapp.")
    pin = params.get("pin")
    if not isinstance(pin, str) or not _PIN_RE.match(pin):
        raise invalid_parameter("pin must be 6 digits")
    ctx.limits.count_registration(number.phone_number_id, action="register", now=ctx.now)
    known = state(ctx, number).get("pin_digest")
    if known and known != _digest(number, pin):
        # Counted like any register call: a wrong PIN still uses one of the 10.
        raise graph_error(400, 133005, "(#133005) Two step verification PIN Mismatch",
                          "The PIN does not match the number's two-step verification PIN.")
    _save(ctx, number, {"status": "CONNECTED", "is_pin_enabled": True, "pin_digest": _digest(number, pin),
                        "last_onboarded_time": iso_time(ctx.now)})
    return 200, {"success": True}


def deregister(ctx: Context, request: Request, number: SimNumber) -> Response:
    """``POST /{id}/deregister``: the number stops sending (133010) until registered again; 10 per 72 h."""
    ctx.limits.count_registration(number.phone_number_id, action="deregister", now=ctx.now)
    _save(ctx, number, {"status": "DISCONNECTED"})
    return 200, {"success": True}


# -- business profile ----------------------------------------------------------------------


def get_profile(ctx: Context, request: Request, number: SimNumber) -> Response:
    """``GET /{id}/whatsapp_business_profile?fields=…`` → ``{"data": [{…, "messaging_product"}]}``."""
    profile = ctx.store.get("profile", number.phone_number_id) or {"about": "Hey there! I am using WhatsApp.",
                                                                    "vertical": "UNDEFINED"}
    requested = PROFILE_NODE.requested(request.query)
    return 200, {"data": [PROFILE_NODE.select({**profile, "messaging_product": "whatsapp"}, requested)]}


def update_profile(ctx: Context, request: Request, number: SimNumber) -> Response:
    """``POST /{id}/whatsapp_business_profile``: validates every field by Meta's rules (100 otherwise)."""
    params = request.params()
    if params.get("messaging_product") != "whatsapp":
        raise invalid_parameter("The parameter messaging_product is required and must be whatsapp.")
    profile = ctx.store.get("profile", number.phone_number_id) or {"about": "Hey there! I am using WhatsApp.",
                                                                    "vertical": "UNDEFINED"}
    changes = _profile_changes(ctx, params)
    ctx.store.put("profile", number.phone_number_id, {**profile, **changes}, owner=number.waba_id, created=ctx.now)
    return 200, {"success": True}


def _profile_changes(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, maximum in (("about", 139), ("address", 256), ("description", 512), ("email", 128)):
        if key not in params:
            continue
        value = params[key]
        if not isinstance(value, str) or len(value) > maximum or (key == "about" and not value.strip()):
            raise invalid_parameter(f"Param {key} must be a string of {'1' if key == 'about' else '0'} to "
                                    f"{maximum} characters")
        if key == "email" and value and not _EMAIL_RE.match(value):
            raise invalid_parameter("Param email must be a valid email address")
        changes[key] = value
    if "websites" in params:
        websites = json_param(params["websites"])
        if not isinstance(websites, list) or len(websites) > 2 or not all(_is_website(w) for w in websites):
            raise invalid_parameter("Param websites must be at most 2 http(s) URLs of at most 256 characters")
        changes["websites"] = websites
    if "vertical" in params:
        if params["vertical"] not in VERTICALS:
            raise invalid_parameter(f"Param vertical must be one of {', '.join(VERTICALS)}")
        changes["vertical"] = params["vertical"]
    if "profile_picture_handle" in params:
        handle = params["profile_picture_handle"]
        upload = ctx.store.get("upload_handle", handle) if isinstance(handle, str) else None
        if upload is None:
            raise invalid_parameter("Param profile_picture_handle must be a handle from the Resumable Upload API")
        if upload.get("file_type") not in _PICTURE_TYPES:
            raise invalid_parameter("Param profile_picture_handle must be the handle of a JPEG or PNG image")
        if int(upload.get("file_length") or 0) > _PICTURE_MAX_BYTES:
            raise invalid_parameter("Param profile_picture_handle must be the handle of an image of at most 5 MB")
        digest = hashlib.sha256(handle.encode()).hexdigest()[:16]
        changes["profile_picture_url"] = f"{ctx.base_url}/_sim/profile_pictures/{digest}.jpg"
    return changes


def _is_website(value: Any) -> bool:
    """An absolute http(s) URL with a host, no spaces, at most 256 characters (as Meta takes them)."""
    if not isinstance(value, str) or len(value) > 256 or any(ch.isspace() for ch in value):
        return False
    try:
        host = urlsplit(value).hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return value.startswith(("http://", "https://")) and bool(host)
