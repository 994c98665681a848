"""The consent ledger: a 131050 failure, STOP keywords, the WhatsApp setting and people opt
contacts out; the contact page says why, and the timeline keeps each change."""

import hashlib
import json

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEntry
from messaging.models import Contact, ContactEvent, WebhookEvent
from messaging.webhook_events import drain_webhook_events

from .. import factories
from ..conftest import load_fixture

pytestmark = pytest.mark.django_db

FAILED_PHONE_ID = "109999999999999"  # the number in the failed-status fixture


@pytest.fixture
def marketing_send(add_phone):
    payload = load_fixture("webhook_status_failed_131050.json")
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    conv = factories.conversation(add_phone(FAILED_PHONE_ID), wa_id=status["recipient_id"], name="Mo")
    return factories.outbound(conv, wamid=status["id"], status="accepted"), payload


def _store(account, payload: dict) -> WebhookEvent:
    body = json.dumps(payload).encode()
    return WebhookEvent.objects.create(account=account, body=body.decode(), raw_body=body,
                                       body_sha256=hashlib.sha256(body).hexdigest())


def test_a_131050_failed_status_opts_the_contact_out_through_the_webhook(post_webhook, marketing_send):
    message, payload = marketing_send

    post_webhook(payload)
    post_webhook(payload)  # redelivered: nothing more

    contact = Contact.objects.get(pk=message.conversation.contact_id)
    assert contact.opted_out
    event = contact.events.get()
    assert (event.kind, event.source) == ("marketing_stop", "failed_send")
    assert message.wamid in event.detail and event.webhook_event_id is not None
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", 131050)


def test_another_failure_code_opts_nobody_out(post_webhook, marketing_send):
    message, payload = marketing_send
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0]["code"] = 131026

    post_webhook(payload)

    assert not Contact.objects.get(pk=message.conversation.contact_id).opted_out
    assert not ContactEvent.objects.exists()


def test_131050_opts_out_in_a_batch_drain_and_in_the_one_by_one_fallback(marketing_send, phone, caplog):
    """A message the database refuses makes the drain apply its batch event by event: the 131050s
    of the other events still opt out."""
    message, payload = marketing_send
    other = factories.outbound(factories.conversation(phone, wa_id="16505550077"), wamid="wamid.second")
    second = load_fixture("webhook_status_failed_131050.json")
    second_value = second["entry"][0]["changes"][0]["value"]
    second_value["metadata"]["phone_number_id"] = phone.phone_number_id
    second_value["statuses"][0].update(id="wamid.second", recipient_id="16505550077")
    poison = load_fixture("webhook_message_text.json")
    poison["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.poison"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
                           "IF NEW.wamid = 'wamid.poison' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ "
                           "LANGUAGE plpgsql")
            cursor.execute("CREATE TRIGGER refuse_poison BEFORE INSERT ON messaging_message "
                           "FOR EACH ROW EXECUTE FUNCTION refuse_poison()")
        else:
            cursor.execute("CREATE TRIGGER refuse_poison BEFORE INSERT ON messaging_message "
                           "WHEN NEW.wamid = 'wamid.poison' BEGIN SELECT RAISE(ABORT, 'refused'); END")
    for body in (payload, poison, second):
        _store(phone.account, body)

    drain_webhook_events(limit=100)

    assert "applying them one by one" in caplog.text

    opted = set(Contact.objects.filter(opted_out=True).values_list("wa_id", flat=True))
    assert opted == {message.conversation.contact.wa_id, other.conversation.contact.wa_id}
    assert ContactEvent.objects.filter(source="failed_send").count() == 2


def test_a_newer_opt_in_is_not_undone_by_an_older_131050(post_webhook, marketing_send, django_user_model):
    message, payload = marketing_send
    contact = message.conversation.contact
    ContactEvent.objects.create(contact=contact, kind="marketing_resume", source="manual", detail="asked again",
                                occurred_at="2030-01-01T00:00:00Z")

    post_webhook(payload)  # from 2023

    contact.refresh_from_db()
    assert not contact.opted_out
    assert contact.events.filter(source="failed_send").exists()  # on the timeline all the same


def test_a_stop_keyword_and_the_whatsapp_setting_through_webhooks_show_their_reason(client, post_webhook, operator, phone):
    client.force_login(operator)
    post_webhook(load_fixture("webhook_user_preferences_stop.json"))
    setting = Contact.objects.get(wa_id="16505551234")
    stop = load_fixture("webhook_message_text.json")
    value = stop["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = "16505550042"
    value["messages"][0]["text"] = {"body": " stop "}
    post_webhook(stop)
    keyword = Contact.objects.get(wa_id="16505550042")

    listed = client.get(reverse("messaging:contact-list")).content.decode()

    assert setting.opted_out and keyword.opted_out
    assert "by WhatsApp setting" in listed and "by STOP keyword" in listed


def test_the_contact_page_says_why_for_each_source(client, operator, phone):
    contact = factories.conversation(phone).contact
    url = reverse("messaging:contact-detail", args=[contact.pk])
    client.force_login(operator)
    for source, expected in (("keyword", "by STOP keyword"), ("user_preferences", "by WhatsApp setting"),
                             ("failed_send", "by failed send 131050"), ("import", "by contact import")):
        ContactEvent.objects.all().delete()
        ContactEvent.objects.create(contact=contact, kind="marketing_stop", source=source,
                                    occurred_at="2026-05-01T14:03:00Z")
        Contact.objects.filter(pk=contact.pk).update(opted_out=True)
        assert expected in client.get(url).content.decode()


def test_a_person_opts_a_contact_out_and_back_in_with_a_reason(client, operator, phone):
    operator.first_name, operator.last_name = "Jane", "Doe"
    operator.save()
    contact = factories.conversation(phone).contact
    client.force_login(operator)
    consent = reverse("messaging:contact-consent", args=[contact.pk])

    response = client.post(consent, {"opted_out": "1", "reason": "Asked on the phone"})

    assert response.status_code == 302
    page = client.get(reverse("messaging:contact-detail", args=[contact.pk])).content.decode()
    assert "by Jane Doe (manual): Asked on the phone" in page
    contact.refresh_from_db()
    assert contact.opted_out
    assert AuditEntry.objects.get(action="contact.opt_out").reason == "Asked on the phone"

    client.post(consent, {"opted_out": "0", "reason": "Signed the form again"})

    contact.refresh_from_db()
    assert not contact.opted_out
    assert list(contact.events.values_list("kind", "source")) == [("marketing_resume", "manual"), ("marketing_stop", "manual")]


def test_a_manual_change_needs_a_reason(client, operator, phone):
    contact = factories.conversation(phone).contact
    client.force_login(operator)

    response = client.post(reverse("messaging:contact-consent", args=[contact.pk]), {"opted_out": "1", "reason": "  "})

    assert response.status_code == 400
    assert not Contact.objects.get(pk=contact.pk).opted_out


def test_a_131050_that_came_before_the_messages_wamid_opts_out_when_it_is_attached(post_webhook, marketing_send):
    from messaging.services.statuses import attach_pending_statuses_of

    message, payload = marketing_send
    wamid = message.wamid
    message.wamid = None
    message.save(update_fields=["wamid"])
    post_webhook(payload)  # nobody has this wamid yet: kept, applied to nothing
    assert not Contact.objects.get(pk=message.conversation.contact_id).opted_out

    message.wamid = wamid  # the send call's answer arrives
    message.save(update_fields=["wamid"])
    attach_pending_statuses_of([message])

    assert Contact.objects.get(pk=message.conversation.contact_id).opted_out
