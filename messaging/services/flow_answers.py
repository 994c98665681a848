"""What customers answered in a flow, in people's words: the fields with the labels the Flow JSON gives
them, the token's state when the answer arrived, and the per-flow table with its CSV export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from accounts import csv_export

from ..models import Flow, FlowJsonVersion, FlowResponse, FlowToken, Message

_LABELS_CACHE_ATTR = "_switchboard_field_labels"


def field_labels(flow: Flow | None) -> dict[str, str]:
    """``{field name: label}`` from the flow's latest uploaded Flow JSON: every component with a ``name``
    and a text ``label``. Empty when there is no flow, no upload, or the JSON does not parse."""
    if flow is None:
        return {}
    cached = getattr(flow, _LABELS_CACHE_ATTR, None)
    if cached is not None:
        return cached
    version = FlowJsonVersion.objects.filter(flow=flow).only("text").first()
    labels: dict[str, str] = {}
    if version is not None:
        try:
            _collect_labels(json.loads(version.text), labels)
        except (ValueError, RecursionError):
            labels = {}
    setattr(flow, _LABELS_CACHE_ATTR, labels)
    return labels


def _collect_labels(node: Any, labels: dict[str, str]) -> None:
    if isinstance(node, dict):
        name, label = node.get("name"), node.get("label")
        if isinstance(name, str) and isinstance(label, str) and label.strip() and name not in labels:
            labels[name] = label.strip()
        for value in node.values():
            _collect_labels(value, labels)
    elif isinstance(node, list):
        for value in node:
            _collect_labels(value, labels)


def labelled_fields(response: FlowResponse) -> list[tuple[str, str]]:
    """``(label or raw name, value as text)`` for each submitted field, the token left out."""
    labels = field_labels(response.flow)
    return [(labels.get(key, key), value_text(value)) for key, value in response.fields]


def value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
        return ", ".join(str(item) for item in value)
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False)


def token_for_reply(*, message: Message, token: str) -> tuple[FlowToken | None, str]:
    """The row of the reply's ``token`` and its state on arrival. A token of another account's number
    is as good as unknown (no link across businesses); an expired one is still linked, and marked."""
    state = FlowResponse.TokenState
    row = None
    if token:
        row = (FlowToken.objects.select_related("flow", "phone_number")
               .filter(token=token, phone_number__account_id=message.conversation.phone_number.account_id).first())
    if row is None:
        return None, state.UNKNOWN
    if row.expires_at <= timezone.now():
        return row, state.EXPIRED
    return row, state.VALID


# The responses table ------------------------------------------------------------------------------

CSV_HEADER = ("received", "contact name", "contact number", "token state", "flow token")


def responses_of(flow: Flow, *, since=None, until=None, contact: str = "", token_state: str = ""):
    """The flow's responses, newest first, filtered by day (inclusive), contact (name or number) and state."""
    rows = FlowResponse.objects.filter(flow=flow).select_related("contact", "message__conversation", "flow")
    if since:
        rows = rows.filter(created_at__date__gte=since)
    if until:
        rows = rows.filter(created_at__date__lte=until)
    contact = contact.strip()
    if contact:
        digits = "".join(ch for ch in contact if ch.isdigit())
        rows = rows.filter(contact__name__icontains=contact) | (
            rows.filter(contact__wa_id__contains=digits) if digits else rows.none()
        )
    if token_state:
        rows = rows.filter(token_state=token_state)
    return rows.order_by("-created_at", "-id")


def field_columns(flow: Flow, responses) -> list[tuple[str, str]]:
    """``(name, label)`` of every field any of ``responses`` has, in order of first appearance."""
    labels = field_labels(flow)
    names: dict[str, None] = {}
    for response in responses:
        for key, _value in response.fields:
            names.setdefault(key, None)
    return [(name, labels.get(name, name)) for name in names]


def csv_lines(flow: Flow, responses) -> Iterator[str]:
    """The export, line by line: fixed columns, then one per field (by its label)."""
    responses = list(responses)
    columns = field_columns(flow, responses)
    header = (*CSV_HEADER, *(label for _name, label in columns))
    return csv_export.csv_lines(header, (_row(response, columns) for response in responses))


def _row(response: FlowResponse, columns: list[tuple[str, str]]) -> list:
    data = dict(response.fields)
    return [
        timezone.localtime(response.created_at).isoformat(),
        response.contact.name,
        response.contact.wa_id,
        response.get_token_state_display(),
        response.flow_token,
        *(value_text(data[name]) if name in data else "" for name, _label in columns),
    ]
