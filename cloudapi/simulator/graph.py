"""The Graph endpoints' behaviour: validate like Meta, remember what was accepted, answer in Meta's shapes.

Every function here takes the state and an already-parsed request and returns, or raises,
what the HTTP layer should answer; nothing here knows about sockets or WSGI.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from . import webhooks
from .config import SimNumber
from .state import Store

Response = tuple[int, dict[str, Any]]

VERSION_RE = re.compile(r"^v\d+\.\d+$")
SERVICE_WINDOW_SECONDS = 24 * 60 * 60
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_LENGTH = 512
# Types we accept on send; for all but text, only "the object named by the type is there" is checked.
SEND_TYPES = frozenset(
    {"text", "image", "video", "audio", "document", "sticker", "location", "contacts", "reaction",
     "interactive", "template"}
)
_TO_PUNCTUATION_RE = re.compile(r"[+\-\s()]")
_WA_ID_RE = re.compile(r"^\d{7,15}$")
_GRAPH_DOCS = "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"


class GraphError(Exception):
    """A Graph error answer: HTTP status plus the ``{"error": {...}}`` envelope."""

    def __init__(self, http_status: int, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", ""))
        self.http_status = http_status
        self.error = error

    @property
    def response(self) -> Response:
        """The (status, body) pair to send back."""
        return self.http_status, {"error": self.error}


def fbtrace_id() -> str:
    """A random trace id shaped like Meta's (e.g. ``AbJuG-rMVv36mjw-r78mKwg``)."""
    return "A" + secrets.token_urlsafe(16)[:22]


def invalid_parameter(details: str, *, code: int = 100, message: str = "(#100) Invalid parameter") -> GraphError:
    """Meta's 400 for a bad parameter, with ``error_data.details`` saying which."""
    return GraphError(
        400,
        {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": fbtrace_id(),
        },
    )


def missing_parameter(param: str) -> GraphError:
    """Meta's 131008 for a required parameter that is absent or empty."""
    return invalid_parameter(
        f"{param} is required", code=131008, message="(#131008) Required parameter is missing"
    )


def invalid_token() -> GraphError:
    """The bare 190 Graph answers for a missing or unparseable token."""
    return GraphError(
        401,
        {
            "message": "Invalid OAuth access token - Cannot parse access token",
            "type": "OAuthException",
            "code": 190,
            "fbtrace_id": fbtrace_id(),
        },
    )


def unsupported_request(method: str, object_id: str) -> GraphError:
    """Graph's 100/33 for an object that does not exist, is not ours, or lacks the operation."""
    return GraphError(
        400,
        {
            "message": f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, "
            "cannot be loaded due to missing permissions, or does not support this operation. " + _GRAPH_DOCS,
            "type": "GraphMethodException",
            "code": 100,
            "error_subcode": 33,
            "fbtrace_id": fbtrace_id(),
        },
    )


# -- auth --------------------------------------------------------------------------------


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer …`` header (header names compared case-insensitively)."""
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def authenticate(numbers: Mapping[str, SimNumber], headers: Mapping[str, str]) -> str:
    """Return the request's token if it belongs to any number; otherwise raise the 401/190.

    Graph parses the token before it looks at the path, so a garbage token is a 190 whatever
    the object; a valid token for someone else's object is a 100/33 (see ``resolve_number``).
    """
    token = bearer_token(headers)
    if token is None or not any(secrets.compare_digest(token, n.access_token) for n in numbers.values()):
        raise invalid_token()
    return token


def resolve_number(numbers: Mapping[str, SimNumber], object_id: str, token: str, method: str) -> SimNumber:
    """The number addressed by the path, if the token may act for it; else Graph's 100/33."""
    number = numbers.get(object_id)
    if number is None or not secrets.compare_digest(token, number.access_token):
        raise unsupported_request(method, object_id)
    return number


# -- POST /{phone-number-id}/messages -----------------------------------------------------


def post_messages(
    store: Store, number: SimNumber, payload: Any, *, now: float, delays: tuple[float, float, float]
) -> Response:
    """Send a message or mark one as read, as ``POST /{phone-number-id}/messages`` does."""
    try:
        _check_messaging_product(payload)
        if "status" in payload:
            return _mark_read(store, number, payload)
        return _send(store, number, payload, now=now, delays=delays)
    except GraphError as error:
        return error.response


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


def _mark_read(store: Store, number: SimNumber, payload: dict[str, Any]) -> Response:
    if payload["status"] != "read":
        raise invalid_parameter("Invalid parameter: status")
    message_id = payload.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise missing_parameter("message_id")
    indicator = payload.get("typing_indicator")
    if indicator is not None and indicator != {"type": "text"}:
        raise invalid_parameter("Invalid parameter: typing_indicator")
    if not store.has_inbound(number.phone_number_id, message_id):
        raise invalid_parameter("Invalid message_id")
    return 200, {"success": True}


def _send(
    store: Store, number: SimNumber, payload: dict[str, Any], *, now: float, delays: tuple[float, float, float]
) -> Response:
    recipient_type = payload.get("recipient_type", "individual")
    if recipient_type != "individual":
        raise invalid_parameter("Invalid parameter: recipient_type")
    to = payload.get("to")
    wa_id = _normalise_to(to)
    message_type = payload.get("type", "text")
    if not isinstance(message_type, str) or message_type not in SEND_TYPES:
        raise invalid_parameter("Invalid parameter: type")
    _check_content(message_type, payload)
    _check_context(payload.get("context"))
    callback_data = _callback_data(payload)

    wamid = webhooks.new_wamid(wa_id)
    store.add_sent(
        wamid=wamid,
        phone_number_id=number.phone_number_id,
        to_wa_id=wa_id,
        type=message_type,
        body=payload,
        biz_opaque_callback_data=callback_data,
        created=now,
    )
    sent = {"wamid": wamid, "to": wa_id, "type": message_type, "biz_opaque_callback_data": callback_data}
    _queue_outcome(store, number, sent, now=now, delays=delays)
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


def _check_content(message_type: str, payload: dict[str, Any]) -> None:
    content = payload.get(message_type)
    if message_type == "text":
        _check_text(content)
        return
    if content is None:
        raise missing_parameter(message_type)
    # contacts is the one type whose object is an array (CLOUDAPI.md §1).
    expected = list if message_type == "contacts" else dict
    if not isinstance(content, expected) or not content:
        raise invalid_parameter(f"Invalid parameter: {message_type}")
    if message_type == "contacts" and not all(isinstance(item, dict) for item in content):
        raise invalid_parameter("Invalid parameter: contacts")


def _check_text(text: Any) -> None:
    if text is not None and not isinstance(text, dict):
        raise invalid_parameter("Invalid parameter: text")
    body = (text or {}).get("body")
    if body is None or body == "":
        raise missing_parameter("text['body']")
    if not isinstance(body, str):
        raise invalid_parameter("Invalid parameter: text['body']")
    if len(body) > MAX_TEXT_LENGTH:
        raise invalid_parameter(f"Message text is too long; max {MAX_TEXT_LENGTH}")
    if "preview_url" in text and not isinstance(text["preview_url"], bool):
        raise invalid_parameter("Invalid parameter: text['preview_url']")


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


def window_open(store: Store, phone_number_id: str, wa_id: str, *, now: float) -> bool:
    """Whether the customer wrote to this number within the last 24 hours."""
    last = store.last_inbound(phone_number_id, wa_id)
    return last is not None and now - last < SERVICE_WINDOW_SECONDS


def _queue_outcome(
    store: Store, number: SimNumber, sent: dict[str, Any], *, now: float, delays: tuple[float, float, float]
) -> None:
    # Meta accepts a free-form message outside the window and only fails it in the status webhook.
    if sent["type"] == "template" or window_open(store, number.phone_number_id, sent["to"], now=now):
        webhooks.queue_delivery_statuses(store, number, sent, now=now, delays=delays)
    else:
        webhooks.queue_failed_status(
            store, number, sent, now=now, delay=delays[0], error=webhooks.RE_ENGAGEMENT_ERROR
        )
