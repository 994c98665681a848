"""History can't be rewritten in the admin: what Meta sent and what customers said is read-only
for everybody, replay re-checks the stored bytes, and support acts only through audited actions."""

import hashlib
import json

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import AuditEntry
from accounts.services import ensure_user, grant_phone_number
from accounts.models import PhoneNumber
from messaging.models import Contact, Message, MessageStatusEvent, WebhookEvent

from .. import factories
from ..conftest import fixture_bytes, load_fixture

pytestmark = pytest.mark.django_db

EVENTS = reverse("admin:messaging_webhookevent_changelist")
MESSAGES = reverse("admin:messaging_message_changelist")
FORGED = "please refund me to IBAN DE44 5001 0517 5407 3249 31"


@pytest.fixture
def support(phone):
    user = ensure_user(username="sue", password="pw-sue-12345", role=roles.SUPPORT)
    grant_phone_number(user=user, phone_number=phone)
    return user


@pytest.fixture
def received(post_webhook, phone):
    post_webhook("webhook_message_text.json")
    return WebhookEvent.objects.get()


@pytest.mark.parametrize("who", ["support", "superuser"])
def test_it_keeps_the_forged_iban_message_out_of_a_thread(who, request, client, admin_user, received):
    client.force_login(admin_user if who == "superuser" else request.getfixturevalue("support"))
    change = reverse("admin:messaging_webhookevent_change", args=[received.pk])
    original = (received.body, received.body_sha256, received.account_id, received.field, received.received_at)

    page = client.get(change)
    forged_body = received.body.replace("Does it come in another color?", FORGED)
    posted = client.post(change, {"body": forged_body, "field": "messages", "state": "failed", "account": ""})
    client.post(EVENTS, {"action": "replay", "index": "0", "_selected_action": [received.pk]})

    assert page.status_code == 200 and 'name="body"' not in page.text and "<textarea" not in page.text
    assert posted.status_code == 403
    received.refresh_from_db()
    assert (received.body, received.body_sha256, received.account_id, received.field, received.received_at) == original
    assert not Message.objects.filter(text__contains="IBAN").exists()


@pytest.mark.parametrize("who", ["support", "superuser"])
def test_nobody_edits_what_a_customer_said(who, request, client, admin_user, received):
    client.force_login(admin_user if who == "superuser" else request.getfixturevalue("support"))
    message = Message.objects.get()
    change = reverse("admin:messaging_message_change", args=[message.pk])

    page = client.get(change)
    posted = client.post(change, {"text": FORGED, "direction": "out", "status": "read", "wamid": "wamid.forged"})

    assert page.status_code == 200 and 'name="text"' not in page.text and 'name="status"' not in page.text
    assert posted.status_code == 403
    assert Message.objects.filter(pk=message.pk, direction="in", status="received").exclude(text=FORGED).exists()
    # Nor are records added or deleted there.
    assert client.get(reverse("admin:messaging_message_add")).status_code == 403
    assert client.get(reverse("admin:messaging_webhookevent_add")).status_code == 403
    assert client.post(reverse("admin:messaging_message_delete", args=[message.pk]), {"post": "yes"}).status_code == 403
    assert Message.objects.filter(pk=message.pk).exists()


def test_status_events_meta_reported_are_read_only(admin_client, phone):
    from django.utils import timezone

    message = factories.outbound(factories.conversation(phone), wamid="wamid.out")
    status = MessageStatusEvent.objects.create(message=message, wamid="wamid.out", status="delivered",
                                               timestamp=timezone.now())
    response = admin_client.post(
        reverse("admin:messaging_messagestatusevent_change", args=[status.pk]), {"status": "read"}
    )

    assert response.status_code == 403
    status.refresh_from_db()
    assert status.status == "delivered"


def test_replay_refuses_bytes_altered_in_the_database(admin_client, received):
    forged = bytes(received.raw_body).replace(b"Does it come in another color?", FORGED.encode())
    WebhookEvent.objects.filter(pk=received.pk).update(raw_body=forged, state="failed")
    Message.objects.all().delete()

    response = admin_client.post(EVENTS, {"action": "replay", "index": "0", "_selected_action": [received.pk]}, follow=True)

    received.refresh_from_db()
    assert "not replayed" in response.text and "do not match body_sha256" in response.text
    assert received.state == "rejected" and "do not match body_sha256" in received.error
    assert not Message.objects.exists()
    entry = AuditEntry.objects.get(action="webhook_event.replay")
    assert entry.object_pk == str(received.pk) and entry.account_id == received.account_id


def test_the_receiver_keeps_the_exact_bytes(received):
    assert bytes(received.raw_body) == fixture_bytes("webhook_message_text.json")
    assert hashlib.sha256(bytes(received.raw_body)).hexdigest() == received.body_sha256


def test_resend_creates_a_new_linked_message_and_an_audit_entry(client, support, phone, django_capture_on_commit_callbacks):
    failed = factories.outbound(factories.conversation(phone), wamid="wamid.failed", status=Message.Status.FAILED)
    delivered = factories.outbound(failed.conversation, wamid="wamid.ok", status=Message.Status.DELIVERED)
    client.force_login(support)

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            MESSAGES, {"action": "resend", "index": "0", "_selected_action": [failed.pk, delivered.pk]}, follow=True
        )

    new = Message.objects.get(resend_of=failed)
    assert new.uuid != failed.uuid and new.status == "queued" and new.text == failed.text and new.sent_by == support
    assert "only a failed outbound message" in response.text  # the delivered one is refused
    assert not Message.objects.filter(resend_of=delivered).exists()
    entry = AuditEntry.objects.get(action="message.resend")
    assert (entry.actor, entry.object_pk, entry.account_id) == (support, str(failed.pk), phone.account_id)
    assert entry.details["new_message"] == str(new.uuid) and "Hello" not in str(entry.details)


def test_resend_keeps_the_window_rule(admin_client, phone):
    conv = factories.conversation(phone, wrote_ago=None)
    failed = factories.outbound(conv, wamid="wamid.failed", status=Message.Status.FAILED)

    response = admin_client.post(MESSAGES, {"action": "resend", "index": "0", "_selected_action": [failed.pk]}, follow=True)

    assert "never written" in response.text
    assert not Message.objects.filter(resend_of=failed).exists()
    assert not AuditEntry.objects.filter(action="message.resend").exists()


def test_mark_failed_asks_for_a_note_then_audits(client, support, phone):
    stuck = factories.outbound(factories.conversation(phone), status=Message.Status.SENDING)
    client.force_login(support)
    chosen = {"action": "mark_failed", "index": "0", "_selected_action": [stuck.pk]}

    asked = client.post(MESSAGES, chosen)
    without_note = client.post(MESSAGES, {**chosen, "apply": "1", "note": "  "})
    done = client.post(MESSAGES, {**chosen, "apply": "1", "note": "Meta never answered; customer called"}, follow=True)

    assert asked.status_code == 200 and 'name="note"' in asked.text
    assert without_note.status_code == 400
    assert "Marked 1 message(s) failed." in done.text
    stuck.refresh_from_db()
    assert stuck.status == "failed" and stuck.error_details == "Meta never answered; customer called"
    entry = AuditEntry.objects.get(action="message.mark_failed")
    assert entry.reason == "Meta never answered; customer called" and entry.actor == support


class TestTheAdminIsScoped:
    """A Support user granted only A's number sees only A's rows; B's by URL is not shown."""

    @pytest.fixture
    def both(self, support, stranger, post_webhook, phone):
        post_webhook("webhook_message_text.json")
        other_phone = PhoneNumber.objects.get(phone_number_id="999001")
        post_webhook(json.dumps(self._body_for(other_phone)).encode(), secret="other-secret")
        return {
            "ours": WebhookEvent.objects.get(account=phone.account),
            "theirs": WebhookEvent.objects.get(account=other_phone.account),
        }

    @staticmethod
    def _body_for(other_phone):
        payload = load_fixture("webhook_message_text.json")
        entry = payload["entry"][0]
        entry["id"] = other_phone.account.waba_id
        value = entry["changes"][0]["value"]
        value["metadata"]["phone_number_id"] = other_phone.phone_number_id
        value["messages"][0]["id"] = "wamid.theirs"
        value["messages"][0]["from"] = "16505550000"
        value["contacts"][0]["wa_id"] = "16505550000"
        return payload

    def test_it_shows_only_our_rows(self, client, support, both):
        client.force_login(support)
        theirs = Message.objects.get(wamid="wamid.theirs")
        assert theirs.conversation.phone_number.phone_number_id == "999001"  # B's event was applied to B

        events = client.get(EVENTS).text
        messages = client.get(MESSAGES).text
        contacts = client.get(reverse("admin:messaging_contact_changelist")).text

        assert reverse("admin:messaging_webhookevent_change", args=[both["ours"].pk]) in events
        assert reverse("admin:messaging_webhookevent_change", args=[both["theirs"].pk]) not in events
        assert "1 message" in messages and "wamid.theirs" not in messages
        assert "16505550000" not in contacts and "1 contact" in contacts

    def test_a_strangers_row_by_url_is_not_shown(self, client, support, both):
        client.force_login(support)
        theirs = Message.objects.get(wamid="wamid.theirs")
        urls = [
            reverse("admin:messaging_webhookevent_change", args=[both["theirs"].pk]),
            reverse("admin:messaging_message_change", args=[theirs.pk]),
            reverse("admin:messaging_contact_change", args=[Contact.objects.get(wa_id="16505550000").pk]),
            reverse("admin:accounts_businessaccount_change", args=[both["theirs"].account_id]),
        ]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and response.url == reverse("admin:index"), url
            assert "16505550000" not in response.text

    def test_a_support_user_without_numbers_sees_no_raw_payload(self, client, both):
        nobody = ensure_user(username="nina", password="pw-nina-12345", role=roles.SUPPORT)
        client.force_login(nobody)

        assert "0 webhook events" in client.get(EVENTS).text
