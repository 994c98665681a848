"""Graph error answers: the ``{"error": {...}}`` envelope with Meta's codes and HTTP statuses."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any

Response = tuple[int, dict[str, Any]]

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


def graph_error(
    http_status: int,
    code: int,
    message: str,
    details: str | None = None,
    *,
    subcode: int | None = None,
    user_title: str | None = None,
    user_msg: str | None = None,
    type_: str = "OAuthException",
) -> GraphError:
    """Any Graph error; ``details`` goes to ``error_data.details`` as Meta's WhatsApp errors do."""
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if user_title is not None:
        error["error_user_title"] = user_title
    if user_msg is not None:
        error["error_user_msg"] = user_msg
    error["fbtrace_id"] = fbtrace_id()
    return GraphError(http_status, error)


def invalid_parameter(details: str, *, code: int = 100, message: str = "(#100) Invalid parameter") -> GraphError:
    """Meta's 400 for a bad parameter, with ``error_data.details`` saying which."""
    return graph_error(400, code, message, details)


def missing_parameter(param: str) -> GraphError:
    """Meta's 131008 for a required parameter that is absent or empty."""
    return graph_error(400, 131008, "(#131008) Required parameter is missing", f"{param} is required")


def invalid_value(details: str) -> GraphError:
    """Meta's 131009: a parameter is present but its value breaks a rule (length, range, count…)."""
    return graph_error(400, 131009, "(#131009) Parameter value is not valid", details)


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


def expired_token(expires_at: float, now: float) -> GraphError:
    """Graph's 401 / 190 with subcode 463 for a token whose session has expired."""
    return GraphError(
        401,
        {
            "message": f"Error validating access token: Session has expired on {_graph_date(expires_at)}. "
            f"The current time is {_graph_date(now)}.",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
            "fbtrace_id": fbtrace_id(),
        },
    )


def permission_denied(scope: str) -> GraphError:
    """The 403 / 200 for a token without the permission the call needs (which one is in the details)."""
    return graph_error(403, 200, f"(#200) Requires {scope} permission to manage the object",
                       f"The access token has not been granted the {scope} permission.")


def _graph_date(seconds: float) -> str:
    # Meta writes e.g. "Tuesday, 03-Jun-25 10:00:00 PDT"; UTC keeps the simulator deterministic.
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%A, %d-%b-%y %H:%M:%S UTC")


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


def rate_limited_waba(details: str) -> GraphError:
    """80007: the WABA hit a management or template-creation rate limit."""
    return graph_error(400, 80007, "(#80007) There have been too many calls to this WhatsApp Business account. "
                       "Wait a bit and try again.", details)


def param(root: str, *path: str | int) -> str:
    """A parameter's name in Meta's style: ``param("interactive", "action", "buttons", 0)`` →
    ``interactive['action']['buttons'][0]``."""
    return root + "".join(f"[{part}]" if isinstance(part, int) else f"['{part}']" for part in path)
