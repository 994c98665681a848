"""The ``flow_token_signature`` of Data API 4.0: a JWT (HS256, keyed with the app secret) over the flow token.

Checked by hand (header, HMAC-SHA256 in constant time, ``exp``/``nbf`` if present, and the ``flow_token``
claim if present), so no JWT library is needed for one algorithm.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

LEEWAY_SECONDS = 60


def flow_token_signature_ok(jwt: Any, *, app_secret: str, flow_token: str, now: float | None = None) -> bool:
    """Whether ``jwt`` is an HS256 JWT signed with ``app_secret`` that does not contradict ``flow_token``."""
    if not isinstance(jwt, str) or jwt.count(".") != 2 or not app_secret:
        return False
    head, body, signature = jwt.split(".")
    try:
        header, claims, given = _json(head), _json(body), _b64url(signature)
    except ValueError:
        return False
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        return False
    expected = hmac.new(app_secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, given):
        return False
    moment = time.time() if now is None else now
    if _number(claims.get("exp")) is not None and claims["exp"] + LEEWAY_SECONDS < moment:
        return False
    if _number(claims.get("nbf")) is not None and claims["nbf"] - LEEWAY_SECONDS > moment:
        return False
    return "flow_token" not in claims or claims["flow_token"] == flow_token


def _b64url(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64url") from exc


def _json(part: str) -> Any:
    return json.loads(_b64url(part))


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
