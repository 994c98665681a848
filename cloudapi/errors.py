"""One error type for everything the Graph API (or the road to it) can answer badly.

Retryable or permanent is decided here, from Meta's code, so callers never
keep their own lists (docs/cloudapi.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Codes Meta asks us to retry after a pause: rate limits, throughput, transient faults.
RETRYABLE_CODES = frozenset({1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131048, 131056, 131057})
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131048, 131056})
AUTH_CODES = frozenset({0, 190})
# 10 and 200–299: the token lacks a permission (docs/cloudapi.md §2); an administrator must grant it.
PERMISSION_CODES = frozenset({10, *range(200, 300)})
TOKEN_EXPIRED_SUBCODE = 463
OBJECT_MISSING_SUBCODE = 33
WINDOW_CLOSED_CODE = 131047
# HTTP statuses that mean "later" even when the body is not Graph JSON (a proxy answered).
_RETRY_LATER_STATUSES = frozenset({408, 429})


@dataclass
class CloudApiError(Exception):
    """A failed Graph call: Meta's error envelope, or a network problem on the way."""

    message: str
    code: int | None = None
    error_subcode: int | None = None
    details: str = ""
    fbtrace_id: str = ""
    http_status: int | None = None
    title: str = ""
    retryable: bool = False
    # True when the request may have reached Meta and been acted on although we saw no answer
    # (read timeout, reset mid-answer, a garbled answer): a retry could send a message twice.
    outcome_unknown: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        code = f"({self.code}) " if self.code is not None else ""
        return f"{code}{self.message}"

    @property
    def permanent(self) -> bool:
        return not self.retryable

    @property
    def token_expired(self) -> bool:
        """190 with subcode 463: the token was valid and has expired (renew it, don't fix it)."""
        return self.code == 190 and self.error_subcode == TOKEN_EXPIRED_SUBCODE

    @property
    def object_missing(self) -> bool:
        """100 with subcode 33: the id doesn't exist or this token may not see it (e.g. a wrong WABA id)."""
        return self.code == 100 and self.error_subcode == OBJECT_MISSING_SUBCODE

    @classmethod
    def from_envelope(cls, payload: Any, *, http_status: int | None) -> "CloudApiError":
        """Build the right error from a Graph ``{"error": {...}}`` body (or anything else)."""
        error = payload.get("error") if isinstance(payload, dict) else None
        if not isinstance(error, dict):
            # Not Graph JSON: a proxy page, a cut-off answer. Only a 4xx is surely final (but a
            # proxy's 408/429 asks us to come back); for the rest a retry is safe because a
            # status webhook carrying our UUID settles any doubt.
            return ServerError(
                message=f"Unexpected answer from the Graph API (HTTP {http_status})",
                http_status=http_status,
                retryable=http_status is None or http_status in _RETRY_LATER_STATUSES or not 400 <= http_status < 500,
                outcome_unknown=http_status is None or not 400 <= http_status < 500,
            )
        code = _int_or_none(error.get("code"))
        error_data = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
        kwargs = dict(
            message=str(error.get("message") or "Unknown Graph API error"),
            code=code,
            error_subcode=_int_or_none(error.get("error_subcode")),
            details=str(error_data.get("details") or ""),
            fbtrace_id=str(error.get("fbtrace_id") or ""),
            http_status=http_status,
            title=str(error.get("error_user_title") or ""),
            retryable=_is_retryable(code, http_status, error.get("is_transient")),
            raw=error,
        )
        return _error_class_for(code)(**kwargs)


class RateLimitedError(CloudApiError):
    """Meta throttled us (app, WABA, throughput, spam or pair rate limit)."""


class WindowClosedError(CloudApiError):
    """131047: more than 24 hours since the customer last wrote; only templates may go."""


class AuthError(CloudApiError):
    """The access token is invalid or expired; an administrator must fix it."""


class PermissionDeniedError(CloudApiError):
    """10 / 200–299: the token lacks a permission (the message and details say which scope)."""


class ServerError(CloudApiError):
    """Network failure, timeout or an answer that is not Graph JSON."""


def _error_class_for(code: int | None) -> type[CloudApiError]:
    if code in RATE_LIMIT_CODES:
        return RateLimitedError
    if code == WINDOW_CLOSED_CODE:
        return WindowClosedError
    if code in AUTH_CODES:
        return AuthError
    if code in PERMISSION_CODES:
        return PermissionDeniedError
    return CloudApiError


def _is_retryable(code: int | None, http_status: int | None, is_transient: Any) -> bool:
    if code in RETRYABLE_CODES:
        return True
    if code is None and (http_status is None or http_status >= 500):
        return True
    return bool(is_transient is True and code not in AUTH_CODES)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
