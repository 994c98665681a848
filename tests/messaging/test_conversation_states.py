"""Conversation states: set by a person (audited, a system line each), reopened by the customer's
next message through real webhook payloads — in the batched drain and in its one-by-one
fallback — and woken by the beat when a snooze ends."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from messaging.models import Conversation, ConversationEvent, WebhookEvent
from messaging.services.conversation_states import set_conversation_state, wake_snoozed_conversations
from messaging.tasks import wake_snoozed_conversations_task
from messaging.webhook_events import drain_webhook_events

from .. import factories
from ..conftest import load_fixture

pytestmark = pytest.mark.django_db

CUSTOMER = "16505551234"


def _now_ts() -> int:
    return int(timezone.now().timestamp()) + 1


def _inbound(wamid: str, *, wa_id: str = CUSTOMER, at: int | None = None, kind: str = "text") -> dict:
    """A real inbound payload (webhook_message_text.json / _reaction.json) with our ids and time."""
    payload = load_fixture("webhook_message_text.json" if kind == "text" else "webhook_message_reaction.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": "Sheena Nelson"}, "wa_id": wa_id}]
    value["messages"][0].update({"id": wamid, "from": wa_id, "timestamp": str(at or _now_ts())})
    return payload


def _store(account, payload: dict) -> WebhookEvent:
    body = json.dumps(payload).encode()
    return WebhookEvent.objects.create(account=account, body=body.decode(), raw_body=body,
                                       body_sha256=hashlib.sha256(body).hexdigest())


def _events(conversation) -> list[tuple[str, dict]]:
    return list(ConversationEvent.objects.filter(conversation=conversation).values_list("kind", "details"))


def test_the_first_customer_message_opens_the_conversation_and_says_so(post_webhook, phone, read_thread):
    post_webhook("webhook_message_text.json")

    conversation = Conversation.objects.get()
    assert conversation.state == "open"
    assert [kind for kind, _ in _events(conversation)] == ["opened"]
    assert "The customer wrote: conversation opened" in read_thread(conversation)


@pytest.mark.parametrize("state", ["pending", "snoozed", "resolved"])
def test_a_customer_message_reopens_it_in_the_batched_drain(phone, operator, state, read_thread):
    conversations = [factories.conversation(phone, wa_id=f"165055500{n}") for n in range(3)]
    until = timezone.now() + timedelta(hours=2)
    for conversation in conversations:
        set_conversation_state(conversation=conversation, state=state, actor=operator,
                               snoozed_until=until if state == "snoozed" else None)
    for n, conversation in enumerate(conversations):
        _store(phone.account, _inbound(f"wamid.again.{n}", wa_id=conversation.contact.wa_id))

    assert drain_webhook_events(limit=100) == 3  # one batch: applied together

    for conversation in conversations:
        conversation.refresh_from_db()
        assert (conversation.state, conversation.snoozed_until) == ("open", None)
        assert [kind for kind, _ in _events(conversation)] == [state, "reopened"]
        assert _events(conversation)[-1][1] == {"from": state}
    assert f"Reopened: the customer wrote (was {state})" in read_thread(conversations[0])
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"processed"}


@pytest.fixture
def refused_wamid():
    """The database refuses one message row (a trigger): the batch fails and is applied one by one."""
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
    return "wamid.poison"


@pytest.mark.parametrize("state", ["pending", "snoozed", "resolved"])
def test_a_customer_message_reopens_it_in_the_one_by_one_fallback(phone, operator, refused_wamid, state, caplog):
    resolved = factories.conversation(phone, wa_id="16505550001")
    set_conversation_state(conversation=resolved, state=state, actor=operator,
                           snoozed_until=timezone.now() + timedelta(hours=1) if state == "snoozed" else None)
    good = _store(phone.account, _inbound("wamid.good", wa_id="16505550001"))
    poison = _store(phone.account, _inbound(refused_wamid, wa_id="16505550002"))

    drain_webhook_events(limit=100)

    assert "applying them one by one" in caplog.text
    assert WebhookEvent.objects.get(pk=good.pk).state == "processed"
    assert WebhookEvent.objects.get(pk=poison.pk).state == "failed"
    resolved.refresh_from_db()
    assert resolved.state == "open"
    assert [kind for kind, _ in _events(resolved)] == [state, "reopened"]


def test_a_late_message_older_than_the_resolution_does_not_reopen(phone, operator):
    conversation = factories.conversation(phone)
    set_conversation_state(conversation=conversation, state="resolved", actor=operator)
    _store(phone.account, _inbound("wamid.late", at=int((timezone.now() - timedelta(hours=1)).timestamp())))
    _store(phone.account, _inbound("wamid.other", wa_id="16505550009"))

    drain_webhook_events(limit=100)

    conversation.refresh_from_db()
    assert conversation.state == "resolved"
    assert [kind for kind, _ in _events(conversation)] == ["resolved"]


def test_a_reaction_alone_does_not_reopen(post_webhook, phone, operator):
    conversation = factories.conversation(phone, wa_id="16315551234")  # the reaction fixture's sender
    set_conversation_state(conversation=conversation, state="resolved", actor=operator)
    payload = load_fixture("webhook_message_reaction.json")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(_now_ts())

    post_webhook(payload)

    conversation.refresh_from_db()
    assert conversation.state == "resolved"


@pytest.mark.parametrize(
    "posted, state, kind",
    [
        ({"state": "resolved"}, "resolved", "resolved"),
        ({"state": "pending"}, "pending", "pending"),
        ({"state": "snoozed", "snooze": "3h"}, "snoozed", "snoozed"),
        ({"state": "snoozed", "snooze": "custom", "until": "2099-01-02T09:30"}, "snoozed", "snoozed"),
    ],
)
def test_an_operator_sets_each_state_from_the_thread(client, operator, phone, posted, state, kind, read_thread):
    conversation = factories.conversation(phone)
    client.force_login(operator)

    response = client.post(reverse("messaging:conversation-state", args=[conversation.pk]), posted)

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.state == state
    assert (conversation.snoozed_until is not None) == (state == "snoozed")
    event = ConversationEvent.objects.get(conversation=conversation)
    assert (event.kind, event.actor, event.details["from"]) == (kind, operator, "open")
    entry = AuditEntry.objects.get(action=f"conversation.{state}")
    assert entry.actor == operator and entry.object_pk == str(conversation.pk)
    assert "olivia" in read_thread(conversation)  # the system line names who did it


def test_reopening_by_hand_is_marked_open_not_a_customer_reopening(client, operator, phone):
    conversation = factories.conversation(phone)
    set_conversation_state(conversation=conversation, state="resolved", actor=operator)
    client.force_login(operator)

    client.post(reverse("messaging:conversation-state", args=[conversation.pk]), {"state": "open"})

    conversation.refresh_from_db()
    assert conversation.state == "open"
    assert [kind for kind, _ in _events(conversation)] == ["resolved", "marked_open"]


@pytest.mark.parametrize(
    "posted, problem",
    [
        ({"state": "snoozed", "snooze": "custom", "until": "2001-01-01T00:00"}, "Snooze until a time in the future."),
        ({"state": "snoozed", "snooze": "custom"}, "Say until when to snooze."),
        ({"state": "closed"}, "Select a valid choice."),
    ],
)
def test_a_bad_state_is_refused_and_changes_nothing(client, operator, phone, posted, problem):
    conversation = factories.conversation(phone)
    client.force_login(operator)

    response = client.post(reverse("messaging:conversation-state", args=[conversation.pk]), posted)

    assert response.status_code == 400 and problem in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.state == "open" and not ConversationEvent.objects.exists()


def test_a_stranger_cannot_change_the_state(client, stranger, phone):
    conversation = factories.conversation(phone)
    client.force_login(stranger)

    response = client.post(reverse("messaging:conversation-state", args=[conversation.pk]), {"state": "resolved"})

    assert response.status_code == 404
    conversation.refresh_from_db()
    assert conversation.state == "open"


def test_snoozed_conversations_wake_when_their_time_comes(phone, operator):
    due = factories.conversation(phone, wa_id="16505550001")
    later = factories.conversation(phone, wa_id="16505550002")
    soon = timezone.now() + timedelta(minutes=5)
    for conversation in (due, later):
        set_conversation_state(conversation=conversation, state="snoozed", actor=operator, snoozed_until=soon)
    Conversation.objects.filter(pk=later.pk).update(snoozed_until=timezone.now() + timedelta(days=1))

    assert wake_snoozed_conversations(now=timezone.now() + timedelta(minutes=10)) == 1
    wake_snoozed_conversations_task()  # nothing more is due

    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.state, due.snoozed_until) == ("open", None)
    assert later.state == "snoozed"
    assert _events(due)[-1][0] == "marked_open" and _events(due)[-1][1]["snooze_ended"] is True


def test_the_thread_poll_offers_the_buttons_of_the_state_a_colleague_set(client, operator, phone):
    conversation = factories.conversation(phone)
    message = factories.outbound(conversation, wamid="wamid.state-poll")
    cursor = f"{int(message.created_at.timestamp() * 1_000_000)}.{message.pk}"
    set_conversation_state(conversation=conversation, state="resolved", actor=None)
    client.force_login(operator)

    html = client.get(reverse("messaging:conversation-messages", args=[conversation.pk]), {"after": cursor},
                      HTTP_HX_REQUEST="true").content.decode()

    buttons = html[html.index('id="state-buttons"'):].split("</form>")[0]
    assert 'hx-swap-oob="true"' in buttons and 'value="open"' in buttons and 'value="resolved"' not in buttons
