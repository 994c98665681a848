"""WhatsApp Flows (docs/cloudapi.md §8): create, upload the JSON, read, publish, deprecate, delete,
and the business public key the Flows data endpoint encrypts with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import ServerError
from ._transport import _Transport, segment
from .results import BusinessPublicKey, FlowInfo, FlowValidationError, required_text, success, validation_errors

FLOW_FIELDS = (
    "id",
    "name",
    "categories",
    "preview",
    "status",
    "validation_errors",
    "json_version",
    "data_api_version",
    "data_channel_uri",
    "health_status",
    "whatsapp_business_account",
    "application",
    "updated_at",
)
FLOW_LIST_FIELDS = ("id", "name", "categories", "status", "validation_errors")
# What the console's flow list shows, read in the same paged call.
FLOW_SYNC_FIELDS = (*FLOW_LIST_FIELDS, "json_version", "data_api_version", "data_channel_uri", "updated_at")


class FlowsMixin(_Transport):
    """``/{waba-id}/flows``, ``/{flow-id}[/assets|publish|deprecate]`` and the number's
    ``/whatsapp_business_encryption``."""

    def list_flows(self, *, waba_id: str, fields: Sequence[str] = FLOW_LIST_FIELDS) -> list[FlowInfo]:
        """Every flow of a WABA (all pages)."""
        items = self._paginate(f"/{segment(waba_id)}/flows", params={"fields": ",".join(fields)})
        return [FlowInfo.from_graph(item) for item in items]

    def create_flow(
        self,
        *,
        waba_id: str,
        name: str,
        categories: Sequence[str],
        endpoint_uri: str | None = None,
        clone_flow_id: str | None = None,
    ) -> str:
        """Create a DRAFT flow (or clone ``clone_flow_id``); returns the flow id. Names are unique per WABA."""
        body: dict[str, Any] = {"name": name, "categories": list(categories)}
        if endpoint_uri:
            body["endpoint_uri"] = endpoint_uri
        if clone_flow_id:
            body["clone_flow_id"] = clone_flow_id
        data = self._request("POST", f"/{segment(waba_id)}/flows", json=body)
        return required_text(data, "id", what="flow creation")

    def upload_flow_json(self, *, flow_id: str, flow_json: str) -> list[FlowValidationError]:
        """Replace a draft flow's JSON with exactly ``flow_json`` (text, UTF-8); returns Meta's
        validation errors (empty = valid).

        The text is sent byte for byte as given: Meta's ``line_start``/``column_start`` point into
        these bytes, so re-serialising it would move every error away from what the user edited.
        """
        if not isinstance(flow_json, str):
            raise TypeError("upload_flow_json takes the Flow JSON as text, exactly as it is to be uploaded")
        data = self._request(
            "POST",
            f"/{segment(flow_id)}/assets",
            data={"name": "flow.json", "asset_type": "FLOW_JSON"},
            files={"file": ("flow.json", flow_json.encode("utf-8"), "application/json")},
        )
        errors = list(validation_errors(data))
        if not errors and data.get("success") is not True:
            message = "The flow JSON upload answer neither confirmed it nor listed errors"
            raise ServerError(message=message, retryable=False)
        return errors

    def get_flow(self, *, flow_id: str, fields: Sequence[str] = FLOW_FIELDS) -> FlowInfo:
        """A flow's status, validation errors, preview link and health (can it be sent?)."""
        data = self._request("GET", f"/{segment(flow_id)}", params={"fields": ",".join(fields)})
        return FlowInfo.from_graph(data)

    def update_flow(
        self, *, flow_id: str, name: str | None = None, categories: Sequence[str] | None = None,
        endpoint_uri: str | None = None,
    ) -> bool:
        """Change a flow's name, categories or endpoint (only what is given; ``""`` clears the endpoint)."""
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if categories is not None:
            body["categories"] = list(categories)
        if endpoint_uri is not None:
            body["endpoint_uri"] = endpoint_uri
        return success(self._request("POST", f"/{segment(flow_id)}", json=body), what="flow update")

    def get_flow_preview(self, *, flow_id: str, invalidate: bool = False) -> FlowInfo:
        """The flow's web preview link (``preview.preview_url``, ``expires_at``); ``invalidate`` asks
        Meta for a new link, the old one stops working."""
        fields = f"id,preview.invalidate({'true' if invalidate else 'false'})"
        return FlowInfo.from_graph(self._request("GET", f"/{segment(flow_id)}", params={"fields": fields}))

    def get_flow_health(self, *, flow_id: str, phone_number_id: str) -> FlowInfo:
        """Whether the flow can be sent from this number: ``health_status`` with one entity each for
        the flow, the WABA, the business and the app, and Meta's errors and suggested fixes."""
        fields = f"id,status,health_status.phone_number({segment(phone_number_id)})"
        return FlowInfo.from_graph(self._request("GET", f"/{segment(flow_id)}", params={"fields": fields}))

    def publish_flow(self, *, flow_id: str) -> bool:
        """DRAFT → PUBLISHED (the JSON must be valid); published flows can be sent."""
        return success(self._request("POST", f"/{segment(flow_id)}/publish"), what="flow publish")

    def deprecate_flow(self, *, flow_id: str) -> bool:
        """PUBLISHED → DEPRECATED, for good: it can no longer be sent or opened."""
        return success(self._request("POST", f"/{segment(flow_id)}/deprecate"), what="flow deprecate")

    def delete_flow(self, *, flow_id: str) -> bool:
        """Delete a flow; Meta allows it only while it is a DRAFT."""
        return success(self._request("DELETE", f"/{segment(flow_id)}"), what="flow delete")

    def set_business_public_key(self, *, phone_number_id: str, pem: str) -> bool:
        """Give Meta the 2048-bit RSA public key (PEM) of our Flows data endpoint, for this number.

        Sent form-encoded, as Meta documents; repeat after re-registering the number.
        """
        data = self._request(
            "POST",
            f"/{segment(phone_number_id)}/whatsapp_business_encryption",
            data={"business_public_key": pem},
        )
        return success(data, what="business public key")

    def get_business_public_key(self, *, phone_number_id: str) -> BusinessPublicKey:
        """The key Meta holds for this number and its signature status (``VALID`` / ``MISMATCH``)."""
        data = self._request("GET", f"/{segment(phone_number_id)}/whatsapp_business_encryption")
        return BusinessPublicKey.from_graph(data)
