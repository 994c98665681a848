"""Business phone numbers (docs/cloudapi.md §7): read, verify ownership, register on Cloud API."""

from __future__ import annotations

from collections.abc import Sequence

from ._transport import _Transport, segment, version_at_least
from .results import PhoneNumberInfo, success

# The portfolio's messaging limit; Graph serves it from v24.0 (older versions: 100 "nonexisting field").
MESSAGING_LIMIT_FIELD = "whatsapp_business_manager_messaging_limit"
MESSAGING_LIMIT_SINCE = 24

PHONE_NUMBER_FIELDS = (
    "id",
    "display_phone_number",
    "verified_name",
    "quality_rating",
    "code_verification_status",
    "name_status",
    "new_name_status",
    "platform_type",
    "throughput",
    "status",
    "account_mode",
    "messaging_limit_tier",  # deprecated; read when the new field is absent
    "is_official_business_account",
    "is_pin_enabled",
    "last_onboarded_time",
)


class PhoneNumbersMixin(_Transport):
    """``/{waba-id}/phone_numbers`` and ``/{phone-number-id}[/request_code|verify_code|register|deregister]``."""

    def list_phone_numbers(
        self, *, waba_id: str, fields: Sequence[str] | None = None, limit: int = 100
    ) -> list[PhoneNumberInfo]:
        """Every phone number of a WABA, following ``paging`` through all pages."""
        params = {"fields": ",".join(fields or self._phone_number_fields()), "limit": limit}
        items = self._paginate(f"/{segment(waba_id)}/phone_numbers", params=params)
        return [PhoneNumberInfo.from_graph(item) for item in items]

    def get_phone_number(self, *, phone_number_id: str, fields: Sequence[str] | None = None) -> PhoneNumberInfo:
        """One phone number: name, quality, verification, throughput, messaging limit."""
        params = {"fields": ",".join(fields or self._phone_number_fields())}
        data = self._request("GET", f"/{segment(phone_number_id)}", params=params)
        return PhoneNumberInfo.from_graph(data)

    def _phone_number_fields(self) -> tuple[str, ...]:
        # Asking an older version for the new limit field is an error, so only v24+ asks for it.
        if version_at_least(self._version, MESSAGING_LIMIT_SINCE):
            return (*PHONE_NUMBER_FIELDS, MESSAGING_LIMIT_FIELD)
        return PHONE_NUMBER_FIELDS

    def request_code(self, *, phone_number_id: str, code_method: str, language: str) -> bool:
        """Ask Meta to send an ownership code by ``SMS`` or ``VOICE`` in ``language`` (e.g. ``en_US``)."""
        body = {"code_method": code_method, "language": language}
        data = self._request("POST", f"/{segment(phone_number_id)}/request_code", json=body)
        return success(data, what="request_code")

    def verify_code(self, *, phone_number_id: str, code: str) -> bool:
        """Confirm ownership with the code the number received."""
        data = self._request("POST", f"/{segment(phone_number_id)}/verify_code", json={"code": code})
        return success(data, what="verify_code")

    def register(self, *, phone_number_id: str, pin: str) -> bool:
        """Register the number on Cloud API with its 6-digit two-step PIN (sets it if none).

        Meta allows 10 register calls per number per rolling 72 h, and 10 deregister calls apart;
        the 11th answers 133016 and locks the number for 72 h.
        """
        body = {"messaging_product": "whatsapp", "pin": pin}
        data = self._request("POST", f"/{segment(phone_number_id)}/register", json=body)
        return success(data, what="register")

    def deregister(self, *, phone_number_id: str) -> bool:
        """Take the number off Cloud API (it stops sending and receiving); 10 per 72 h, as for register."""
        data = self._request("POST", f"/{segment(phone_number_id)}/deregister")
        return success(data, what="deregister")

    def set_two_step_pin(self, *, phone_number_id: str, pin: str) -> bool:
        """Set or change the number's 6-digit two-step verification PIN (it cannot be turned off here)."""
        data = self._request("POST", f"/{segment(phone_number_id)}", json={"pin": pin})
        return success(data, what="two-step PIN")
