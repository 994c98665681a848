"""A flow's data-endpoint page: the URL for Meta, the handler and its JSON configuration."""

import json
import re

import pytest

from accounts import roles
from accounts.models import AuditEntry
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Flow

from ..conftest import user_of_another_account

pytestmark = pytest.mark.django_db
CONFIG = {"first_screen": "A", "screens": {"A": {"data": {"x": 1}, "next": "SUCCESS"}}}


@pytest.fixture
def flow(account):
    return Flow.objects.create(account=account, flow_id="700000000000001", name="Signup")


@pytest.fixture
def manager(phone):
    user = ensure_user(username="tess", password="pw-tess-123", role=roles.TEMPLATE_MANAGER)
    grant_phone_number(user=user, phone_number=phone)
    return user


def test_a_template_manager_sets_the_static_handler_and_its_screens(client, manager, flow):
    client.force_login(manager)
    page = client.get(f"/flows/{flow.pk}/endpoint/").content.decode()
    assert "http://testserver/flows/endpoint/" in page

    response = client.post(f"/flows/{flow.pk}/endpoint/", {"handler": "static", "config": json.dumps(CONFIG)})

    assert response.status_code == 302
    flow.refresh_from_db()
    assert (flow.endpoint_handler, flow.endpoint_config) == ("static", CONFIG)
    assert AuditEntry.objects.filter(action="flow.endpoint_settings", object_pk=str(flow.pk)).exists()


@pytest.mark.parametrize("handler, config, error", [
    ("static", '{"first_screen": "A",\n "screens": {', "line 2, column"),
    ("static", '{"first_screen": "B", "screens": {"A": {"next": "C"}}}', "first_screen"),
    ("static", '{"first_screen": "A", "screens": {"A": {"next": "C"}}}', "must be SUCCESS or one of the screens"),
    ("appointment_booking", '{"days_ahead": 0}', "days_ahead"),
    ("no-such-handler", "{}", "Select a valid choice"),
])
def test_bad_configurations_are_refused_with_the_reason(client, manager, flow, handler, config, error):
    client.force_login(manager)

    response = client.post(f"/flows/{flow.pk}/endpoint/", {"handler": handler, "config": config})

    assert response.status_code == 400 and error in response.content.decode()
    flow.refresh_from_db()
    assert flow.endpoint_handler == "" and flow.endpoint_config == {}


def test_another_accounts_template_manager_cannot_open_it(client, flow):
    client.force_login(user_of_another_account(username="tom", role=roles.TEMPLATE_MANAGER))
    assert client.get(f"/flows/{flow.pk}/endpoint/").status_code == 404


def test_demo_slots_are_seeded_once(account):
    from io import StringIO

    from django.core.management import call_command

    from messaging.models import AppointmentSlot

    call_command("seed_appointment_slots", days=2, stdout=StringIO())
    call_command("seed_appointment_slots", days=2, stdout=StringIO())
    assert AppointmentSlot.objects.filter(account=account).count() == 14


def _island(page: str, island_id: str) -> dict:
    opening = f'<script id="{island_id}" type="application/json">'
    start = page.index(opening) + len(opening)
    return json.loads(page[start:page.index("</script>", start)])


def test_the_page_charts_our_hourly_counts_by_code_beside_metas_alerts(client, manager, flow, phone):
    from datetime import timedelta

    from django.utils import timezone

    from messaging.models import FlowEndpointStat

    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    FlowEndpointStat.objects.create(flow=flow, phone_number=phone, hour=hour, requests=10, errors_421=2, errors_427=1,
                                    errors_432=3, errors_other=0, latency_ms_total=500, latency_ms_max=1400, slow=1)
    FlowEndpointStat.objects.create(flow=flow, phone_number=phone, hour=hour - timedelta(hours=2), requests=4,
                                    errors_other=1, latency_ms_total=40, latency_ms_max=20)
    FlowEndpointStat.objects.create(flow=None, phone_number=phone, hour=hour, requests=99, errors_432=99)  # pings
    flow.alerts = {"ENDPOINT_ERROR_RATE": {"alert_state": "ACTIVATED", "error_rate": 30, "threshold": 10,
                                           "at": hour.isoformat()}}
    flow.save()
    client.force_login(manager)

    page = client.get(f"/flows/{flow.pk}/endpoint/").content.decode()

    requests = _island(page, "endpoint-requests-data")
    assert len(requests["labels"]) == 24 and requests["labels"][-1] == hour.strftime("%H:00")
    by_label = {series["label"]: series["data"] for series in requests["series"]}
    assert [by_label[name][-1] for name in ("Answered", "421 could not decrypt", "427 token refused",
                                            "432 bad signature", "Other errors")] == [4, 2, 1, 3, 0]
    assert [by_label[name][-3] for name in ("Answered", "Other errors")] == [3, 1]
    assert by_label["Answered"][-2] == 0
    latency = {series["label"]: series["data"] for series in _island(page, "endpoint-latency-data")["series"]}
    assert (latency["Average ms"][-1], latency["Slowest ms"][-1], latency["Over 1 s"][-1]) == (50, 1400, 1)
    assert latency["Average ms"][-2] is None
    assert 'data-chart="endpoint-requests-data"' in page and "vendor/chart.umd.min.js" in page
    # The same figures as a table, and Meta's alert beside them.
    cells = "<td>10</td><td>2</td><td>1</td><td>3</td><td>0</td><td>50</td><td>1400</td><td>1</td>"
    assert cells in re.sub(r">\s+<", "><", page)
    assert "ENDPOINT_ERROR_RATE" in page and "error rate 30 % (threshold 10 %)" in page
