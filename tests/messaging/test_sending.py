"""The send pipeline: validate → queue → task → Graph API, with Meta faked at the HTTP layer."""

import json
from datetime import timedelta

import pytest
import requests
import responses
from django.core.exceptions import ValidationError

from messaging.models import Message
from messaging.services.compose import text_draft
from messaging.services.sending import WindowClosed, send_draft
from messaging.tasks import SEND_MAX_RETRIES

from .. import factories
from ..conftest import ACCESS_TOKEN, PHONE_NUMBER_ID, fixture_bytes, load_fixture

pytestmark = pytest.mark.django_db

SEND_URL = f"http://graph.test/v24.0/{PHONE_NUMBER_ID}/messages"
WAMID = load_fixture("send_response.json")["messages"][0]["id"]


@pytest.fixture
def graph():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def _send(conv, body="Hello there", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return send_draft(conversation=conv, draft=text_draft(body=body), **kwargs)

    return _send


def test_it_sends_a_text_and_stores_the_wamid(graph, send, phone, operator):
    graph.post(SEND_URL, body=fixture_bytes("send_response.json"), content_type="application/json")
    conv = factories.conversation(phone)

    message = send(conv, "Yes, it comes in blue.", user=operator)

    message.refresh_from_db()
    assert message.status == "accepted"
    assert message.wamid == WAMID
    assert message.sent_by == operator
    sent = json.loads(graph.calls[0].request.body)
    assert sent == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+16505551234",
        "type": "text",
        "text": {"body": "Yes, it comes in blue.", "preview_url": False},
        "biz_opaque_callback_data": str(message.uuid),
    }
    assert graph.calls[0].request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_it_refuses_free_text_when_the_window_is_closed_and_queues_nothing(graph, send, phone):
    conv = factories.conversation(phone, wrote_ago=timedelta(hours=25))

    with pytest.raises(WindowClosed, match="more than 24 hours ago"):
        send(conv)

    assert Message.objects.count() == 0
    assert len(graph.calls) == 0


def test_it_refuses_free_text_to_a_customer_who_never_wrote(graph, send, phone):
    conv = factories.conversation(phone, wrote_ago=None)
    with pytest.raises(WindowClosed, match="never written"):
        send(conv)
    assert Message.objects.count() == 0


@pytest.mark.parametrize("body, reason", [("   ", "Write something"), ("x" * 4097, "at most 4096")])
def test_it_refuses_empty_or_overlong_text(graph, send, phone, body, reason):
    with pytest.raises(ValidationError, match=reason):
        send(factories.conversation(phone), body)
    assert Message.objects.count() == 0


def test_it_queues_once_when_the_same_form_is_submitted_twice(graph, send, phone):
    graph.post(SEND_URL, body=fixture_bytes("send_response.json"), content_type="application/json")
    conv = factories.conversation(phone)
    import uuid

    token = uuid.uuid4()
    first = send(conv, client_uuid=token)
    second = send(conv, client_uuid=token)

    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert len(graph.calls) == 1


def test_it_marks_a_permanent_error_failed_with_meta_code_and_explanation(graph, send, phone):
    graph.post(SEND_URL, body=fixture_bytes("error_190_invalid_token.json"), status=401, content_type="application/json")

    message = send(factories.conversation(phone))

    message.refresh_from_db()
    assert message.status == "failed"
    assert message.error_code == 190
    assert "Invalid OAuth access token" in message.error_title
    assert len(graph.calls) == 1  # never retried


def test_it_retries_a_retryable_error_and_then_succeeds(graph, send, phone):
    # (Meta's "too fast" answers wait for the rate limiter instead: tests/messaging/test_rate_limit_sending.py.)
    unavailable = {"error": {"message": "(#131016) Service unavailable", "type": "OAuthException", "code": 131016, "fbtrace_id": "A"}}
    graph.post(SEND_URL, json=unavailable, status=503)
    graph.post(SEND_URL, body=requests.ConnectionError("reset by peer"))
    graph.post(SEND_URL, body=fixture_bytes("send_response.json"), content_type="application/json")

    message = send(factories.conversation(phone))

    message.refresh_from_db()
    assert message.status == "accepted"
    assert message.wamid == WAMID
    assert message.attempts == 3


def test_it_fails_with_the_last_error_after_retries_run_out(graph, send, phone):
    down = {"error": {"message": "(#131016) Service unavailable", "type": "OAuthException", "code": 131016, "fbtrace_id": "B"}}
    for _ in range(SEND_MAX_RETRIES + 1):
        graph.post(SEND_URL, json=down, status=503)

    message = send(factories.conversation(phone))

    message.refresh_from_db()
    assert message.status == "failed"
    assert message.error_code == 131016
    assert len(graph.calls) == SEND_MAX_RETRIES + 1


def test_a_repeated_task_does_not_send_twice(graph, send, phone):
    graph.post(SEND_URL, body=fixture_bytes("send_response.json"), content_type="application/json")
    message = send(factories.conversation(phone))

    from messaging.tasks import send_messages_task

    send_messages_task.delay([message.pk])  # a redelivered task (acks_late) after the first succeeded

    assert len(graph.calls) == 1


def test_a_status_webhook_that_beat_the_send_answer_is_not_lost(graph, send, phone, post_webhook):
    # Meta's "sent" arrives (with our UUID) before the send call returns; the wamid then matches.
    conv = factories.conversation(phone)

    def _answer_after_webhook(request):
        body = json.loads(request.body)
        status = load_fixture("webhook_status_sent_biz_opaque_callback.json")
        value = status["entry"][0]["changes"][0]["value"]
        value["metadata"]["phone_number_id"] = PHONE_NUMBER_ID
        value["statuses"][0].update(id=WAMID, biz_opaque_callback_data=body["biz_opaque_callback_data"])
        post_webhook(status)
        return 200, {}, fixture_bytes("send_response.json")

    graph.add_callback(responses.POST, SEND_URL, callback=_answer_after_webhook)

    message = send(conv)

    message.refresh_from_db()
    assert message.wamid == WAMID
    assert message.status == "sent"  # the webhook's status is kept, not rolled back to "accepted"
