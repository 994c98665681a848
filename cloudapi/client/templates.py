"""Message templates (docs/cloudapi.md §3): list with cursor paging, get, create, edit, delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._transport import _Transport, segment
from .results import TemplateCreated, TemplateInfo, success

TEMPLATE_FIELDS = (
    "id",
    "name",
    "language",
    "status",
    "category",
    "sub_category",
    "components",
    "parameter_format",
    "previous_category",
    "rejected_reason",
    "quality_score",
)


class TemplatesMixin(_Transport):
    """``/{waba-id}/message_templates`` and ``/{template-id}``."""

    def list_templates(
        self,
        *,
        waba_id: str,
        fields: Sequence[str] = TEMPLATE_FIELDS,
        limit: int = 100,
        status: str | None = None,
        name: str | None = None,
    ) -> list[TemplateInfo]:
        """Every template of a WABA (all pages), optionally only one ``status`` or ``name``."""
        params = {"fields": ",".join(fields), "limit": limit, "status": status, "name": name}
        items = self._paginate(f"/{segment(waba_id)}/message_templates", params=params)
        return [TemplateInfo.from_graph(item) for item in items]

    def get_template(self, *, template_id: str, fields: Sequence[str] = TEMPLATE_FIELDS) -> TemplateInfo:
        """One template by its id."""
        data = self._request("GET", f"/{segment(template_id)}", params={"fields": ",".join(fields)})
        return TemplateInfo.from_graph(data)

    def create_template(
        self,
        *,
        waba_id: str,
        name: str,
        language: str,
        category: str,
        components: list[dict[str, Any]],
        parameter_format: str | None = None,
        message_send_ttl_seconds: int | None = None,
    ) -> TemplateCreated:
        """Submit a template for review; Meta answers with its id and first status."""
        body: dict[str, Any] = {"name": name, "language": language, "category": category}
        if parameter_format:
            body["parameter_format"] = parameter_format
        body["components"] = list(components)
        if message_send_ttl_seconds is not None:
            body["message_send_ttl_seconds"] = message_send_ttl_seconds
        data = self._request("POST", f"/{segment(waba_id)}/message_templates", json=body)
        return TemplateCreated.from_graph(data)

    def edit_template(
        self,
        *,
        template_id: str,
        components: list[dict[str, Any]] | None = None,
        category: str | None = None,
        message_send_ttl_seconds: int | None = None,
    ) -> bool:
        """Edit a template (``components`` replace the whole set); True when Meta confirms."""
        body: dict[str, Any] = {}
        if components is not None:
            body["components"] = list(components)
        if category is not None:
            body["category"] = category
        if message_send_ttl_seconds is not None:
            body["message_send_ttl_seconds"] = message_send_ttl_seconds
        if not body:
            raise ValueError("Nothing to edit: give components, category or message_send_ttl_seconds")
        return success(self._request("POST", f"/{segment(template_id)}", json=body), what="template edit")

    def delete_template(self, *, waba_id: str, name: str, hsm_id: str | None = None) -> bool:
        """Delete a template: every language of ``name``, or only the one whose id is ``hsm_id``."""
        if not name:
            raise ValueError("A template name is required")
        params = {"name": name, **({"hsm_id": hsm_id} if hsm_id else {})}
        data = self._request("DELETE", f"/{segment(waba_id)}/message_templates", params=params)
        return success(data, what="template delete")
