"""A big webhook (Meta batches thousands of updates in one 3 MB POST) is applied chunk by chunk:
completely, each chunk on its own, resuming after an interruption without a duplicate."""

import copy
import hashlib
import json

import pytest

from messaging.models import Message, WebhookEvent
from messaging.webhook_events import drain_webhook_events, replay_webhook_event
from messaging.webhook_events.chunks import chunk_items

from ..conftest import load_fixture

pytestmark = pytest.mark.django_db

OTHER_PHONE_NUMBER_ID = "106540352242999"


def _big_change(count: int, *, phone_number_id: str, prefix: str) -> dict:
    """A ``messages`` change of ``count`` inbound texts from 50 customers, in the fixture's shape."""
    change = load_fixture("webhook_message_text.json")["entry"][0]["changes"][0]
    value = change["value"]
    value["metadata"]["phone_number_id"] = phone_number_id
    template = value["messages"][0]
    senders = [f"1650555{n:04d}" for n in range(50)]
    value["contacts"] = [{"profile": {"name": f"Customer {n}"}, "wa_id": wa_id} for n, wa_id in enumerate(senders)]
    value["messages"] = []
    for n in range(count):
        message = copy.deepcopy(template)
        message.update({"id": f"wamid.{prefix}.{n}", "from": senders[n % 50], "timestamp": str(1749416383 + n)})
        message["text"]["body"] = f"Message number {n}"
        value["messages"].append(message)
    return change


def _big_body(*changes: dict) -> dict:
    payload = load_fixture("webhook_message_text.json")
    payload["entry"][0]["changes"] = list(changes)
    return payload


def test_it_applies_a_webhook_of_many_chunks_completely(post_webhook, phone):
    body = _big_body(_big_change(2 * chunk_items() + 50, phone_number_id=phone.phone_number_id, prefix="big"))

    response = post_webhook(body)

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.state, event.error, event.applied_items) == ("processed", "", 2 * chunk_items() + 50)
    assert Message.objects.filter(direction="in").count() == 2 * chunk_items() + 50
    last = 2 * chunk_items() + 49
    assert Message.objects.get(wamid=f"wamid.big.{last}").text == f"Message number {last}"


def test_a_failing_chunk_keeps_the_chunks_before_it_and_replay_resumes(post_webhook, phone, add_phone):
    # 3 chunks of messages for our number, then 2 for a number not connected yet: the first
    # chunk of the second change cannot be routed.
    body = _big_body(
        _big_change(3 * chunk_items(), phone_number_id=phone.phone_number_id, prefix="ours"),
        _big_change(2 * chunk_items(), phone_number_id=OTHER_PHONE_NUMBER_ID, prefix="later"),
    )

    post_webhook(body)

    event = WebhookEvent.objects.get()
    assert event.state == "unroutable"
    assert OTHER_PHONE_NUMBER_ID in event.error
    # Every chunk before the failing one is committed on its own; the failing one wrote nothing.
    assert 0 < event.applied_items <= 3 * chunk_items()
    assert Message.objects.filter(wamid__startswith="wamid.ours.").count() == event.applied_items
    assert not Message.objects.filter(wamid__startswith="wamid.later.").exists()

    add_phone(OTHER_PHONE_NUMBER_ID)
    event = replay_webhook_event(event_id=event.pk)

    assert (event.state, event.applied_items) == ("processed", 5 * chunk_items())
    assert Message.objects.filter(direction="in").count() == 5 * chunk_items()


def test_it_resumes_an_interrupted_event_without_duplicates(phone):
    body = json.dumps(_big_body(_big_change(5 * chunk_items(), phone_number_id=phone.phone_number_id, prefix="cut")))
    event = WebhookEvent.objects.create(account=phone.account, body=body, body_sha256=_sha256(body))
    assert drain_webhook_events(limit=10) == 1
    # As after a crash in the middle of the fourth chunk with progress of a different chunk size:
    # the event is pending again with its progress recorded part-way through a chunk.
    WebhookEvent.objects.filter(pk=event.pk).update(state="pending", applied_items=3 * chunk_items() + 7)

    assert drain_webhook_events(limit=10) == 1

    event.refresh_from_db()
    assert (event.state, event.applied_items) == ("processed", 5 * chunk_items())
    assert Message.objects.count() == 5 * chunk_items()
    assert Message.objects.values("wamid").distinct().count() == 5 * chunk_items()


def test_small_events_after_a_big_one_are_applied_in_turn(phone):
    big = json.dumps(_big_body(_big_change(2 * chunk_items() + 1, phone_number_id=phone.phone_number_id, prefix="big")))
    small = json.dumps(_big_body(_big_change(1, phone_number_id=phone.phone_number_id, prefix="small")))
    for n, body in enumerate((small, big, small.replace("wamid.small.0", "wamid.small.1"))):
        WebhookEvent.objects.create(account=phone.account, body=body, body_sha256=_sha256(body))

    assert drain_webhook_events(limit=10) == 3

    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"processed"}
    assert Message.objects.count() == 2 * chunk_items() + 3


def _sha256(text: str) -> str:
    # The drain checks the stored bytes against their hash: the rows made here carry the real one.
    return hashlib.sha256(text.encode()).hexdigest()
