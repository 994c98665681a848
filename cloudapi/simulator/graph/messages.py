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
from . import phone_numbers, portfolio, send_types
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
    hold = (checked.template or {}).get("quality_hold")
    _queue_outcome(ctx, number, sent, async_error=checked.async_error, hold=hold)
    answer: dict[str, Any] = {"id": wamid}
    if hold:
        answer["message_status"] = "held_for_quality_assessment"
    return 200, {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": wa_id}],
        "messages": [answer],
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
    ctx: Context, number: SimNumber, sent: dict[str, Any], *, async_error: dict[str, Any] | None,
    hold: str | None = None,
) -> None:
    # Meta accepts these sends and only fails them in the status webhook (docs/simulator.md "Limits").
    delays = ctx.config.status_delays
    in_window = window_open(ctx, number.phone_number_id, sent["to"])
    error = _async_failure(ctx, number, sent, async_error=async_error, hold=hold, in_window=in_window)
    if error is not None:
        webhooks.queue_failed_status(ctx.store, number, sent, now=ctx.now, delay=delays[0], error=error)
        return
    if sent["type"] == "template":
        if sent["category"] == "marketing":
            ctx.limits.count_marketing(sent["to"], now=ctx.now)
        if not in_window:
            ctx.limits.portfolio_users.add(portfolio.business_id(number), sent["to"], now=ctx.now)
    if hold == "release":
        # Held, then released: the statuses come later than usual.
        delays = tuple(delay + HOLD_SECONDS for delay in delays)  # type: ignore[assignment]
    webhooks.queue_delivery_statuses(ctx.store, number, sent, now=ctx.now, delays=delays)


# How much later than usual a held (then released) send's statuses come.
HOLD_SECONDS = 2.0


def _async_failure(ctx: Context, number: SimNumber, sent: dict[str, Any], *, async_error: dict[str, Any] | None,
                   hold: str | None, in_window: bool) -> dict[str, Any] | None:
    """The error of the one ``failed`` status an accepted send gets, or None when it is delivered."""
    to = sent["to"]
    if ctx.store.get("undeliverable", to) is not None:
        return webhooks.UNDELIVERABLE_ERROR
    if async_error is not None:
        return async_error
    if sent["type"] != "template":
        return None if in_window else webhooks.RE_ENGAGEMENT_ERROR
    if sent["category"] == "marketing":
        if ctx.store.get("marketing_optout", marketing_key(number, to)) is not None:
            return webhooks.MARKETING_OPT_OUT_ERROR
        cap = ctx.config.marketing_per_user_limit
        if ctx.store.get("marketing_limited", to) is not None or (
                cap is not None and ctx.limits.marketing_received(to, now=ctx.now) >= cap):
            return webhooks.MARKETING_LIMIT_ERROR
    if hold == "drop":
        return webhooks.PACING_DROPPED_ERROR
    if ctx.config.enforce_messaging_limit and not in_window:
        tier = portfolio.messaging_limit(ctx.store, number)
        limit = portfolio.unique_user_limit(tier)
        business = portfolio.business_id(number)
        users = ctx.limits.portfolio_users
        if limit is not None and not users.contains(business, to, now=ctx.now, window=SERVICE_WINDOW_SECONDS) \
                and users.count(business, now=ctx.now, window=SERVICE_WINDOW_SECONDS) >= limit:
            return webhooks.messaging_limit_error(tier, limit)
    return None


def marketing_key(number: SimNumber, wa_id: str) -> str:
    """A customer's marketing opt-out is per business (kept per WABA here): ``{waba_id}:{wa_id}``."""
    return f"{number.waba_id}:{wa_id}"
