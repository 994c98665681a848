"""``POST /{phone-number-id}/messages``: send any message type, or mark one read.

Validation of each type's object lives in ``send_types``, ``send_interactive`` and
``send_template``; this module does what is common: recipient, context, callback data, rate
limits, remembering the send and queueing its status webhooks.
"""

from __future__ import annotations

import re
from typing import Any

from .. import webhooks
from ..config import SimNumber
from ..request import Request
from . import phone_numbers, send_types
from .context import Context
from .errors import Response, graph_error, invalid_parameter, missing_parameter

SERVICE_WINDOW_SECONDS = 24 * 60 * 60
MAX_CALLBACK_DATA_LENGTH = 512
_TO_PUNCTUATION_RE = re.compile(r"[+\-\s()]")
_WA_ID_RE = re.compile(r"^\d{7,15}$")


def post_messages(ctx: Context, request: Request, number: SimNumber) -> Response:
    """Send a message or mark one as read, as ``POST /{phone-number-id}/messages`` does."""
    payload = request.json
    _check_messaging_product(payload)
    if not phone_numbers.is_registered(ctx, number):
        raise graph_error(400, 133010, "(#133010) Account not registered",
                          "This phone number is not registered on the Cloud API; register it first.")
    if "status" in payload:
        return _mark_read(ctx, number, payload)
    return _send(ctx, number, payload)


def _check_messaging_product(payload: Any) -> None:
    product = payload.get("messaging_product") if isinstance(payload, dict) else None
    if product is None:
        raise invalid_parameter(
            "The parameter messaging_product is required.",
            message="(#100) The parameter messaging_product is required.",
        )
    if product != "whatsapp":
        raise invalid_parameter(
            "The parameter messaging_product must be whatsapp.",
            message="(#100) The parameter messaging_product must be whatsapp.",
        )


def _mark_read(ctx: Context, number: SimNumber, payload: dict[str, Any]) -> Response:
    if payload["status"] != "read":
        raise invalid_parameter("Invalid parameter: status")
    message_id = payload.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise missing_parameter("message_id")
    indicator = payload.get("typing_indicator")
    if indicator is not None and indicator != {"type": "text"}:
        raise invalid_parameter("Invalid parameter: typing_indicator")
    if not ctx.store.has_inbound(number.phone_number_id, message_id):
        raise invalid_parameter("Invalid message_id")
    return 200, {"success": True}


def _send(ctx: Context, number: SimNumber, payload: dict[str, Any]) -> Response:
    recipient_type = payload.get("recipient_type", "individual")
    if recipient_type != "individual":
        raise invalid_parameter("Invalid parameter: recipient_type")
    to = payload.get("to")
    wa_id = _normalise_to(to)
    message_type = payload.get("type", "text")
    if not isinstance(message_type, str) or message_type not in send_types.SEND_TYPES:
        raise invalid_parameter("Invalid parameter: type")
    checked = send_types.check_content(ctx, number, message_type, payload)
    _check_context(payload.get("context"))
    callback_data = _callback_data(payload)
    if wa_id == _TO_PUNCTUATION_RE.sub("", number.display_phone_number):
        raise graph_error(400, 131021, "(#131021) Recipient cannot be sender",
                          "Sender and recipient phone number is the same.")
    ctx.limits.check_send(number, wa_id, now=ctx.now)

    wamid = webhooks.new_wamid(wa_id)
    ctx.store.add_sent(
        wamid=wamid,
        phone_number_id=number.phone_number_id,
        to_wa_id=wa_id,
        type=message_type,
        body=payload,
        biz_opaque_callback_data=callback_data,
        created=ctx.now,
    )
    sent = {"wamid": wamid, "to": wa_id, "type": message_type, "biz_opaque_callback_data": callback_data,
            "category": checked.category}
    _queue_outcome(ctx, number, sent, async_error=checked.async_error)
    return 200, {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": wa_id}],
        "messages": [{"id": wamid}],
    }


def _normalise_to(to: Any) -> str:
    if to is None or to == "":
        raise missing_parameter("to")
    if not isinstance(to, str):
        raise invalid_parameter("Invalid parameter: to")
    digits = _TO_PUNCTUATION_RE.sub("", to)
    if not _WA_ID_RE.match(digits):
        raise invalid_parameter("Invalid parameter: to (expected a phone number of 7 to 15 digits)")
    return digits


def _check_context(context: Any) -> None:
    if context is None:
        return
    if not isinstance(context, dict) or not isinstance(context.get("message_id"), str) or not context["message_id"]:
        raise invalid_parameter("Invalid parameter: context['message_id']")


def _callback_data(payload: dict[str, Any]) -> str | None:
    data = payload.get("biz_opaque_callback_data")
    if data is None:
        return None
    if not isinstance(data, str):
        raise invalid_parameter("Invalid parameter: biz_opaque_callback_data")
    if len(data) > MAX_CALLBACK_DATA_LENGTH:
        raise invalid_parameter(f"biz_opaque_callback_data is too long; max {MAX_CALLBACK_DATA_LENGTH}")
    return data


def window_open(ctx: Context, phone_number_id: str, wa_id: str) -> bool:
    """Whether the customer wrote to this number within the last 24 hours."""
    last = ctx.store.last_inbound(phone_number_id, wa_id)
    return last is not None and ctx.now - last < SERVICE_WINDOW_SECONDS


def _queue_outcome(
    ctx: Context, number: SimNumber, sent: dict[str, Any], *, async_error: dict[str, Any] | None
) -> None:
    # Meta accepts these sends and only fails them in the status webhook.
    delays = ctx.config.status_delays
    if ctx.store.get("undeliverable", sent["to"]) is not None:
        error: dict[str, Any] | None = webhooks.UNDELIVERABLE_ERROR
    elif async_error is not None:
        error = async_error
    elif sent["type"] != "template" and not window_open(ctx, number.phone_number_id, sent["to"]):
        error = webhooks.RE_ENGAGEMENT_ERROR
    else:
        error = None
    if error is None:
        webhooks.queue_delivery_statuses(ctx.store, number, sent, now=ctx.now, delays=delays)
    else:
        webhooks.queue_failed_status(ctx.store, number, sent, now=ctx.now, delay=delays[0], error=error)
