"""Reading the audit trail: the search the Settings page and its CSV export share, and the export's rows.

The trail is append-only (``AuditEntry`` refuses updates and deletes); nothing here writes.
"""

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import csv_export
from .models import AuditEntry

CSV_HEADER = ("when", "person", "action", "object type", "object id", "object", "account id", "details", "reason")


class AuditSearchForm(forms.Form):
    """The log's filters (all optional): a bad date is an error on its field, never a crash."""

    person = forms.CharField(required=False, max_length=150, label="Person",
                             help_text="Username, name or e-mail; “system” for what nobody did by hand.")
    action = forms.CharField(required=False, max_length=64, label="Action", help_text="e.g. user.added, template.")
    object = forms.CharField(required=False, max_length=255, label="Object", help_text="Its name or id.")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end of the range is before its start.")
        return data


def search_audit_entries(filters: dict) -> QuerySet[AuditEntry]:
    """Entries matching ``filters`` (an :class:`AuditSearchForm`'s cleaned data), newest first.

    Text filters match a part, in any case; the dates are days in the console's time zone, both
    included.
    """
    entries = AuditEntry.objects.select_related("account").order_by("-at", "-id")
    person = (filters.get("person") or "").strip()
    if person.lower() == "system":
        entries = entries.filter(actor_username="")
    elif person:
        entries = entries.filter(
            Q(actor_username__icontains=person) | Q(actor__first_name__icontains=person)
            | Q(actor__last_name__icontains=person) | Q(actor__email__icontains=person)
        )
    action = (filters.get("action") or "").strip()
    if action:
        entries = entries.filter(action__icontains=action)
    obj = (filters.get("object") or "").strip()
    if obj:
        # The details name what an entry touched beside its object (the users a number was granted to).
        entries = entries.filter(
            Q(object_label__icontains=obj) | Q(object_pk=obj) | Q(object_model__iexact=obj)
            | Q(details__icontains=obj)
        )
    if filters.get("since"):
        entries = entries.filter(at__gte=_start_of(filters["since"]))
    if filters.get("until"):
        entries = entries.filter(at__lt=_start_of(filters["until"] + timedelta(days=1)))
    return entries


def detail_lines(details: dict) -> list[tuple[str, str]]:
    """An entry's details as (name, text) lines for the page: lists joined, anything nested as JSON.
    Empty values (None, "", [], {}) say nothing and are left out; False and 0 are kept. The CSV
    export keeps every value."""
    lines = []
    for key, value in (details or {}).items():
        if value is None or value in ("", [], {}):
            continue
        if isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
            text = ", ".join(str(item) for item in value)
        elif isinstance(value, (dict, list)):
            text = json.dumps(value, sort_keys=True, ensure_ascii=False)
        else:
            text = str(value)
        lines.append((str(key), text))
    return lines


def csv_lines(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    """The export, line by line (for a streaming response): a header, then one line per entry."""
    return csv_export.csv_lines(CSV_HEADER, (_row(entry) for entry in entries.iterator(chunk_size=2000)))


def _row(entry: AuditEntry) -> list[str]:
    return [
        timezone.localtime(entry.at).isoformat(),
        entry.actor_username or "system",
        entry.action,
        f"{entry.object_app}.{entry.object_model}" if entry.object_model else "",
        entry.object_pk,
        entry.object_label,
        str(entry.account_id or ""),
        json.dumps(entry.details, sort_keys=True, ensure_ascii=False) if entry.details else "",
        entry.reason,
    ]


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))

