"""The composer's helpers: fields the server checks as they are typed, the Enter-sends preference,
the window countdown's colours, and a document shown under the name it was sent as."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ConsolePreference
from media_lib.services import store_upload
from messaging.models import Conversation

from ..conftest import PHONE_NUMBER_ID
from ..media_samples import pdf, upload

pytestmark = pytest.mark.django_db

CUSTOMER = "16505551234"
COUNTRY_CODE = "add the country code, e.g. +1 415 555 0199"


@pytest.fixture
def conv(phone, simulator, deliver_webhooks):
    simulator.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=CUSTOMER, name="Sheena Nelson",
                      message={"type": "text", "text": {"body": "Hello"}})
    deliver_webhooks(simulator)
    return Conversation.objects.get()


def _check(client, conv, kind: str, field: str, value: str, **others):
    url = reverse("messaging:conversation-compose-check", args=[conv.pk])
    return client.post(url, {"kind": kind, field: value, **others}, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER_NAME=field)


@pytest.mark.parametrize("kind, field, value, problem", [
    ("location", "latitude", "91", "Latitude must be between -90 and 90."),
    ("location", "longitude", "-180.5", "Longitude must be between -180 and 180."),
    ("location", "latitude", "north", "The latitude is a number"),
    ("contact", "contact_email", "ada@example", "Enter a valid email address."),
    ("contact", "contact_phone", "415 555 0199", COUNTRY_CODE),
])
def test_it_says_what_the_send_would_refuse_while_the_field_is_typed(client, operator, conv, kind, field, value, problem):
    client.force_login(operator)

    response = _check(client, conv, kind, field, value)

    assert response.status_code == 200
    assert problem in response.content.decode()
    # The same words come back when the whole form is sent anyway: one set of rules.
    sent = client.post(reverse("messaging:conversation-send", args=[conv.pk]),
                       {"kind": kind, "client_uuid": str(uuid.uuid4()), field: value})
    assert sent.status_code == 400 and problem in sent.content.decode()


@pytest.mark.parametrize("kind, field, value", [
    ("location", "latitude", "51.5007"), ("contact", "contact_email", "ada@example.com"),
    ("contact", "contact_phone", "+1 415 555 0199"),
])
def test_a_good_value_gets_no_complaint_even_while_the_rest_is_empty(client, operator, conv, kind, field, value):
    client.force_login(operator)
    response = _check(client, conv, kind, field, value)
    assert response.status_code == 200 and response.content.decode().strip() == ""


def test_the_fields_ask_the_server_as_they_are_typed(client, operator, conv):
    client.force_login(operator)
    url = reverse("messaging:conversation-compose", args=[conv.pk])
    check_url = reverse("messaging:conversation-compose-check", args=[conv.pk])
    for kind, fields in {"location": ("latitude", "longitude"), "contact": ("contact_phone", "contact_email")}.items():
        html = client.get(url, {"kind": kind}).content.decode()
        for name in fields:
            assert f'name="{name}"' in html and f'hx-post="{check_url}"' in html
            assert f'hx-target="#check-{name}"' in html and f'id="check-{name}"' in html


def test_the_check_needs_a_known_field_and_the_send_permission(client, operator, conv, no_role_user, stranger):
    client.force_login(operator)
    assert _check(client, conv, "location", "name", "x").status_code == 400  # not a field checked as typed
    assert _check(client, conv, "nonsense", "latitude", "1").status_code == 400
    client.force_login(no_role_user)
    assert _check(client, conv, "location", "latitude", "91").status_code == 403
    client.force_login(stranger)
    assert _check(client, conv, "location", "latitude", "91").status_code == 404
    client.logout()
    assert _check(client, conv, "location", "latitude", "91").status_code == 302


def test_the_enter_preference_is_kept_per_person(client, operator, conv):
    client.force_login(operator)
    url = reverse("messaging:composer-enter-preference")
    compose = reverse("messaging:conversation-compose", args=[conv.pk])
    assert 'data-enter-sends="1"' in client.get(compose).content.decode()  # the default: Enter sends

    assert client.post(url, {"enter_sends": "0"}).status_code == 204

    html = client.get(compose).content.decode()
    assert 'data-enter-sends="0"' in html and "data-enter-pref>" in html  # the box is unticked
    assert ConsolePreference.objects.get(user=operator).enter_sends is False
    assert client.post(url, {"enter_sends": "1"}).status_code == 204
    assert 'data-enter-sends="1"' in client.get(compose).content.decode()


def test_the_enter_preference_refuses_nonsense_and_strangers(client, operator, no_role_user):
    url = reverse("messaging:composer-enter-preference")
    assert client.post(url, {"enter_sends": "1"}).status_code == 302  # anonymous: to the login page
    client.force_login(no_role_user)
    assert client.post(url, {"enter_sends": "1"}).status_code == 403
    client.force_login(operator)
    response = client.post(url, {"enter_sends": "maybe"})
    assert response.status_code == 400 and b"enter_sends must be" in response.content
    assert not ConsolePreference.objects.exists()


@pytest.mark.parametrize("wrote_ago, colour", [
    (timedelta(hours=2), ""), (timedelta(hours=23, minutes=30), "soon"), (timedelta(hours=23, minutes=55), "urgent"),
])
def test_the_countdown_turns_amber_under_an_hour_and_red_under_ten_minutes(client, operator, conv, wrote_ago, colour):
    Conversation.objects.filter(pk=conv.pk).update(last_inbound_at=timezone.now() - wrote_ago)
    client.force_login(operator)
    html = client.get(reverse("messaging:conversation-detail", args=[conv.pk])).content.decode()
    assert f'<span class="window open {colour}" id="window-state"' in html


def test_a_document_shows_the_name_it_was_sent_as(client, operator, conv, account, simulator, read_thread,
                                                   django_capture_on_commit_callbacks):
    # The library already holds the same bytes under another name (media_lib keeps a file once).
    store_upload(account=account, uploaded_file=upload("invoice.pdf", pdf()))
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("messaging:conversation-send", args=[conv.pk]), {
            "kind": "media", "client_uuid": str(uuid.uuid4()), "upload": upload("Invoice-4521.pdf", pdf())})

    assert response.status_code == 302
    assert simulator.sent_messages()[-1]["body"]["document"]["filename"] == "Invoice-4521.pdf"
    thread = read_thread(conv)
    assert "Invoice-4521.pdf" in thread and "invoice.pdf" not in thread
