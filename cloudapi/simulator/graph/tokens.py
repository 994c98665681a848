"""``GET /debug_token``: what Meta knows about an access token (docs/cloudapi.md §10).

Every number's own token is a never-expiring system-user token with both WhatsApp scopes on its
WABAs; ``SimulatorConfig.tokens`` adds others (expired, missing a scope, other targets).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from ..config import MANAGEMENT_SCOPE, MESSAGING_SCOPE, SimToken
from ..request import Request
from .context import Context, find_extra_token, request_token
from .errors import Response, expired_token, graph_error, invalid_token

_TARGETED_SCOPES = (MANAGEMENT_SCOPE, MESSAGING_SCOPE)


def debug_token(ctx: Context, request: Request) -> Response:
    """``GET /debug_token?input_token=…`` with the app token ``{app-id}|{app-secret}`` (or the token itself).

    Known tokens answer ``{"data": {app_id, type, application, expires_at, data_access_expires_at,
    is_valid, scopes, granular_scopes[{scope, target_ids}], user_id}}``; an expired one adds
    ``error{code 190, subcode 463}``; an unknown one is ``is_valid: false`` with a 190 ``error``.
    """
    caller = request_token(request.headers, request.query)
    input_token = request.query.get("input_token")
    if caller is None or not caller.isascii():
        raise invalid_token()
    if not input_token:
        raise graph_error(400, 100, "(#100) The parameter input_token is required")
    known = _known(ctx)
    if not _is_app_token(ctx, caller):
        own = _lookup(known, caller)
        if own is None or not secrets.compare_digest(caller, str(input_token)):
            raise invalid_token()
        if own.expired(ctx.now):
            raise expired_token(own.expires_at, ctx.now)
    token = _lookup(known, str(input_token))
    if token is None:
        return 200, {"data": {"error": {"code": 190, "message": "Invalid OAuth access token."}, "is_valid": False,
                              "scopes": []}}
    return 200, {"data": _describe(ctx, token)}


def _describe(ctx: Context, token: SimToken) -> dict[str, Any]:
    data: dict[str, Any] = {
        "app_id": ctx.config.app_id,
        "type": token.type,
        "application": "Switchboard (simulated app)",
        "data_access_expires_at": token.data_access_expires_at,
        "expires_at": token.expires_at,
        "is_valid": not token.expired(ctx.now),
        "scopes": list(token.scopes),
        "granular_scopes": [
            {"scope": scope, "target_ids": list(token.waba_ids)} if scope in _TARGETED_SCOPES else {"scope": scope}
            for scope in token.scopes
        ],
        # A stable system-user id per token, without revealing the token.
        "user_id": str(10**14 + int(hashlib.sha256(token.token.encode()).hexdigest(), 16) % (9 * 10**14)),
    }
    if token.expired(ctx.now):
        error = expired_token(token.expires_at, ctx.now).error
        data["error"] = {"code": 190, "message": error["message"], "subcode": 463}
    return data


def _known(ctx: Context) -> list[SimToken]:
    """The numbers' own tokens (acting for their WABAs), then the configured extra ones."""
    wabas: dict[str, list[str]] = {}
    for number in ctx.numbers.values():
        wabas.setdefault(number.access_token, [])
        if number.waba_id not in wabas[number.access_token]:
            wabas[number.access_token].append(number.waba_id)
    return [SimToken(token=token, waba_ids=tuple(ids)) for token, ids in wabas.items()] + list(ctx.config.tokens)


def _lookup(known: list[SimToken], token: str) -> SimToken | None:
    return find_extra_token(known, token)


def _is_app_token(ctx: Context, caller: str) -> bool:
    """``{app-id}|{app-secret}`` with the secret of any app the numbers belong to."""
    app_id, _, secret = caller.partition("|")
    if not secret or app_id != ctx.config.app_id:
        return False
    return any(secrets.compare_digest(secret, n.app_secret) for n in ctx.numbers.values() if n.app_secret.isascii())
