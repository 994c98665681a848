"""Graph cursor paging for list endpoints (``fields=`` selection is in ``fields``)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from ..request import Request
from .errors import invalid_parameter
from .fields import parse_fields  # noqa: F401  (kept importable from here for older callers)

DEFAULT_LIMIT = 25


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"pos:{position}".encode()).decode().rstrip("=")


def _position(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        if not text.startswith("pos:"):
            raise ValueError
        return int(text[4:])
    except (ValueError, UnicodeDecodeError):
        raise invalid_parameter(f"Invalid cursor {cursor!r}") from None


def page(request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"data": [...], "paging": {"cursors": {before, after}, next?, previous?}}``, honouring ``limit``,
    ``after`` and ``before``."""
    params = request.query
    try:
        limit = int(params.get("limit", DEFAULT_LIMIT))
    except ValueError:
        raise invalid_parameter("limit must be a positive integer") from None
    if limit <= 0:
        raise invalid_parameter("limit must be a positive integer")
    if params.get("after"):
        start = _position(params["after"]) + 1
    elif params.get("before"):
        start = max(_position(params["before"]) - limit, 0)
        limit = min(limit, _position(params["before"]))
    else:
        start = 0
    chosen = items[start:start + limit]
    body: dict[str, Any] = {"data": chosen}
    if not chosen:
        return body
    end = start + len(chosen) - 1
    paging: dict[str, Any] = {"cursors": {"before": _cursor(start), "after": _cursor(end)}}
    base = f"{request.base_url}{request.path}"
    kept = {key: value for key, value in params.items() if key not in ("after", "before", "access_token")}
    if end + 1 < len(items):
        paging["next"] = f"{base}?{urlencode({**kept, 'limit': limit, 'after': _cursor(end)})}"
    if start > 0:
        paging["previous"] = f"{base}?{urlencode({**kept, 'limit': limit, 'before': _cursor(start)})}"
    body["paging"] = paging
    return body
