"""What an endpoint function works with: the state, the settings, the caller's token and the time."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..config import SimNumber, SimToken, SimulatorConfig
from ..state import Store
from .errors import expired_token, invalid_token, unsupported_request
from .limits import Limits


@dataclass
class Context:
    """One request's view of the simulator. ``token`` is the caller's (already authenticated) token."""

    store: Store
    config: SimulatorConfig
    numbers: Mapping[str, SimNumber]
    limits: Limits
    now: float
    base_url: str
    token: str = ""

    def tokens_numbers(self) -> list[SimNumber]:
        """The numbers the caller's token may act for."""
        return [n for n in self.numbers.values() if self._may_act_for(n)]

    def owns_number(self, phone_number_id: str) -> bool:
        """Whether the token may act for this phone number."""
        number = self.numbers.get(phone_number_id)
        return number is not None and self._may_act_for(number)

    def extra_token(self) -> SimToken | None:
        """The caller's token if it is one of ``config.tokens`` (not a number's own)."""
        return find_extra_token(self.config.tokens, self.token)

    def _may_act_for(self, number: SimNumber) -> bool:
        if secrets.compare_digest(self.token, number.access_token):
            return True
        extra = self.extra_token()
        return extra is not None and number.waba_id in extra.waba_ids

    def owns_waba(self, waba_id: str) -> bool:
        """Whether the token may act for this WABA (through any of its numbers)."""
        return any(n.waba_id == waba_id for n in self.tokens_numbers())

    def waba_number(self, waba_id: str) -> SimNumber:
        """A number of the WABA: management webhooks are signed with its app's secret."""
        for number in self.numbers.values():
            if number.waba_id == waba_id:
                return number
        raise LookupError(waba_id)

    def number(self, phone_number_id: str, method: str) -> SimNumber:
        """The addressed number if the token may act for it; else Graph's 100/33."""
        if not self.owns_number(phone_number_id):
            raise unsupported_request(method, phone_number_id)
        return self.numbers[phone_number_id]


def new_id() -> str:
    """A fresh numeric Graph object id (15–16 digits, like Meta's)."""
    return str(10**15 + secrets.randbelow(9 * 10**15))


def request_token(headers: Mapping[str, str], query: Mapping[str, Any]) -> str | None:
    """The token of an ``Authorization: Bearer …`` (or Graph's older ``OAuth …``) header, else ``?access_token``."""
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() in ("bearer", "oauth") and token.strip():
                return token.strip()
            return None
    token = query.get("access_token")
    return str(token) if token else None


def authenticate(numbers: Mapping[str, SimNumber], headers: Mapping[str, str], query: Mapping[str, Any],
                 tokens: Sequence[SimToken] = (), now: float = 0.0) -> str:
    """Return the request's token if it belongs to any number (or is a live extra token); otherwise
    raise the 401/190 (190/463 for an extra token past its ``expires_at``).

    Graph parses the token before it looks at the path, so a garbage token is a 190 whatever
    the object; a valid token for someone else's object is a 100/33.
    """
    token = request_token(headers, query)
    # compare_digest refuses non-ASCII text; such a token can't be one of ours anyway.
    if token is None or not token.isascii():
        raise invalid_token()
    if any(secrets.compare_digest(token, n.access_token) for n in numbers.values()):
        return token
    extra = find_extra_token(tokens, token)
    if extra is None:
        raise invalid_token()
    if extra.expired(now):
        raise expired_token(extra.expires_at, now)
    return token


def find_extra_token(tokens: Sequence[SimToken], token: str) -> SimToken | None:
    """The configured extra token equal to ``token`` (compared in constant time), or None."""
    if not token.isascii():
        return None
    return next((t for t in tokens if t.token.isascii() and secrets.compare_digest(t.token, token)), None)
