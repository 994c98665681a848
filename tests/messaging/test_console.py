"""The console pages: access for every view, the thread's bubbles, compose with its refusals."""

import re
from datetime import timedelta

import pytest
import responses
from django.urls import reverse

from messaging.models import Message

from .. import factories
from ..conftest import PHONE_NUMBER_ID, fixture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def conv(phone):
    return factories.conversation(phone)


def _urls(conv):
    return {
        "inbox": reverse("messaging:inbox"),
        "detail": reverse("messaging:conversation-detail", args=[conv.pk]),
        "messages": reverse("messaging:conversation-messages", args=[conv.pk]),
    }


@pytest.mark.parametrize("page", ["inbox", "detail", "messages"])
def test_it_sends_anonymous_users_to_the_login_page(client, conv, page):
    response = client.get(_urls(conv)[page])
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("page", ["inbox", "detail", "messages"])
def test_it_refuses_a_user_without_the_console_permission(client, conv, no_role_user, page):
    client.force_login(no_role_user)
    assert client.get(_urls(conv)[page]).status_code == 403


@pytest.mark.parametrize("page", ["detail", "messages"])
def test_it_hides_another_business_conversations(client, conv, stranger, page):
    client.force_login(stranger)
    assert client.get(_urls(conv)[page]).status_code == 404


def test_the_stranger_inbox_does_not_list_our_conversation(client, conv, stranger):
    client.force_login(stranger)
    response = client.get(reverse("messaging:inbox"))
    assert response.status_code == 200
    assert "Sheena Nelson" not in response.text


def test_the_inbox_lists_conversations_with_their_window_state(client, phone, operator):
    factories.conversation(phone, wa_id="15550100001", name="Open Olga")
    factories.conversation(phone, wa_id="15550100002", name="Closed Carl", wrote_ago=timedelta(days=2))
    client.force_login(operator)

    response = client.get(reverse("messaging:inbox"))

    assert response.status_code == 200
    olga = response.text[response.text.index("Open Olga") :][:600]
    carl = response.text[response.text.index("Closed Carl") :][:600]
    assert "open ·" in olga
    assert "window closed" in carl


def test_the_opened_conversation_clears_its_unread_count_by_post(client, phone, operator, post_webhook):
    post_webhook(fixture_bytes("webhook_message_text.json"))
    message = Message.objects.get()
    client.force_login(operator)

    response = client.get(reverse("messaging:conversation-detail", args=[message.conversation_id]))
    message.conversation.refresh_from_db()
    assert "Does it come in another color?" in response.text and message.conversation.unread_count == 1
    client.post(reverse("messaging:conversation-read", args=[message.conversation_id]))  # what console.js does

    message.conversation.refresh_from_db()
    assert message.conversation.unread_count == 0


def test_the_thread_shows_each_outbound_status_and_failure_explanation(client, conv, operator):
    factories.outbound(conv, wamid="wamid.a", status="read", body="first")
    failed = factories.outbound(conv, wamid="wamid.b", status="failed", body="second")
    failed.error_code = 131047
    failed.save()
    client.force_login(operator)

    html = client.get(reverse("messaging:conversation-messages", args=[conv.pk])).text

    assert re.search(r'data-status="read"[^>]*>\s*<p class="text">first', html)
    assert 'data-status="failed"' in html
    assert "error 131047" in html
    assert "send an approved template instead" in html.lower()


@responses.activate
def test_an_operator_sends_a_text_from_the_thread(client, conv, operator, django_capture_on_commit_callbacks):
    responses.post(
        f"http://graph.test/v24.0/{PHONE_NUMBER_ID}/messages",
        body=fixture_bytes("send_response.json"),
        content_type="application/json",
    )
    client.force_login(operator)
    page = client.get(reverse("messaging:conversation-detail", args=[conv.pk])).text
    client_uuid = re.search(r'name="client_uuid" value="([^"]+)"', page).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("messaging:conversation-send", args=[conv.pk]), {"body": "On its way!", "client_uuid": client_uuid}
        )

    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.text, message.status, str(message.uuid)) == ("On its way!", "accepted", client_uuid)


def test_the_composer_refuses_free_text_when_the_window_is_closed(client, phone, operator):
    conv = factories.conversation(phone, wrote_ago=timedelta(hours=30))
    client.force_login(operator)

    page = client.get(reverse("messaging:conversation-detail", args=[conv.pk])).text
    assert "Window closed" in page
    response = client.post(
        reverse("messaging:conversation-send", args=[conv.pk]),
        {"body": "Hello?", "client_uuid": "5b4bd4e2-3ea4-4a4e-8a43-0f0f2a3c9d11"},
    )

    assert response.status_code == 400
    assert "more than 24 hours ago" in response.text
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "data, error",
    [
        ({"body": "", "client_uuid": "5b4bd4e2-3ea4-4a4e-8a43-0f0f2a3c9d11"}, "Write something before sending."),
        ({"body": "x" * 4097, "client_uuid": "5b4bd4e2-3ea4-4a4e-8a43-0f0f2a3c9d11"}, "at most 4096 characters"),
        ({"body": "hi", "client_uuid": "not-a-uuid"}, None),
    ],
)
def test_the_composer_explains_bad_input(client, conv, operator, data, error):
    client.force_login(operator)
    response = client.post(reverse("messaging:conversation-send", args=[conv.pk]), data)
    assert response.status_code == 400
    if error:
        assert error in response.text
    assert Message.objects.count() == 0


def test_sending_needs_the_send_permission(client, conv, no_role_user):
    client.force_login(no_role_user)
    response = client.post(reverse("messaging:conversation-send", args=[conv.pk]), {"body": "hi"})
    assert response.status_code == 403


def test_sending_to_another_business_conversation_is_a_404(client, conv, stranger):
    client.force_login(stranger)
    response = client.post(reverse("messaging:conversation-send", args=[conv.pk]), {"body": "hi"})
    assert response.status_code == 404
    assert Message.objects.count() == 0


def test_sending_needs_a_post(client, conv, operator):
    client.force_login(operator)
    assert client.get(reverse("messaging:conversation-send", args=[conv.pk])).status_code == 405


def test_login_and_logout(client, operator):
    response = client.post(reverse("login"), {"username": "olivia", "password": "pw-olivia-123"})
    assert response.status_code == 302 and response.url == reverse("messaging:inbox")
    assert client.get(reverse("messaging:inbox")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("messaging:inbox")).status_code == 302


def test_a_wrong_password_is_explained(client, operator):
    response = client.post(reverse("login"), {"username": "olivia", "password": "nope"})
    assert response.status_code == 200
    assert "did not match" in response.text
