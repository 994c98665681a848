"""The user_preferences field: a customer stops or resumes marketing messages in WhatsApp."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from messaging.models import Contact, ContactEvent, WebhookEvent

from .. import factories
from ..conftest import load_fixture

pytestmark = pytest.mark.django_db


def _preference(payload: dict) -> dict:
    return payload["entry"][0]["changes"][0]["value"]["user_preferences"][0]


def _processed(post_webhook, payload) -> None:
    post_webhook(payload)
    event = WebhookEvent.objects.order_by("-pk").first()
    assert event.state == WebhookEvent.State.PROCESSED, event.error


def test_it_opts_a_contact_out_from_the_stop_payload(post_webhook, phone):
    _processed(post_webhook, load_fixture("webhook_user_preferences_stop.json"))

    contact = Contact.objects.get(wa_id="16505551234")
    assert contact.opted_out
    assert contact.opted_out_at == datetime.fromtimestamp(1739321024, tz=UTC)
    assert contact.name == "Sheena Nelson"
    event = contact.events.get()
    assert (event.kind, event.source) == (ContactEvent.Kind.MARKETING_STOP, ContactEvent.Source.USER_PREFERENCES)
    assert event.detail == "User requested to stop marketing messages"


def test_it_opts_a_contact_back_in_from_the_resume_payload(post_webhook, phone):
    Contact.objects.create(account=phone.account, wa_id="16505551234", opted_out=True)

    _processed(post_webhook, load_fixture("webhook_user_preferences_resume.json"))

    contact = Contact.objects.get()
    assert not contact.opted_out and contact.opted_out_at is None
    assert contact.events.get().kind == ContactEvent.Kind.MARKETING_RESUME


def test_a_late_older_resume_does_not_undo_a_newer_stop(post_webhook, phone):
    _processed(post_webhook, load_fixture("webhook_user_preferences_stop.json"))  # 1739321024
    _processed(post_webhook, load_fixture("webhook_user_preferences_resume.json"))  # 1731705721: older

    contact = Contact.objects.get()
    assert contact.opted_out
    assert list(contact.events.values_list("kind", flat=True)) == ["marketing_stop", "marketing_resume"]


def test_the_same_preference_in_another_batch_is_recorded_once(post_webhook, phone):
    payload = load_fixture("webhook_user_preferences_stop.json")
    _processed(post_webhook, payload)
    payload["entry"][0]["time"] = 1739321099  # a redelivery in a new envelope

    _processed(post_webhook, payload)

    assert WebhookEvent.objects.count() == 2
    assert ContactEvent.objects.count() == 1


def test_it_falls_back_to_the_only_contact_when_the_preference_names_nobody(post_webhook, phone):
    payload = load_fixture("webhook_user_preferences_stop.json")
    del _preference(payload)["wa_id"]

    _processed(post_webhook, payload)

    assert Contact.objects.get(wa_id="16505551234").opted_out


def test_it_keeps_a_preference_of_another_category_on_the_timeline_only(post_webhook, phone):
    payload = load_fixture("webhook_user_preferences_stop.json")
    _preference(payload).update(category="offers_feedback", value="not_interested", detail="Not interested")

    _processed(post_webhook, payload)

    contact = Contact.objects.get()
    assert not contact.opted_out
    assert contact.events.get().kind == ContactEvent.Kind.PREFERENCE


def test_it_uses_the_arrival_time_when_the_preference_has_no_timestamp(post_webhook, phone):
    payload = load_fixture("webhook_user_preferences_stop.json")
    del _preference(payload)["timestamp"]

    _processed(post_webhook, payload)

    contact = Contact.objects.get()
    assert contact.opted_out and contact.opted_out_at == WebhookEvent.objects.get().received_at


def test_it_rejects_a_preference_list_that_is_not_a_list(post_webhook, phone):
    payload = load_fixture("webhook_user_preferences_stop.json")
    payload["entry"][0]["changes"][0]["value"]["user_preferences"] = {"wa_id": "16505551234"}

    post_webhook(payload)

    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.REJECTED and "'user_preferences' is not a list" in event.error
    assert not Contact.objects.exists()


def test_the_contact_page_in_the_admin_shows_the_timeline(post_webhook, phone, admin_client):
    _processed(post_webhook, load_fixture("webhook_user_preferences_stop.json"))

    response = admin_client.get(reverse("admin:messaging_contact_change", args=[Contact.objects.get().pk]))

    assert response.status_code == 200
    assert "User requested to stop marketing messages" in response.text


def test_the_thread_header_shows_that_the_contact_opted_out(post_webhook, phone, client, operator):
    conv = factories.conversation(phone)
    _processed(post_webhook, load_fixture("webhook_user_preferences_stop.json"))
    client.force_login(operator)

    response = client.get(reverse("messaging:conversation-detail", args=[conv.pk]))

    assert "Opted out of marketing messages since 2025-02-12" in response.text
