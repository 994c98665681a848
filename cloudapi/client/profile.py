"""The business profile of a number (docs/cloudapi.md §6)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._transport import _Transport, segment
from .results import BusinessProfileInfo, success

PROFILE_FIELDS = ("about", "address", "description", "email", "profile_picture_url", "websites", "vertical")


class BusinessProfileMixin(_Transport):
    """``/{phone-number-id}/whatsapp_business_profile``."""

    def get_business_profile(
        self, *, phone_number_id: str, fields: Sequence[str] = PROFILE_FIELDS
    ) -> BusinessProfileInfo:
        """The profile customers see: about, address, description, email, picture, websites, vertical."""
        path = f"/{segment(phone_number_id)}/whatsapp_business_profile"
        return BusinessProfileInfo.from_graph(self._request("GET", path, params={"fields": ",".join(fields)}))

    def update_business_profile(
        self,
        *,
        phone_number_id: str,
        about: str | None = None,
        address: str | None = None,
        description: str | None = None,
        email: str | None = None,
        websites: Sequence[str] | None = None,
        vertical: str | None = None,
        profile_picture_handle: str | None = None,
    ) -> bool:
        """Change the given fields only (``None`` = leave as is); the picture is a resumable-upload handle."""
        changes: dict[str, Any] = {
            "about": about,
            "address": address,
            "description": description,
            "email": email,
            "websites": list(websites) if websites is not None else None,
            "vertical": vertical,
            "profile_picture_handle": profile_picture_handle,
        }
        changes = {key: value for key, value in changes.items() if value is not None}
        if not changes:
            raise ValueError("Nothing to update")
        path = f"/{segment(phone_number_id)}/whatsapp_business_profile"
        data = self._request("POST", path, json={"messaging_product": "whatsapp", **changes})
        if "success" not in data and isinstance(data.get("data"), list):
            return True  # some answers echo the updated profile instead of {"success": true}
        return success(data, what="business profile update")
