"""Messages queued together go to the worker in batches: one send task, one claim and one record per
batch, each message its own call to Meta and its own outcome. Meta is faked with ``responses``; the
limiter is the real one (this run's own file)."""

import hashlib
import itertools
import json
import time

import pytest
import responses
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from messaging.models import Message, MessageSendAttempt, WebhookEvent
from messaging.services.delivery import deliver_messages
from messaging.services.sending import DELIVERY_BATCH, deliver_together, queue_message
from messaging.tasks import send_messages_task

from .. import factories
from .test_rate_limit_sending import SEND_URL, TEMPLATE, graph  # noqa: F401 (Meta faked the same way)
from ..conftest import PHONE_NUMBER_ID, load_fixture

pytestmark = pytest.mark.django_db

def _answers(graph, refuse_to: set[str] = frozenset(), code: int = 131000, http_status: int = 500):
    """Meta accepts every send (a new wamid each) except those to ``refuse_to``, refused with ``code``."""

    def _answer(request):
        to = json.loads(request.body)["to"].lstrip("+")
        if to in refuse_to:
            return http_status, {}, json.dumps({"error": {"message": "(#%d) Not now" % code, "type": "OAuthException",
                                                          "code": code, "fbtrace_id": "T"}})
        answer = load_fixture("send_response.json")
        answer["messages"][0]["id"] = f"wamid.BATCH{next(_WAMIDS)}"
        return 200, {}, json.dumps(answer)

    graph.add_callback(responses.POST, SEND_URL, callback=_answer)


_WAMIDS = itertools.count(1)


def _queued(phone, count: int, *, first: int = 0, **kwargs) -> list[Message]:
    """``count`` templates to as many customers, queued without running their task."""
    messages = []
    for n in range(first, first + count):
        conversation = factories.conversation(phone, wa_id=f"1555010{n:04d}")
        messages.append(queue_message(conversation=conversation, kind="template", content=dict(TEMPLATE),
                                      requires_window=False, **kwargs))
    return messages


def _published(broker) -> list[list[int]]:
    found = []
    while True:
        try:
            message = broker.get(timeout=0.2)
        except broker.Empty:
            return found
        assert message.headers["task"] == "messaging.tasks.send_messages_task"
        found.append(json.loads(message.body)[0][0])
        message.ack()


def test_messages_queued_together_go_to_the_worker_in_batches(broker, phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), deliver_together():
        messages = _queued(phone, DELIVERY_BATCH * 2 + 5)

    batches = _published(broker)

    assert [len(batch) for batch in batches] == [DELIVERY_BATCH, DELIVERY_BATCH, 5]
    assert sum(batches, []) == [m.pk for m in messages]


def test_a_message_queued_alone_is_a_batch_of_one(broker, phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = _queued(phone, 1)

    assert _published(broker) == [[message.pk]]


def test_each_message_of_a_batch_is_sent_once_and_recorded_with_its_own_wamid(graph, phone):
    _answers(graph)
    messages = _queued(phone, 5)

    deliver_messages(message_ids=[m.pk for m in messages])

    assert len(graph.calls) == 5
    sent_to = [json.loads(call.request.body)["to"] for call in graph.calls]
    assert sent_to == ["+" + m.conversation.contact.wa_id for m in messages]  # in the order queued
    stored = Message.objects.filter(pk__in=[m.pk for m in messages])
    assert {m.status for m in stored} == {"accepted"}
    assert len({m.wamid for m in stored}) == 5
    assert {(a.number, a.outcome) for a in MessageSendAttempt.objects.filter(message__in=messages)} == {(1, "accepted")}
    assert all(m.attempts == 1 for m in stored)


def test_a_batch_costs_the_same_statements_however_many_messages_it_holds(graph, phone):
    _answers(graph)
    small, large = _queued(phone, 3), _queued(phone, DELIVERY_BATCH, first=3)

    with CaptureQueriesContext(connection) as few:
        deliver_messages(message_ids=[m.pk for m in small])
    with CaptureQueriesContext(connection) as many:
        deliver_messages(message_ids=[m.pk for m in large])

    assert len(many) == len(few)
    assert Message.objects.filter(status="accepted").count() == 3 + DELIVERY_BATCH


def test_a_repeated_batch_sends_nothing_twice(graph, phone):
    _answers(graph)
    messages = _queued(phone, 3)
    deliver_messages(message_ids=[m.pk for m in messages])

    deliver_messages(message_ids=[m.pk for m in messages])  # a redelivered task (acks_late)

    assert len(graph.calls) == 3
    assert MessageSendAttempt.objects.filter(message__in=messages).count() == 3


def test_one_failure_in_a_batch_fails_only_that_message(graph, phone):
    messages = _queued(phone, 3)
    _answers(graph, refuse_to={messages[1].conversation.contact.wa_id}, code=131026, http_status=400)

    outcome = deliver_messages(message_ids=[m.pk for m in messages])

    first, refused, last = (Message.objects.get(pk=m.pk) for m in messages)
    assert (first.status, last.status) == ("accepted", "accepted")
    assert (refused.status, refused.error_code) == ("failed", 131026)
    assert outcome.retry == {}


def test_a_retryable_failure_retries_only_that_message(graph, phone):
    messages = _queued(phone, 3)
    unlucky = messages[1].conversation.contact.wa_id
    _answers(graph, refuse_to={unlucky})

    outcome = deliver_messages(message_ids=[m.pk for m in messages])

    assert list(outcome.retry) == [messages[1].pk]
    retrying = Message.objects.get(pk=messages[1].pk)
    assert (retrying.status, retrying.error_code) == ("queued", 131000)
    assert retrying.error_title.startswith("Retrying: ")
    assert Message.objects.filter(pk__in=[messages[0].pk, messages[2].pk], status="accepted").count() == 2

    graph.reset()
    _answers(graph)  # Meta is well again: the retry (run inline here) sends only the one that failed
    send_messages_task.delay([messages[1].pk])

    assert [json.loads(call.request.body)["to"] for call in graph.calls] == ["+" + unlucky]
    assert Message.objects.get(pk=messages[1].pk).status == "accepted"


def test_when_the_limiter_says_wait_the_rest_of_the_batch_comes_back_as_one_task(graph, broker, phone):
    _answers(graph)
    messages = _queued(phone, 4, rate_group="campaign:7", rate_cap=1)
    _published(broker)  # the tasks their commit would have sent

    send_messages_task([m.pk for m in messages])  # as a worker runs it: one goes, then the cap says wait

    assert len(graph.calls) == 1
    assert _published(broker) == [[m.pk for m in messages[1:]]]
    waiting = Message.objects.filter(pk__in=[m.pk for m in messages[1:]])
    assert {m.status for m in waiting} == {"queued"}
    assert {m.error_title for m in waiting} == {"Waiting: this send is capped at 1 message a second."}


def test_a_send_waiting_for_the_window_applies_the_waiting_webhooks_meanwhile(graph, phone):
    # A single worker process: the time the number's window is full goes to the statuses Meta sent.
    _answers(graph)
    first_two, third = _queued(phone, 2, rate_group="campaign:8", rate_cap=2), _queued(phone, 1, first=2,
                                                                                      rate_group="campaign:8", rate_cap=2)
    deliver_messages(message_ids=[m.pk for m in first_two])
    delivered = factories.outbound(factories.conversation(phone, wa_id="15550109999"), wamid="wamid.DONE", status="sent")
    body = json.dumps(_status_payload(delivered.wamid, "delivered")).encode()
    event = WebhookEvent.objects.create(account=phone.account, body=body.decode(), raw_body=body,
                                        body_sha256=hashlib.sha256(body).hexdigest())
    time.sleep(0.6)  # the third's place frees about 0.4 s from now: it waits in the worker

    deliver_messages(message_ids=[m.pk for m in third])

    event.refresh_from_db()
    assert event.state == "processed"
    assert Message.objects.get(pk=delivered.pk).status == "delivered"
    assert Message.objects.get(pk=third[0].pk).status == "accepted"


def _status_payload(wamid: str, status: str) -> dict:
    payload = load_fixture("webhook_status_read.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = PHONE_NUMBER_ID
    value["statuses"][0].update({"id": wamid, "status": status, "timestamp": str(int(time.time()))})
    return payload
