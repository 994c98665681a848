"""Reading: the open thread POSTs that it was seen, which marks the customer's newest message read
at Meta once (Meta marks the earlier ones too) and clears unread — only for the number's Operator or
Administrator; opening or polling (GET) changes nothing. "typing…" while the operator types, at most
every 20 s."""

import json
from datetime import timedelta

import pytest
import responses
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Conversation, Message
from messaging.services import reading

from .. import factories
from ..conftest import PHONE_NUMBER_ID

pytestmark = pytest.mark.django_db

SEND_URL = f"http://graph.test/v24.0/{PHONE_NUMBER_ID}/messages"


@pytest.fixture
def graph():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _ok(graph):
    graph.post(SEND_URL, json={"success": True})


def _read_calls(graph) -> list[dict]:
    return [json.loads(call.request.body) for call in graph.calls]


def _inbound(conv, wamid: str, minutes_ago: float, type_: str = "text") -> Message:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    message = Message.objects.create(conversation=conv, wamid=wamid, direction="in", type=type_, text="hi",
                                     status="received", created_at=at, meta_timestamp=at)
    Conversation.objects.filter(pk=conv.pk).update(last_inbound_at=at, unread_count=conv.unread_count + 1)
    conv.refresh_from_db()
    return message


@pytest.fixture
def conv(phone):
    conv = factories.conversation(phone, wrote_ago=None)
    _inbound(conv, "wamid.first", 10)
    _inbound(conv, "wamid.second", 5)
    return conv


def _open(client, conv, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.get(reverse("messaging:conversation-detail", args=[conv.pk]))


def _seen(client, conv, django_capture_on_commit_callbacks):
    """What console.js does when the thread it shows has unread messages."""
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("messaging:conversation-read", args=[conv.pk]))


def _state(conv) -> tuple:
    conv.refresh_from_db()
    return conv.unread_count, conv.read_up_to, list(Message.objects.order_by("pk").values_list("read_at_meta", flat=True))


def test_opening_and_polling_a_thread_change_nothing(client, operator, conv, graph, django_capture_on_commit_callbacks):
    _ok(graph)
    before = _state(conv)
    client.force_login(operator)

    page = _open(client, conv, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("messaging:conversation-messages", args=[conv.pk]), HTTP_HX_REQUEST="true")

    assert page.status_code == 200
    assert _state(conv) == before and before[0] == 2
    assert len(graph.calls) == 0  # no blue ticks on the customer's phone
    read_url = reverse("messaging:conversation-read", args=[conv.pk])
    assert f'data-read-url="{read_url}"' in page.text  # the page asks for it by POST


def test_the_posted_read_marks_the_newest_customer_message_read_once(client, operator, conv, graph, django_capture_on_commit_callbacks):
    _ok(graph)
    client.force_login(operator)

    assert _seen(client, conv, django_capture_on_commit_callbacks).status_code == 204
    assert _seen(client, conv, django_capture_on_commit_callbacks).status_code == 204

    assert _read_calls(graph) == [{"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.second"}]
    conv.refresh_from_db()
    assert conv.unread_count == 0 and conv.read_up_to == conv.last_inbound_at
    assert Message.objects.get(wamid="wamid.second").read_at_meta is not None
    assert Message.objects.get(wamid="wamid.first").read_at_meta is None  # Meta marks it read with the newer one
    page = _open(client, conv, django_capture_on_commit_callbacks)
    assert "data-read-url" not in page.text  # read: the page asks no more


def test_a_message_arriving_later_is_marked_read_by_itself(client, operator, conv, graph, django_capture_on_commit_callbacks):
    _ok(graph)
    client.force_login(operator)
    _seen(client, conv, django_capture_on_commit_callbacks)

    _inbound(conv, "wamid.third", 1)
    poll = client.get(reverse("messaging:conversation-messages", args=[conv.pk]))  # the open thread's poll
    assert "data-read-url" in poll.text
    _seen(client, conv, django_capture_on_commit_callbacks)

    assert [call["message_id"] for call in _read_calls(graph)] == ["wamid.second", "wamid.third"]


@pytest.mark.parametrize("role", [roles.TEMPLATE_MANAGER, roles.SUPPORT])
def test_a_user_who_only_looks_marks_nothing_read(client, phone, conv, graph, role, django_capture_on_commit_callbacks):
    _ok(graph)
    viewer = ensure_user(username="vera", password="pw-vera-123", role=role)
    grant_phone_number(user=viewer, phone_number=phone)
    before = _state(conv)
    client.force_login(viewer)

    page = _open(client, conv, django_capture_on_commit_callbacks)
    answer = _seen(client, conv, django_capture_on_commit_callbacks)

    assert page.status_code == 200 and "data-read-url" not in page.text
    assert answer.status_code == 403
    assert _state(conv) == before and len(graph.calls) == 0


def test_marking_read_needs_a_post_with_the_csrf_token_and_the_number(phone, conv, operator, stranger, graph):
    url = reverse("messaging:conversation-read", args=[conv.pk])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(operator)
    assert strict.post(url).status_code == 403  # no CSRF token
    assert strict.get(url).status_code == 405
    assert Client().post(url).status_code == 302  # anonymous: to the login page
    other = Client()
    other.force_login(stranger)
    assert other.post(url).status_code == 404  # not his number: no hint that it exists
    assert _state(conv)[0] == 2 and len(graph.calls) == 0


def test_reactions_and_notices_are_not_what_gets_marked_read(conv, graph):
    _ok(graph)
    _inbound(conv, "wamid.reaction", 1, type_="reaction")

    marked = reading.mark_conversation_read(conversation_id=conv.pk)

    assert marked.wamid == "wamid.second"
    conv.refresh_from_db()
    assert not reading.needs_read_receipt(conv)  # the reaction's time is covered: no more asking


def test_a_retryable_failure_releases_the_claim_and_the_task_retries(conv, graph):
    from messaging.tasks import READ_MAX_RETRIES, mark_conversation_read_task

    graph.post(SEND_URL, status=503, json={"error": {"message": "down", "code": 131016}})

    mark_conversation_read_task.delay(conv.pk)  # eager: the retries run at once

    assert len(graph.calls) == READ_MAX_RETRIES + 1
    assert Message.objects.get(wamid="wamid.second").read_at_meta is None
    conv.refresh_from_db()
    assert reading.needs_read_receipt(conv)  # the next look at the thread asks again


def test_a_permanent_refusal_is_not_asked_again(conv, graph):
    from messaging.tasks import mark_conversation_read_task

    graph.post(SEND_URL, status=400, json={"error": {"message": "(#100) Invalid parameter", "code": 100}})

    mark_conversation_read_task.delay(conv.pk)
    mark_conversation_read_task.delay(conv.pk)

    assert len(graph.calls) == 1
    conv.refresh_from_db()
    assert not reading.needs_read_receipt(conv)


def test_a_thread_read_already_costs_no_task(client, operator, conv, graph, django_capture_on_commit_callbacks):
    Conversation.objects.filter(pk=conv.pk).update(read_up_to=conv.last_inbound_at)
    client.force_login(operator)
    _seen(client, conv, django_capture_on_commit_callbacks)
    assert len(graph.calls) == 0  # nothing to mark


# -- typing indicator ---------------------------------------------------------------------------


def _typing(client, conv, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("messaging:conversation-typing", args=[conv.pk]))


def test_typing_shows_the_indicator_at_most_every_20_seconds(client, operator, conv, graph, django_capture_on_commit_callbacks):
    _ok(graph)
    client.force_login(operator)

    assert _typing(client, conv, django_capture_on_commit_callbacks).status_code == 204
    assert _typing(client, conv, django_capture_on_commit_callbacks).status_code == 204
    assert _read_calls(graph) == [{"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.second",
                                   "typing_indicator": {"type": "text"}}]

    Conversation.objects.filter(pk=conv.pk).update(typing_sent_at=timezone.now() - timedelta(seconds=21))
    _typing(client, conv, django_capture_on_commit_callbacks)
    assert len(graph.calls) == 2
    assert Message.objects.get(wamid="wamid.second").read_at_meta is not None  # typing also marks it read


def test_no_typing_indicator_when_the_window_is_closed(client, operator, phone, graph, django_capture_on_commit_callbacks):
    conv = factories.conversation(phone, wrote_ago=timedelta(days=2))
    client.force_login(operator)
    assert _typing(client, conv, django_capture_on_commit_callbacks).status_code == 204
    assert len(graph.calls) == 0


def test_a_failed_typing_indicator_is_dropped(conv, graph):
    graph.post(SEND_URL, status=503, json={"error": {"message": "down", "code": 131016}})
    assert reading.send_typing_indicator(conversation_id=conv.pk) is False
    assert len(graph.calls) == 1  # not retried: the moment has passed


def test_typing_needs_login_permission_the_number_and_a_post(client, phone, conv, no_role_user, stranger, graph):
    url = reverse("messaging:conversation-typing", args=[conv.pk])
    assert client.post(url).status_code == 302
    client.force_login(no_role_user)
    assert client.post(url).status_code == 403
    client.force_login(stranger)
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 405
    assert len(graph.calls) == 0
