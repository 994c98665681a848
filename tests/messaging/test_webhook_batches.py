"""Batches and duplicates: many updates in one POST, the same update in several, all applied once."""

import copy

import pytest

from accounts.models import AccountEvent
from messaging.models import Contact, Conversation, Message, MessageStatusEvent, WebhookEvent

from .. import factories
from ..conftest import load_fixture

pytestmark = pytest.mark.django_db


def _value(payload: dict) -> dict:
    return payload["entry"][0]["changes"][0]["value"]


def _big_batch(customers: int, per_customer: int) -> dict:
    """One POST the way Meta batches: several changes in several entries, messages and statuses."""
    template = load_fixture("webhook_message_text.json")
    status_template = _value(load_fixture("webhook_status_sent_pmp.json"))["statuses"][0]
    payload = {"object": "whatsapp_business_account", "entry": []}
    for c in range(customers):
        change = copy.deepcopy(template["entry"][0]["changes"][0])
        value = change["value"]
        wa_id = f"1650555{c:04d}"
        value["contacts"] = [{"profile": {"name": f"Customer {c}"}, "wa_id": wa_id}]
        value["messages"] = [
            {**value["messages"][0], "from": wa_id, "id": f"wamid.in.{c}.{n}", "timestamp": str(1749416383 + n),
             "text": {"body": f"Message {n} from {c}"}}
            for n in range(per_customer)
        ]
        value["statuses"] = [
            {**status_template, "id": f"wamid.out.{c}", "status": status, "timestamp": str(1750030073 + i),
             "recipient_id": wa_id}
            for i, status in enumerate(["sent", "delivered", "read"])
        ]
        payload["entry"].append({"id": "102290129340398", "changes": [change]})
    return payload


def test_it_applies_a_batch_of_many_messages_and_statuses_in_one_post(post_webhook, phone):
    for c in range(10):
        conv = factories.conversation(phone, wa_id=f"1650555{c:04d}")
        factories.outbound(conv, wamid=f"wamid.out.{c}")

    response = post_webhook(_big_batch(customers=10, per_customer=10))

    assert response.status_code == 200
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED
    assert Message.objects.filter(direction="in").count() == 100
    assert set(Conversation.objects.values_list("unread_count", flat=True)) == {10}
    assert set(Message.objects.filter(direction="out").values_list("status", flat=True)) == {"read"}
    assert MessageStatusEvent.objects.count() == 30
    assert Contact.objects.get(wa_id="16505550007").name == "Customer 7"


def test_a_batch_redelivered_whole_changes_nothing(post_webhook, phone):
    payload = _big_batch(customers=3, per_customer=3)
    post_webhook(payload)
    payload["entry"].reverse()  # another app's delivery: same updates, different body

    post_webhook(payload)

    assert WebhookEvent.objects.filter(state="processed").count() == 2
    assert Message.objects.count() == 9
    assert set(Conversation.objects.values_list("unread_count", flat=True)) == {3}
    assert MessageStatusEvent.objects.count() == 9


def test_the_same_message_twice_in_one_batch_is_stored_once(post_webhook, phone):
    payload = load_fixture("webhook_message_text.json")
    _value(payload)["messages"] *= 2

    post_webhook(payload)

    assert Message.objects.count() == 1
    assert Conversation.objects.get().unread_count == 1


def test_the_same_message_inside_a_different_batch_is_stored_once(post_webhook, phone):
    post_webhook(load_fixture("webhook_message_text.json"))
    batch = load_fixture("webhook_message_text.json")
    message = _value(batch)["messages"][0]
    _value(batch)["messages"] = [{**message, "id": "wamid.another", "text": {"body": "And in red?"}}, message]

    post_webhook(batch)

    assert Message.objects.count() == 2
    assert Conversation.objects.get().unread_count == 2


def test_an_account_error_redelivered_in_another_batch_shows_once(post_webhook, add_phone):
    add_phone("1122334455667")
    payload = load_fixture("webhook_messages_value_errors.json")
    post_webhook(payload)
    payload["entry"][0]["time"] = 1700505999

    post_webhook(payload)

    assert WebhookEvent.objects.filter(state="processed").count() == 2
    assert AccountEvent.objects.filter(field="messages").count() == 1


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda v: v.update(messages={"id": "x"}), "'messages' is not a list"),
        (lambda v: v.update(statuses="sent"), "'statuses' is not a list"),
        (lambda v: v.update(errors=7), "'errors' is not a list"),
        (lambda v: v["messages"][0].update(timestamp=None), "bad timestamp"),
        (lambda v: v["messages"][0].update(type=["text"]), "'type'"),
    ],
)
def test_a_wrong_type_rejects_the_whole_batch_and_writes_nothing(post_webhook, phone, mutate, reason):
    payload = load_fixture("webhook_message_text.json")
    value = _value(payload)
    value["messages"].insert(0, {**value["messages"][0], "id": "wamid.first-and-fine"})
    mutate(value)

    post_webhook(payload)

    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.REJECTED and reason in event.error
    assert not Message.objects.exists() and not Contact.objects.exists() and not AccountEvent.objects.exists()


def test_a_system_notice_without_a_sender_is_kept_on_the_event(post_webhook, add_phone):
    add_phone("1122334455667")
    payload = load_fixture("webhook_message_system_user_changed_number.json")
    message = _value(payload)["messages"][0]
    del message["from"]
    message["system"] = {"body": "User changed from CO.1 to MX.2", "user_id": "MX.2", "type": "user_changed_user_id"}

    post_webhook(payload)

    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.PROCESSED
    assert event.unhandled_fields == ["messages:system:user_changed_user_id"]
