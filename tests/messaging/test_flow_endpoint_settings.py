"""A flow's data-endpoint page: the URL for Meta, the handler and its JSON configuration."""

import json

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
