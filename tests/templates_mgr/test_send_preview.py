"""The template send form: each parameter labelled by where it goes with the template's example, a
live preview of the whole message rendered by the server as the person types (with each typed
field's errors), a URL button asking only for its ending, and the sent bubble showing it all."""

import uuid

import pytest
from django.urls import reverse

from messaging.models import Contact, Conversation, Message

from .conftest import make_template

pytestmark = pytest.mark.django_db
COMPONENTS = [
    {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["#42"]}},
    {"type": "BODY", "text": "Hi {{1}}, order {{2}} is ready.", "example": {"body_text": [["Sheena", "#42"]]}},
    {"type": "FOOTER", "text": "Reply STOP to opt out"},
    {"type": "BUTTONS", "buttons": [
        {"type": "URL", "text": "Track", "url": "https://shop.example/t/{{1}}", "example": ["42"]},
        {"type": "COPY_CODE", "example": "SAVE25"},
    ]},
]


@pytest.fixture
def setup(client, operator, account, phone):
    conversation = Conversation.objects.create(contact=Contact.objects.create(account=phone.account, wa_id="447700900123", name="Ana"), phone_number=phone)
    template = make_template(account, "order_ready", components=COMPONENTS)
    client.force_login(operator)
    return conversation, template


def test_each_parameter_says_where_it_goes_with_the_template_s_example(client, setup):
    conversation, template = setup

    page = client.get(reverse("templates_mgr:conversation-send", args=[conversation.pk]), {"template": template.pk}).text

    assert "Header {{1}} — e.g. #42" in page and "Body {{1}} — e.g. Sheena" in page and "Body {{2}} — e.g. #42" in page
    assert "Only the end of the address: https://shop.example/t/…" in page
    # Before anything is typed the preview shows the examples, the footer and the full URL.
    assert "Hi Sheena, order #42 is ready." in page and "Reply STOP to opt out" in page
    assert "https://shop.example/t/42" in page


def test_the_preview_follows_what_is_typed_and_flags_what_is_wrong(client, setup):
    conversation, template = setup
    url = reverse("templates_mgr:conversation-send-preview", args=[conversation.pk])

    answer = client.post(url, {"template": template.pk, "header_1": "#7", "body_1": "Ana", "button_0_url": "7",
                               "button_1_coupon_code": "MUCH-TOO-LONG-CODE"}, HTTP_HX_REQUEST="true")

    assert answer.status_code == 200
    text = answer.text
    assert "Order #7" in text and "Hi Ana, order #42 is ready." in text and "https://shop.example/t/7" in text
    coupon_errors = text.split('id="errors-button_1_coupon_code"')[1].split("</div>")[0]
    assert "at most 15 characters" in coupon_errors
    untyped = text.split('id="errors-body_2"')[1].split("</div>")[0]
    assert "error" not in untyped  # not typed yet, so not wrong yet


def test_the_preview_checks_access_and_input(client, setup, stranger):
    conversation, template = setup
    url = reverse("templates_mgr:conversation-send-preview", args=[conversation.pk])

    assert client.get(url).status_code == 405
    assert client.post(url, {"template": "nope"}).status_code == 400
    client.force_login(stranger)
    assert client.post(url, {"template": template.pk}).status_code == 404


def test_the_sent_bubble_shows_header_body_footer_and_buttons(client, setup, django_capture_on_commit_callbacks):
    conversation, template = setup
    send = reverse("templates_mgr:conversation-send", args=[conversation.pk])

    with django_capture_on_commit_callbacks(execute=False):
        client.post(send, {"template": template.pk, "client_uuid": str(uuid.uuid4()), "header_1": "#7", "body_1": "Ana",
                           "body_2": "#7", "button_0_url": "7", "button_1_coupon_code": "SAVE7"})
    assert Message.objects.filter(type="template").count() == 1

    thread = client.get(reverse("messaging:conversation-detail", args=[conversation.pk])).text
    bubble = thread.split('class="text template"')[1].split("</div>")[0]
    assert "Order #7" in bubble and "Hi Ana, order #7 is ready." in bubble and "Reply STOP to opt out" in bubble
    assert "Track" in bubble and "https://shop.example/t/7" in bubble
