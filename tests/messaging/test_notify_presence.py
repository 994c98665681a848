"""The notifier's poll: customers' new messages in my conversations only (assigned to me, or
unassigned on my numbers; never another number's, never another business's), my unseen mentions,
the unread count, in a fixed number of queries; presence heartbeats and the assign list."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import PhoneNumber
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Conversation, Mention, Message, Note, OperatorPresence

from .. import factories
from ..conftest import user_of_another_account

pytestmark = pytest.mark.django_db


def _inbound(conv, text: str) -> Message:
    Conversation.objects.filter(pk=conv.pk).update(unread_count=conv.unread_count + 1)
    conv.unread_count += 1
    return Message.objects.create(conversation=conv, direction="in", type="text", text=text, status="received",
                                  wamid=f"wamid.{text}")


def _poll(client, since=""):
    response = client.get(reverse("messaging:notify"), {"since": since} if since else {})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def colleague(phone):
    user = ensure_user(username="carla", password="pw-carla-123", role=roles.OPERATOR)
    grant_phone_number(user=user, phone_number=phone)
    return user


def test_it_notifies_my_conversations_and_unassigned_ones_on_my_numbers(client, operator, colleague, phone, add_phone):
    not_mine = add_phone("106540352242999", "15550001111")  # a number of our account, not granted to olivia
    mine = factories.conversation(phone, wa_id="15550100001", name="Mine Maya")
    Conversation.objects.filter(pk=mine.pk).update(assigned_to=operator)
    nobodys = factories.conversation(phone, wa_id="15550100002", name="Nobody Ned")
    hers = factories.conversation(phone, wa_id="15550100003", name="Hers Hana")
    Conversation.objects.filter(pk=hers.pk).update(assigned_to=colleague)
    other_number = factories.conversation(not_mine, wa_id="15550100004", name="Elsewhere Eli")
    stranger = user_of_another_account(username="sam", role=roles.OPERATOR)
    theirs = factories.conversation(PhoneNumber.objects.get(phone_number_id="999001"), wa_id="15550100005",
                                    name="Foreign Fay")
    client.force_login(operator)
    start = _poll(client)
    assert start["messages"] == [] and start["count"] == 0

    for conv, text in ((mine, "mine"), (nobodys, "nobodys"), (hers, "hers"), (other_number, "elsewhere"),
                       (theirs, "foreign")):
        _inbound(conv, text)
    answer = _poll(client, start["since"])
    assert [(m["from"], m["preview"], m["mine"]) for m in answer["messages"]] == [("Mine Maya", "mine", True),
                                                                                 ("Nobody Ned", "nobodys", False)]
    assert answer["unread"] == 2 and answer["count"] == 2
    assert answer["messages"][0]["url"] == reverse("messaging:conversation-detail", args=[mine.pk])
    assert _poll(client, answer["since"])["messages"] == []  # once each

    client.force_login(stranger)
    assert [m["from"] for m in _poll(client, start["since"])["messages"]] == ["Foreign Fay"]


def test_it_notifies_my_unseen_mentions_once(client, operator, colleague, phone):
    conv = factories.conversation(phone)
    client.force_login(operator)
    start = _poll(client)
    note = Note.objects.create(conversation=conv, author=colleague, body="@olivia can you take this?")
    Mention.objects.create(note=note, user=operator)
    Mention.objects.create(note=Note.objects.create(conversation=conv, author=operator, body="@carla"), user=colleague)
    answer = _poll(client, start["since"])
    assert [(m["from"], m["about"]) for m in answer["mentions"]] == [("carla", "Sheena Nelson")]
    assert answer["mentions_unseen"] == 1 and answer["count"] == 1
    again = _poll(client, answer["since"])
    assert again["mentions"] == [] and again["mentions_unseen"] == 1  # still unseen: counted, not re-notified
    Mention.objects.filter(user=operator).update(seen_at=timezone.now())
    assert _poll(client, again["since"])["count"] == 0


def test_a_poll_costs_the_same_few_queries_however_much_arrived(client, operator, phone):
    conv = factories.conversation(phone)
    client.force_login(operator)
    since = _poll(client)["since"]
    _inbound(conv, "one")
    with CaptureQueriesContext(connection) as few:
        _poll(client, since)
    for index in range(30):
        _inbound(conv, f"many{index}")
    with CaptureQueriesContext(connection) as many:
        answer = _poll(client, since)
    assert len(answer["messages"]) == 20  # a bounded page, never the whole backlog
    # session, user, permissions (2), the administrator check, then ours: newest id, mentions, unread, messages.
    assert len(many) == len(few) <= 10


def test_it_refuses_a_malformed_cursor(client, operator):
    client.force_login(operator)
    response = client.get(reverse("messaging:notify"), {"since": "yesterday"})
    assert response.status_code == 400 and b"since must be" in response.content


def test_heartbeats_make_an_operator_online_then_away(client, operator, colleague, phone):
    conv = factories.conversation(phone)
    client.force_login(colleague)
    assert client.post(reverse("messaging:presence-heartbeat"), {"status": "online"}).status_code == 204
    client.force_login(operator)
    page = client.get(reverse("messaging:conversation-detail", args=[conv.pk])).content.decode()
    assert 'data-presence="online">carla — online</option>' in page
    assert 'olivia — offline' in page  # never sent a heartbeat

    client.force_login(colleague)
    client.post(reverse("messaging:presence-heartbeat"), {"status": "away"})  # the tab is hidden
    client.force_login(operator)
    assert "carla — away" in client.get(reverse("messaging:conversation-detail", args=[conv.pk])).content.decode()

    OperatorPresence.objects.filter(user=colleague).update(status="online", last_seen=timezone.now() - timedelta(minutes=3))
    assert "carla — away" in client.get(reverse("messaging:conversation-detail", args=[conv.pk])).content.decode()
    assert client.post(reverse("messaging:presence-heartbeat"), {"status": "asleep"}).status_code == 400
