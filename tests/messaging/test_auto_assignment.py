"""Round-robin: customers writing in unassigned conversations of a number with it switched on are
given, in turn, to that number's operators who are online — in the webhook drain, a batch at once;
nobody online, nothing changes; a conversation someone already has stays theirs; off by default."""

import hashlib
import json

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import AuditEntry
from accounts.services import ensure_user, grant_phone_number
from messaging.models import AutoAssignment, Conversation, ConversationEvent, WebhookEvent
from messaging.services.presence import record_heartbeat
from messaging.webhook_events import drain_webhook_events

from .. import factories
from ..conftest import load_fixture

pytestmark = pytest.mark.django_db
T0 = 1749416383


def _customer_writes(account, wa_id: str, wamid: str) -> None:
    payload = load_fixture("webhook_message_text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": f"Customer {wa_id[-4:]}"}, "wa_id": wa_id}]
    value["messages"][0].update({"id": wamid, "from": wa_id, "timestamp": str(T0), "text": {"body": "Hello"}})
    body = json.dumps(payload).encode()
    WebhookEvent.objects.create(account=account, body=body.decode(), raw_body=body,
                                body_sha256=hashlib.sha256(body).hexdigest())


@pytest.fixture
def team(phone, operator):
    carla = ensure_user(username="carla", password="pw-carla-123", role=roles.OPERATOR)
    dave = ensure_user(username="dave", password="pw-dave-123", role=roles.OPERATOR)
    for person in (carla, dave):
        grant_phone_number(user=person, phone_number=phone)
    return {"olivia": operator, "carla": carla, "dave": dave}


def _assignees() -> list[str]:
    return [c.assigned_to.username if c.assigned_to else "-" for c in
            Conversation.objects.select_related("assigned_to").order_by("pk")]  # the order turns are given in


def test_a_batch_of_new_conversations_goes_round_the_online_operators(phone, team):
    AutoAssignment.objects.create(phone_number=phone, enabled=True)
    for name in ("olivia", "dave"):
        record_heartbeat(user=team[name], status="online")
    record_heartbeat(user=team["carla"], status="away")  # her tab is hidden: not her turn
    for index in range(3):
        _customer_writes(phone.account, f"1650555000{index}", f"wamid.rr.{index}")
    drain_webhook_events(limit=100)
    assert _assignees() == ["olivia", "dave", "olivia"]
    assert ConversationEvent.objects.filter(kind="assigned", details__by="round_robin").count() == 3

    _customer_writes(phone.account, "16505550009", "wamid.rr.9")  # the turn goes on from where it stopped
    drain_webhook_events(limit=100)
    assert _assignees() == ["olivia", "dave", "olivia", "dave"]


def test_it_leaves_conversations_alone_when_off_or_nobody_is_online_or_someone_has_it(phone, team):
    _customer_writes(phone.account, "16505550001", "wamid.off")
    drain_webhook_events(limit=100)
    assert _assignees() == ["-"]  # off by default

    AutoAssignment.objects.create(phone_number=phone, enabled=True)
    _customer_writes(phone.account, "16505550002", "wamid.nobody")
    drain_webhook_events(limit=100)
    assert _assignees() == ["-", "-"]  # nobody online: they wait

    taken = factories.conversation(phone, wa_id="16505550003", name="Taken Tom")
    Conversation.objects.filter(pk=taken.pk).update(assigned_to=team["carla"])
    record_heartbeat(user=team["dave"], status="online")
    _customer_writes(phone.account, "16505550003", "wamid.taken")
    drain_webhook_events(limit=100)
    assert _assignees() == ["-", "-", "carla"]  # Tom's stays carla's; the others had nothing new

    _customer_writes(phone.account, "16505550002", "wamid.again")  # a waiting customer writes again
    drain_webhook_events(limit=100)
    assert _assignees() == ["-", "dave", "carla"]


def test_an_administrator_switches_it_per_number(client, phone, team):
    admin_user = ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)
    record_heartbeat(user=team["carla"], status="online")
    client.force_login(admin_user)
    page = client.get(reverse("auto-assignment:numbers")).content.decode()
    assert "carla (online)" in page and "Turn on" in page
    response = client.post(reverse("auto-assignment:numbers"), {"phone_number": phone.pk, "enabled": "1"})
    assert response.status_code == 302
    assert AutoAssignment.objects.get(phone_number=phone).enabled
    assert AuditEntry.objects.filter(action="auto_assignment.enable").exists()
    assert client.post(reverse("auto-assignment:numbers"), {"phone_number": phone.pk, "enabled": "x"}).status_code == 400
    client.force_login(team["olivia"])
    assert client.get(reverse("auto-assignment:numbers")).status_code == 403
