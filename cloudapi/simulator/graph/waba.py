"""WABA-level odds and ends: the account itself, app subscriptions and the flows encryption key."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from ..config import SimNumber
from ..request import Request
from . import fields, portfolio
from .context import Context
from .errors import Response, invalid_parameter, missing_parameter


# Defaults: what Meta answers without ``fields=``; the others are Meta's WABA node fields we model.
NODE = fields.Node(
    "WhatsAppBusinessAccount",
    fields=("id", "name", "timezone_id", "message_template_namespace", "currency", "account_review_status",
            "business_verification_status", "ownership_type", "country", "business_type", "health_status",
            "owner_business_info"),
    default=("id", "name", "timezone_id", "message_template_namespace"),
)


def get_waba(ctx: Context, request: Request, waba_id: str) -> Response:
    """``GET /{waba-id}[?fields=…]``: the account, with Meta's default fields unless others are asked for
    (``owner_business_info`` is the owning business portfolio)."""
    number = ctx.waba_number(waba_id)
    document = {"id": waba_id, "name": number.verified_name or "Simulated WhatsApp Business Account",
                "timezone_id": "1", "message_template_namespace": f"sim_{waba_id}", "currency": "USD",
                "account_review_status": "APPROVED", "business_verification_status": "verified",
                "ownership_type": "SELF", "country": "US", "business_type": "ent",
                "health_status": {"can_send_message": "AVAILABLE", "entities": [
                    {"entity_type": "WABA", "id": waba_id, "can_send_message": "AVAILABLE"},
                    {"entity_type": "APP", "id": ctx.config.app_id, "can_send_message": "AVAILABLE"}]}}
    document["owner_business_info"] = portfolio.owner_business_info(number)
    return 200, NODE.select(document, NODE.requested(request.query))


def _app(ctx: Context) -> dict[str, Any]:
    return {"id": ctx.config.app_id, "link": f"https://www.facebook.com/games/?app_id={ctx.config.app_id}",
            "name": "Switchboard (simulated app)"}


def list_subscribed_apps(ctx: Context, request: Request, waba_id: str) -> Response:
    """``GET /{waba-id}/subscribed_apps`` → ``{"data": [{"whatsapp_business_api_data": {…}}]}``."""
    subscription = ctx.store.get("subscription", waba_id) or {"subscribed": True}
    if not subscription["subscribed"]:
        return 200, {"data": []}
    item: dict[str, Any] = {"whatsapp_business_api_data": _app(ctx)}
    if subscription.get("override_callback_uri"):
        item["override_callback_uri"] = subscription["override_callback_uri"]
    return 200, {"data": [item]}


def subscribe_app(ctx: Context, request: Request, waba_id: str) -> Response:
    """``POST /{waba-id}/subscribed_apps`` (optional ``override_callback_uri`` + ``verify_token``)."""
    params = request.params()
    override = params.get("override_callback_uri")
    if override and not str(override).startswith("https://"):
        raise invalid_parameter("override_callback_uri must be an https URL")
    if override and not params.get("verify_token"):
        raise missing_parameter("verify_token")
    ctx.store.put("subscription", waba_id, {"subscribed": True, "override_callback_uri": override or None},
                  owner=waba_id, created=ctx.now)
    return 200, {"success": True}


def unsubscribe_app(ctx: Context, request: Request, waba_id: str) -> Response:
    """``DELETE /{waba-id}/subscribed_apps``: webhooks for this WABA stop until subscribed again."""
    ctx.store.put("subscription", waba_id, {"subscribed": False}, owner=waba_id, created=ctx.now)
    return 200, {"success": True}


def get_encryption(ctx: Context, request: Request, number: SimNumber) -> Response:
    """``GET /{phone-number-id}/whatsapp_business_encryption``."""
    key = ctx.store.get("encryption", number.phone_number_id)
    if key is None:
        return 200, {"data": []}
    return 200, {"data": [{"business_public_key": key["business_public_key"],
                           "business_public_key_signature_status": "VALID"}]}


def set_encryption(ctx: Context, request: Request, number: SimNumber) -> Response:
    """``POST /{phone-number-id}/whatsapp_business_encryption {business_public_key}`` (an RSA PEM key)."""
    pem = request.params().get("business_public_key")
    if not pem:
        raise missing_parameter("business_public_key")
    try:
        key = load_pem_public_key(str(pem).encode())
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, RSAPublicKey):
        raise invalid_parameter("business_public_key must be an RSA public key in PEM format")
    ctx.store.put("encryption", number.phone_number_id, {"business_public_key": str(pem)}, owner=number.waba_id,
                  created=ctx.now)
    return 200, {"success": True}
