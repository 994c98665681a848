"""Every message a person sends from the console writes one audit entry naming the message, never its text."""

import json
import uuid

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from messaging.models import Message
from messaging.services.support_actions import resend_message

from .. import factories

pytestmark = pytest.mark.django_db
BODY = "Your parcel code is 4471-secret"


@pytest.fixture
def conv(phone):
    return factories.conversation(phone)  # the customer wrote 5 minutes ago: the window is open


def _send(client, conv, client_uuid: str):
    return client.post(reverse("messaging:conversation-send", args=[conv.pk]),
                       {"kind": "text", "body": BODY, "client_uuid": client_uuid})


def test_a_console_send_is_audited_once_by_message_id_without_its_text(client, operator, conv):
    client.force_login(operator)
    client_uuid = str(uuid.uuid4())

    assert _send(client, conv, client_uuid).status_code == 302
    _send(client, conv, client_uuid)  # a double submit: one message, one entry

    message = Message.objects.get(direction="out")
    entry = AuditEntry.objects.get(action="message.send")
    assert (entry.actor, entry.account_id, entry.object_model, entry.object_pk) == (
        operator, conv.phone_number.account_id, "message", str(message.pk))
    assert entry.details == {"message_id": message.pk, "uuid": client_uuid, "type": "text", "conversation_id": conv.pk}
    assert "4471" not in json.dumps(list(AuditEntry.objects.values()), default=str)


def test_a_refused_send_writes_no_entry(client, operator, phone):
    closed = factories.conversation(phone, wa_id="16505550001", wrote_ago=None)
    client.force_login(operator)

    assert _send(client, closed, str(uuid.uuid4())).status_code == 400
    assert not AuditEntry.objects.filter(action="message.send").exists()


def test_a_resend_is_audited_as_a_resend_not_as_a_second_send(operator, conv):
    failed = factories.outbound(conv, status="failed")

    resent = resend_message(message=failed, actor=operator, reason="the customer asked")

    entry = AuditEntry.objects.get(action__startswith="message.")
    assert (entry.action, entry.details["new_message_id"]) == ("message.resend", resent.pk)
