"""Support staff compose from the Django admin: text and media through the console's services (same
limits, same window, same double-submit guard); templates through the templates page's link."""

import uuid
from datetime import timedelta

import pytest
import responses
from django.urls import reverse

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from media_lib.services import store_upload
from messaging.models import Message

from .. import factories
from ..conftest import PHONE_NUMBER_ID, fixture_bytes
from ..media_samples import png, upload

pytestmark = pytest.mark.django_db

SEND_URL = f"http://graph.test/v24.0/{PHONE_NUMBER_ID}/messages"


@pytest.fixture
def support(phone):
    user = ensure_user(username="sue", password="pw-sue-12345", role=roles.SUPPORT)
    grant_phone_number(user=user, phone_number=phone)
    return user


@pytest.fixture
def conv(phone):
    return factories.conversation(phone)


def _url(conv):
    return reverse("admin:messaging_conversation_compose", args=[conv.pk])


@responses.activate
def test_support_sends_a_text_from_the_admin(client, support, conv, django_capture_on_commit_callbacks):
    responses.post(SEND_URL, body=fixture_bytes("send_response.json"), content_type="application/json")
    client.force_login(support)
    page = client.get(_url(conv)).content.decode()
    assert "Send text" in page and "Send media" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(conv), {"kind": "text", "body": "We are on it.", "client_uuid": str(uuid.uuid4())})

    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.text, message.status, message.sent_by) == ("We are on it.", "accepted", support)


def test_the_change_pages_link_to_compose(client, support, conv):
    client.force_login(support)
    change = client.get(reverse("admin:messaging_conversation_change", args=[conv.pk])).content.decode()
    assert _url(conv) in change
    contact_change = client.get(reverse("admin:messaging_contact_change", args=[conv.contact.pk])).content.decode()
    assert reverse("admin:messaging_contact_compose", args=[conv.contact.pk]) in contact_change


def test_the_contact_compose_page_lists_its_conversations_and_template_starts(client, support, conv):
    client.force_login(support)
    html = client.get(reverse("admin:messaging_contact_compose", args=[conv.contact.pk])).content.decode()
    assert _url(conv) in html
    assert reverse("templates_mgr:conversation-start") + "?to=%2B16505551234" in html


def test_support_sends_a_library_file_by_its_id(client, support, conv, account, simulator, django_capture_on_commit_callbacks):
    from messaging.models import Conversation

    simulator.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id="16505551234", name="Sheena",
                      message={"type": "text", "text": {"body": "hi"}})
    simulator.take_webhooks()  # Meta's side has the window open; ours does too (the factory)
    asset = store_upload(account=account, uploaded_file=upload("photo.png", png()))
    client.force_login(support)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(conv), {"kind": "media", "media_asset": asset.pk, "caption": "Here",
                                            "client_uuid": str(uuid.uuid4())})

    assert response.status_code == 302
    sent = simulator.sent_messages()[-1]["body"]
    assert sent["type"] == "image" and sent["image"]["caption"] == "Here" and sent["image"]["id"]
    assert Conversation.objects.get().messages.get(direction="out").media_asset == asset


def test_the_same_limits_are_refused_in_the_admin(client, support, conv):
    client.force_login(support)
    response = client.post(_url(conv), {"kind": "text", "body": "x" * 4097, "client_uuid": str(uuid.uuid4())})
    assert response.status_code == 400
    assert "at most 4096 characters" in response.content.decode()
    assert Message.objects.count() == 0


def test_a_closed_window_offers_the_template_page_and_refuses_text(client, support, phone):
    conv = factories.conversation(phone, wrote_ago=timedelta(days=2))
    client.force_login(support)

    page = client.get(_url(conv)).content.decode()
    assert "more than 24 hours ago" in page
    assert reverse("templates_mgr:conversation-send", args=[conv.pk]) in page
    assert "Send text" not in page

    response = client.post(_url(conv), {"kind": "text", "body": "Hello?", "client_uuid": str(uuid.uuid4())})
    assert response.status_code == 400
    assert "more than 24 hours ago" in response.content.decode()
    assert Message.objects.count() == 0


def test_admin_compose_needs_staff_and_the_send_permission(client, conv, operator, django_user_model, phone):
    assert client.get(_url(conv)).status_code == 302  # anonymous: the admin login
    client.force_login(operator)  # an operator is not staff
    assert client.get(_url(conv)).status_code == 302
    viewer = django_user_model.objects.create_user(username="vic", password="pw-vic-12345", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_conversation"))
    grant_phone_number(user=viewer, phone_number=phone)
    client.force_login(viewer)
    assert client.get(_url(conv)).status_code == 403
    assert client.post(_url(conv), {"kind": "text", "body": "hi", "client_uuid": str(uuid.uuid4())}).status_code == 403
    assert Message.objects.count() == 0


def test_support_of_another_business_gets_a_404(client, conv, stranger):
    from accounts.models import PhoneNumber

    other_support = ensure_user(username="otto", password="pw-otto-12345", role=roles.SUPPORT)
    grant_phone_number(user=other_support, phone_number=PhoneNumber.objects.get(phone_number_id="999001"))
    client.force_login(other_support)
    assert client.get(_url(conv)).status_code == 404
    assert client.post(_url(conv), {"kind": "text", "body": "hi", "client_uuid": str(uuid.uuid4())}).status_code == 404
    assert Message.objects.count() == 0
