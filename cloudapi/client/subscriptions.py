"""Subscribed apps (docs/cloudapi.md §5): which Meta apps get this WABA's webhooks."""

from __future__ import annotations

from typing import Any

from ._transport import _Transport, segment
from .results import SubscribedApp, success


class SubscribedAppsMixin(_Transport):
    """``/{waba-id}/subscribed_apps``."""

    def subscribe_app(
        self, *, waba_id: str, override_callback_uri: str | None = None, verify_token: str | None = None
    ) -> bool:
        """Subscribe our app to the WABA's webhooks (optionally to another callback URL for this WABA)."""
        body: dict[str, Any] = {}
        if override_callback_uri:
            if not verify_token:
                raise ValueError("An override callback URL needs its verify token")
            body = {"override_callback_uri": override_callback_uri, "verify_token": verify_token}
        data = self._request("POST", f"/{segment(waba_id)}/subscribed_apps", json=body or None)
        return success(data, what="subscribe app")

    def list_subscribed_apps(self, *, waba_id: str) -> list[SubscribedApp]:
        """The apps that receive this WABA's webhooks."""
        items = self._paginate(f"/{segment(waba_id)}/subscribed_apps", params={})
        return [SubscribedApp.from_graph(item) for item in items]

    def unsubscribe_app(self, *, waba_id: str) -> bool:
        """Stop our app receiving this WABA's webhooks."""
        return success(self._request("DELETE", f"/{segment(waba_id)}/subscribed_apps"), what="unsubscribe app")
