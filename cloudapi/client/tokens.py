"""Token checks and the WABA itself (docs/cloudapi.md §10): ``debug_token`` and ``GET /{waba-id}``."""

from __future__ import annotations

from ._transport import _Transport, segment
from .results import BusinessAccountInfo, TokenInfo

WABA_FIELDS = ("id", "name", "timezone_id", "message_template_namespace", "owner_business_info")


class TokensMixin(_Transport):
    """``/debug_token`` and ``/{waba-id}``."""

    def debug_token(self, *, app_id: str, app_secret: str, input_token: str | None = None) -> TokenInfo:
        """What Meta knows about ``input_token`` (default: this client's own): validity, expiry, scopes and
        the WABAs they are granted on. Asked with the app token ``{app_id}|{app_secret}``, sent as the
        bearer token so the secret stays out of the URL (Meta wants ``input_token`` in the query)."""
        if not app_id or not app_secret:
            raise ValueError("debug_token needs the app id and the app secret")
        params = {"input_token": input_token or self._token}
        data = self._request("GET", "/debug_token", params=params, token=f"{app_id}|{app_secret}")
        return TokenInfo.from_graph(data)

    def get_business_account(self, *, waba_id: str) -> BusinessAccountInfo:
        """The WABA's name, time zone and template namespace, and the business portfolio owning it."""
        data = self._request("GET", f"/{segment(waba_id)}", params={"fields": ",".join(WABA_FIELDS)})
        return BusinessAccountInfo.from_graph(data)
