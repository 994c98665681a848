"""The walking skeleton, whole: a customer writes through the simulator, an operator answers in
the console, the simulator's signed status webhooks carry the message to "read"."""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import BusinessAccount
from messaging.models import Conversation, Message

from ..conftest import PHONE_NUMBER_ID

pytestmark = pytest.mark.django_db

CUSTOMER = "16505551234"


def _reply(client, conversation, body, django_capture_on_commit_callbacks):
    page = client.get(reverse("messaging:conversation-detail", args=[conversation.pk])).text
    found = re.search(r'name="client_uuid" value="([^"]+)"', page)
    # With the window closed the console offers templates, not a text box: post text anyway,
    # as a stale page would, to see the server refuse it.
    client_uuid = found.group(1) if found else str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("messaging:conversation-send", args=[conversation.pk]), {"body": body, "client_uuid": client_uuid}
        )


def test_a_reply_to_a_customer_who_wrote_reaches_read(
    client, phone, operator, simulator, deliver_webhooks, django_capture_on_commit_callbacks
):
    # Given a customer who writes to the business
    simulator.inbound(
        phone_number_id=PHONE_NUMBER_ID, wa_id=CUSTOMER, name="Sheena Nelson", message={"type": "text", "text": {"body": "Is my order ready?"}}
    )
    assert deliver_webhooks(simulator) == [200]
    conversation = Conversation.objects.get()
    assert conversation.window_is_open()
    client.force_login(operator)
    assert "Is my order ready?" in client.get(reverse("messaging:conversation-detail", args=[conversation.pk])).text

    # When the operator answers
    response = _reply(client, conversation, "Yes, it ships today.", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    message = Message.objects.get(direction="out")
    assert message.status == "accepted"
    sent = simulator.sent_messages()
    assert [(m["to"], m["body"]["text"]["body"]) for m in sent] == [(CUSTOMER, "Yes, it ships today.")]

    # Then Meta's statuses arrive signed and the thread shows it read, with its timeline
    assert deliver_webhooks(simulator) == [200, 200, 200]
    message.refresh_from_db()
    assert message.status == "read"
    assert [e.status for e in message.status_events.all()] == ["sent", "delivered", "read"]
    html = client.get(reverse("messaging:conversation-messages", args=[conversation.pk])).text
    assert f'id="message-{message.pk}" data-status="read"' in html


def test_a_customer_silent_for_more_than_24_hours_cannot_get_free_text(
    client, phone, operator, simulator, deliver_webhooks, django_capture_on_commit_callbacks
):
    two_days_ago = int((timezone.now() - timedelta(days=2)).timestamp())
    simulator.inbound(
        phone_number_id=PHONE_NUMBER_ID, wa_id=CUSTOMER, name="Sheena", message={"type": "text", "text": {"body": "hello"}}, timestamp=two_days_ago
    )
    deliver_webhooks(simulator)
    conversation = Conversation.objects.get()
    client.force_login(operator)

    response = _reply(client, conversation, "Sorry for the wait!", django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert "more than 24 hours ago" in response.text
    assert Message.objects.filter(direction="out").count() == 0
    assert simulator.sent_messages() == []


def test_meta_refusing_the_window_later_shows_the_failure_in_plain_language(
    client, phone, operator, simulator, deliver_webhooks, django_capture_on_commit_callbacks
):
    # Our rows believe the window is open, but Meta (the simulator) never saw the customer write:
    # Meta accepts the send, then fails it asynchronously with 131047.
    from messaging.models import Contact

    contact = Contact.objects.create(account=phone.account, wa_id=CUSTOMER, name="Sheena")
    conversation = Conversation.objects.create(contact=contact, phone_number=phone, last_inbound_at=timezone.now())
    client.force_login(operator)

    _reply(client, conversation, "Hello again", django_capture_on_commit_callbacks)
    deliver_webhooks(simulator)

    message = Message.objects.get(direction="out")
    assert (message.status, message.error_code) == ("failed", 131047)
    html = client.get(reverse("messaging:conversation-messages", args=[conversation.pk])).text
    assert "error 131047" in html
    assert "Send an approved template instead." in html


def test_a_bad_access_token_fails_the_message_with_meta_code_190(
    client, phone, operator, simulator, deliver_webhooks, django_capture_on_commit_callbacks
):
    simulator.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=CUSTOMER, name="S", message={"type": "text", "text": {"body": "hi"}})
    deliver_webhooks(simulator)
    BusinessAccount.objects.update(access_token="revoked-token")
    client.force_login(operator)

    _reply(client, Conversation.objects.get(), "Hi!", django_capture_on_commit_callbacks)

    message = Message.objects.get(direction="out")
    assert (message.status, message.error_code) == ("failed", 190)
    assert simulator.sent_messages() == []
