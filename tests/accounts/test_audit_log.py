"""Settings → Audit log: newest first, paginated, searchable, exported as CSV that spreadsheets can't run."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import AuditEntry
from accounts.services import ensure_user
from accounts.services.audit import record_audit, record_audits
from accounts.views.audit_log import PAGE_SIZE

from ..conftest import WABA_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(phone):
    return ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def _written_days_ago(entry: AuditEntry, days: int) -> None:
    # The model refuses updates (append-only), so a test back-dates its entry in SQL.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEntry._meta.db_table} SET at = %s WHERE id = %s",
                       [timezone.now() - timedelta(days=days), entry.pk])


@pytest.fixture
def entries(administrator, operator, phone, account):
    old = record_audit(actor=operator, action="message.send", obj=phone, details={"message_id": 7})
    _written_days_ago(old, 40)
    return {
        "old": old,
        "grant": record_audit(actor=administrator, action="phone_number.operator_granted", obj=phone,
                              details={"users": ["olivia"]}),
        "system": record_audit(actor=None, action="template.status", obj=account, reason="Meta approved it"),
    }


def _shown(response, entries) -> list[int]:
    """The fixture's entries on the page, in its order (setting up the users wrote entries too)."""
    mine = {entry.pk for entry in entries.values()}
    return [entry.pk for entry in response.context["entries"] if entry.pk in mine]


def test_it_lists_every_entry_newest_first(admin_client, entries):
    response = admin_client.get(reverse("settings:audit-log"))

    assert response.status_code == 200
    assert _shown(response, entries) == [entries["system"].pk, entries["grant"].pk, entries["old"].pk]
    assert "phone_number.operator_granted" in response.text and "Meta approved it" in response.text
    assert "users:</span> olivia" in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"person": "OLIV"}, ["old"]),
        ({"person": "system"}, ["system"]),
        ({"action": "operator_"}, ["grant"]),
        ({"object": "olivia"}, ["grant"]),  # named in the details
        ({"object": WABA_ID}, ["system"]),  # the account's label
        ({"since": "{today}"}, ["system", "grant"]),
        ({"until": "{ten_days_ago}"}, ["old"]),
        ({"since": "{ten_days_ago}", "until": "{today}", "person": "ada"}, ["grant"]),
    ],
)
def test_it_searches_by_person_action_object_and_dates(admin_client, entries, query, expected):
    today = timezone.localdate()
    days = {"today": today.isoformat(), "ten_days_ago": (today - timedelta(days=10)).isoformat()}

    response = admin_client.get(reverse("settings:audit-log"), {k: v.format(**days) for k, v in query.items()})

    assert _shown(response, entries) == [entries[name].pk for name in expected]


def test_a_bad_date_range_is_an_error_on_its_field(admin_client, entries):
    response = admin_client.get(reverse("settings:audit-log"), {"since": "2026-12-01", "until": "2026-11-01"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"until": ["The end of the range is before its start."]}
    page = response.content.decode()
    assert "Fix the dates above to see the entries." in page
    assert "Nothing audited yet." not in page and '<table class="list audit">' not in page
    assert admin_client.get(reverse("settings:audit-log"), {"since": "soon"}).status_code == 400


def test_empty_details_are_left_out_but_false_and_zero_are_kept(admin_client, administrator, phone):
    record_audit(actor=administrator, action="phone_numbers.sync", obj=phone,
                 details={"error_code": 190, "error_subcode": None, "skipped": [], "note": "", "retried": False,
                          "left": 0})

    page = admin_client.get(reverse("settings:audit-log"), {"action": "phone_numbers.sync"}).content.decode()

    assert '<span class="hint">error_code:</span> 190' in page
    assert '<span class="hint">retried:</span> False' in page and '<span class="hint">left:</span> 0' in page
    assert "error_subcode" not in page and "skipped:" not in page and "note:" not in page


def test_it_pages_through_the_log_keeping_the_search(admin_client, administrator, phone):
    record_audits(actor=administrator, action="test.bulk", objects=[(phone, phone.account_id)] * (PAGE_SIZE + 1))

    first = admin_client.get(reverse("settings:audit-log"), {"action": "bulk"})
    second = admin_client.get(reverse("settings:audit-log"), {"action": "bulk", "page": 2})

    assert len(first.context["entries"]) == PAGE_SIZE and 'href="?action=bulk&amp;page=2">Older' in first.text
    assert len(second.context["entries"]) == 1 and "Newer" in second.text and "Older" not in second.text


def test_the_csv_export_has_the_same_filters_and_cannot_run_formulas(admin_client, administrator, phone):
    record_audit(actor=administrator, action="user.added", obj=phone, reason="=HYPERLINK(\"http://evil\")")
    record_audit(actor=administrator, action="user.added", obj=phone, reason="+1 caller", details={"n": -1})
    record_audit(actor=administrator, action="template.delete", obj=phone)

    response = admin_client.get(reverse("settings:audit-log-csv"), {"action": "user.added"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["when", "person", "action", "object type", "object id", "object", "account id", "details",
                       "reason"]
    assert [row[2] for row in rows[1:]] == ["user.added", "user.added"]
    assert rows[1][8] == "'+1 caller" and rows[1][7] == '{"n": -1}'
    assert rows[2][8] == "'=HYPERLINK(\"http://evil\")"
    assert rows[1][3:6] == ["accounts.phonenumber", str(phone.pk), f"'{phone}"]  # "+1555…" would be a formula too
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_page_offers_the_export_of_what_is_searched(admin_client, entries):
    page = admin_client.get(reverse("settings:audit-log"), {"person": "ada"}).text
    assert 'href="/settings/audit/export.csv?person=ada"' in page


def test_nothing_on_the_page_edits_or_deletes_an_entry(admin_client, entries):
    page = admin_client.get(reverse("settings:audit-log")).text
    assert "<form method=\"post\"" not in page.split('class="settings-body"')[1]
