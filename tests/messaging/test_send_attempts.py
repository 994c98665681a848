"""A row per call to Meta for an outbound message: support sees every try, with Meta's code for each."""

import pytest
import requests
import responses
from django.urls import reverse

from messaging.models import MessageSendAttempt
from messaging.services.compose import text_draft
from messaging.services.delivery import deliver_messages
from messaging.services.sending import send_draft
from messaging.tasks import send_messages_task
from tests import factories
from tests.conftest import PHONE_NUMBER_ID, fixture_bytes, load_fixture

pytestmark = pytest.mark.django_db

SEND_URL = f"http://graph.test/v24.0/{PHONE_NUMBER_ID}/messages"
WAMID = load_fixture("send_response.json")["messages"][0]["id"]
BODY = "Your order #4411 ships tomorrow"


def _graph_error(code: int, message: str, fbtrace_id: str, **extra) -> dict:
    return {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": fbtrace_id, **extra}}


@pytest.fixture
def graph():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def _send(conv, body=BODY):
        with django_capture_on_commit_callbacks(execute=True):
            return send_draft(conversation=conv, draft=text_draft(body=body))

    return _send


def _attempts(message) -> list[MessageSendAttempt]:
    return list(MessageSendAttempt.objects.filter(message=message).order_by("number"))


def _accepted():
    return {"body": fixture_bytes("send_response.json"), "content_type": "application/json"}


def test_it_records_two_retryable_failures_and_the_success(graph, send, phone):
    graph.post(SEND_URL, json=_graph_error(131000, "(#131000) Something went wrong", "TRACE-one"), status=500)
    graph.post(
        SEND_URL,
        json=_graph_error(131016, "(#131016) Service unavailable", "TRACE-two", error_subcode=2494055),
        status=400,
    )
    graph.post(SEND_URL, **_accepted())

    message = send(factories.conversation(phone))

    message.refresh_from_db()
    assert message.status == "accepted"
    assert message.attempts == 3
    first, second, third = _attempts(message)
    assert [a.number for a in (first, second, third)] == [1, 2, 3]
    assert (first.outcome, first.error_code, first.http_status, first.fbtrace_id) == ("retryable", 131000, 500, "TRACE-one")
    assert (second.outcome, second.error_code, second.error_subcode, second.fbtrace_id) == (
        "retryable",
        131016,
        2494055,
        "TRACE-two",
    )
    assert second.error_message == "(#131016) Service unavailable"
    assert (third.outcome, third.error_code, third.fbtrace_id) == ("accepted", None, "")
    assert all(BODY not in (a.error_message + a.error_title + a.error_details) for a in (first, second, third))


def test_the_thread_lists_every_attempt_in_plain_words(graph, send, phone, read_thread):
    graph.post(SEND_URL, json=_graph_error(131000, "(#131000) Something went wrong", "TRACE-one"), status=500)
    graph.post(SEND_URL, json=_graph_error(131016, "(#131016) Service unavailable", "TRACE-two"), status=400)
    graph.post(SEND_URL, **_accepted())
    conv = factories.conversation(phone)
    send(conv)

    html = read_thread(conv)

    assert "3 attempts to send" in html
    assert "error 131000" in html and "Something went wrong at WhatsApp." in html
    assert "error 131016" in html and "temporarily unavailable" in html
    assert "TRACE-one" in html and "TRACE-two" in html
    assert "Accepted by WhatsApp" in html


def test_the_thread_shows_no_attempt_list_for_a_message_that_went_at_the_first_try(graph, send, phone, read_thread):
    graph.post(SEND_URL, **_accepted())
    conv = factories.conversation(phone)
    send(conv)

    html = read_thread(conv)

    assert BODY in html
    assert "send-attempts" not in html


def test_the_admin_message_page_shows_the_attempts_read_only(graph, send, phone, admin_client):
    graph.post(SEND_URL, json=_graph_error(131000, "(#131000) Something went wrong", "TRACE-one"), status=500)
    graph.post(SEND_URL, json=_graph_error(131016, "(#131016) Service unavailable", "TRACE-two"), status=400)
    graph.post(SEND_URL, **_accepted())
    message = send(factories.conversation(phone))

    response = admin_client.get(reverse("admin:messaging_message_change", args=[message.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "TRACE-one" in html and "TRACE-two" in html
    assert "131000" in html and "131016" in html
    assert "Failed (retryable error)" in html
    # Shown, not editable: no form fields for the rows and no room for new ones.
    assert 'name="send_attempts-0-fbtrace_id"' not in html
    assert 'name="send_attempts-0-outcome"' not in html
    assert 'name="send_attempts-MAX_NUM_FORMS" value="0"' in html


def test_the_admin_finds_an_attempt_by_the_fbtrace_id_meta_support_quotes(graph, send, phone, admin_client):
    graph.post(SEND_URL, body=fixture_bytes("error_190_invalid_token.json"), status=401, content_type="application/json")
    graph.post(SEND_URL, json=_graph_error(100, "(#100) Invalid parameter", "TRACE-other"), status=400)
    wanted = send(factories.conversation(phone))
    other = send(factories.conversation(phone, wa_id="16505550000"))

    page = admin_client.get(reverse("admin:messaging_messagesendattempt_changelist"), {"q": "AbJuG-rMVv36mjw-r78mKwg"})

    assert page.status_code == 200
    assert str(wanted.uuid) in page.text  # the row names its message
    assert str(other.uuid) not in page.text
    assert admin_client.get(reverse("admin:messaging_messagesendattempt_add")).status_code == 403


def test_a_permanent_error_makes_one_row(graph, send, phone):
    graph.post(SEND_URL, body=fixture_bytes("error_190_invalid_token.json"), status=401, content_type="application/json")

    message = send(factories.conversation(phone))

    message.refresh_from_db()
    assert message.status == "failed"
    (attempt,) = _attempts(message)
    assert (attempt.number, attempt.outcome, attempt.error_code, attempt.http_status) == (1, "permanent", 190, 401)
    assert attempt.fbtrace_id == "AbJuG-rMVv36mjw-r78mKwg"
    assert attempt.error_message == "Invalid OAuth access token - Cannot parse access token"


def test_a_lost_answer_is_recorded_as_outcome_unknown(graph, send, phone, read_thread):
    graph.post(SEND_URL, body=requests.ReadTimeout("read timed out"))
    graph.post(SEND_URL, **_accepted())
    conv = factories.conversation(phone)

    message = send(conv)

    lost, accepted = _attempts(message)
    assert (lost.number, lost.outcome, lost.error_code, lost.http_status) == (1, "unknown", None, None)
    assert "Timed out" in lost.error_message
    assert (accepted.number, accepted.outcome) == (2, "accepted")
    assert "may have been sent" in read_thread(conv)


def test_a_repeated_task_adds_no_row(graph, send, phone):
    graph.post(SEND_URL, **_accepted())
    message = send(factories.conversation(phone))

    send_messages_task.delay([message.pk])  # a redelivered task (acks_late) after the first succeeded

    assert len(graph.calls) == 1
    assert [a.number for a in _attempts(message)] == [1]


def test_a_repeated_task_after_a_permanent_failure_adds_no_row(graph, send, phone):
    graph.post(SEND_URL, body=fixture_bytes("error_190_invalid_token.json"), status=401, content_type="application/json")
    message = send(factories.conversation(phone))

    send_messages_task.delay([message.pk])

    assert len(graph.calls) == 1
    assert len(_attempts(message)) == 1


def test_a_task_racing_the_one_in_flight_neither_sends_nor_records(graph, send, phone):
    # The second delivery starts while the first is still waiting for Meta's answer.
    conv = factories.conversation(phone)
    message = factories.outbound(conv, status="queued")

    def _answer_while_another_task_runs(request):
        deliver_messages(message_ids=[message.pk])
        return 200, {}, fixture_bytes("send_response.json")

    graph.add_callback(responses.POST, SEND_URL, callback=_answer_while_another_task_runs, content_type="application/json")

    deliver_messages(message_ids=[message.pk])

    assert len(graph.calls) == 1
    (attempt,) = _attempts(message)
    assert (attempt.number, attempt.outcome) == (1, "accepted")
