"""Composing every outbound kind in the console: it reaches the simulator with the body Meta expects;
Meta's limits are refused on the field that breaks them; a double submit queues once."""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from messaging.models import Conversation, Message

from .. import factories
from ..conftest import PHONE_NUMBER_ID

pytestmark = pytest.mark.django_db

CUSTOMER = "16505551234"


@pytest.fixture
def conv(phone, simulator, deliver_webhooks):
    """A conversation whose customer wrote through the simulator (so Meta's side has the window open too)."""
    simulator.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=CUSTOMER, name="Sheena Nelson",
                      message={"type": "text", "text": {"body": "Hello there"}})
    assert deliver_webhooks(simulator) == [200]
    return Conversation.objects.get()


@pytest.fixture
def send(client, operator, django_capture_on_commit_callbacks):
    client.force_login(operator)

    def _send(conversation, kind: str, data: dict, files: dict | None = None):
        payload = {"kind": kind, "client_uuid": str(uuid.uuid4()), **data, **(files or {})}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("messaging:conversation-send", args=[conversation.pk]), payload)

    return _send


def _last_sent(simulator) -> dict:
    body = simulator.sent_messages()[-1]["body"]
    body.pop("biz_opaque_callback_data")
    return body


def _envelope(kind: str, obj, **extra) -> dict:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+" + CUSTOMER, "type": kind,
            kind: obj, **extra}


def test_it_sends_a_text_with_a_link_preview(conv, send, simulator):
    response = send(conv, "text", {"body": "See https://example.com/blue", "preview_url": "on"})

    assert response.status_code == 302
    assert _last_sent(simulator) == _envelope("text", {"body": "See https://example.com/blue", "preview_url": True})
    assert Message.objects.get(direction="out").status == "accepted"


def test_it_sends_reply_buttons(conv, send, simulator):
    response = send(conv, "buttons", {"header": "Delivery", "body": "When shall we come?", "footer": "Reply below",
                                      "button_1": "Morning", "button_2": "Afternoon", "button_3": ""})

    assert response.status_code == 302
    assert _last_sent(simulator) == _envelope("interactive", {
        "type": "button",
        "header": {"type": "text", "text": "Delivery"},
        "body": {"text": "When shall we come?"},
        "footer": {"text": "Reply below"},
        "action": {"buttons": [
            {"type": "reply", "reply": {"id": "1-morning", "title": "Morning"}},
            {"type": "reply", "reply": {"id": "2-afternoon", "title": "Afternoon"}},
        ]},
    })


def test_it_sends_a_list_with_rows_grouped_by_section(conv, send, simulator):
    rows = {
        "row_1_section": "Today", "row_1_title": "9-12", "row_1_description": "Morning slot",
        "row_2_section": "Today", "row_2_title": "12-18",
        "row_3_section": "Tomorrow", "row_3_title": "Any time",
    }
    response = send(conv, "list", {"body": "Pick a delivery slot", "list_button": "Slots", **rows})

    assert response.status_code == 302
    assert _last_sent(simulator)["interactive"] == {
        "type": "list",
        "body": {"text": "Pick a delivery slot"},
        "action": {"button": "Slots", "sections": [
            {"title": "Today", "rows": [{"id": "1-9-12", "title": "9-12", "description": "Morning slot"},
                                        {"id": "2-12-18", "title": "12-18"}]},
            {"title": "Tomorrow", "rows": [{"id": "3-any-time", "title": "Any time"}]},
        ]},
    }


def test_a_list_reply_from_the_customer_names_the_row_we_sent(conv, send, simulator, deliver_webhooks, read_thread):
    send(conv, "list", {"body": "Pick one", "list_button": "Options", "row_1_title": "Blue", "row_2_title": "Green"})
    sent = Message.objects.get(direction="out")
    deliver_webhooks(simulator)
    sent.refresh_from_db()

    simulator.customer_list_reply(wa_id=CUSTOMER, context_id=sent.wamid, row_id="2-green")
    deliver_webhooks(simulator)

    assert "Chose “Green”" in read_thread(conv)


def test_it_sends_a_call_to_action_link(conv, send, simulator):
    response = send(conv, "cta_url", {"body": "Track your parcel", "display_text": "Track", "url": "https://example.com/t/1"})

    assert response.status_code == 302
    assert _last_sent(simulator)["interactive"] == {
        "type": "cta_url",
        "body": {"text": "Track your parcel"},
        "action": {"name": "cta_url", "parameters": {"display_text": "Track", "url": "https://example.com/t/1"}},
    }


def test_it_sends_a_location(conv, send, simulator):
    response = send(conv, "location", {"latitude": "51.5007", "longitude": "-0.1246", "name": "Big Ben", "address": "London SW1A 0AA"})

    assert response.status_code == 302
    assert _last_sent(simulator) == _envelope(
        "location", {"latitude": 51.5007, "longitude": -0.1246, "name": "Big Ben", "address": "London SW1A 0AA"}
    )


def test_it_sends_a_contact_card(conv, send, simulator):
    response = send(conv, "contact", {"contact_name": "Ada Lovelace", "first_name": "Ada", "last_name": "Lovelace",
                                      "contact_phone": "+44 7700 900123", "contact_email": "ada@example.com",
                                      "organization": "Acme"})

    assert response.status_code == 302
    assert _last_sent(simulator)["contacts"] == [{
        "name": {"formatted_name": "Ada Lovelace", "first_name": "Ada", "last_name": "Lovelace"},
        "phones": [{"phone": "+447700900123", "wa_id": "447700900123", "type": "CELL"}],
        "emails": [{"email": "ada@example.com", "type": "WORK"}],
        "org": {"company": "Acme"},
    }]


def test_a_contact_cards_name_is_sent_as_typed_not_split_by_guessing(conv, send, simulator):
    response = send(conv, "contact", {"contact_name": "Mary Ann van Dyke", "contact_phone": "+44 7700 900123"})

    assert response.status_code == 302
    # No first/last given: the whole name is the one name part Meta needs beside formatted_name.
    assert _last_sent(simulator)["contacts"][0]["name"] == {"formatted_name": "Mary Ann van Dyke",
                                                            "first_name": "Mary Ann van Dyke"}

    send(conv, "contact", {"contact_name": "Dr. Mary Ann van Dyke", "last_name": "van Dyke", "contact_phone": "+44 7700 900123"})
    assert _last_sent(simulator)["contacts"][0]["name"] == {"formatted_name": "Dr. Mary Ann van Dyke", "last_name": "van Dyke"}


def test_it_reacts_to_the_customer_message_and_shows_it_on_that_bubble(conv, send, simulator, read_thread):
    theirs = Message.objects.get(direction="in")

    response = send(conv, "reaction", {"message": theirs.pk, "emoji": "👍"})

    assert response.status_code == 302
    assert _last_sent(simulator) == _envelope("reaction", {"message_id": theirs.wamid, "emoji": "👍"})
    reaction = Message.objects.get(direction="out")
    assert reaction.target == theirs
    page = read_thread(conv)
    assert page.count('<li class="bubble ') == 1  # shown on the bubble it reacts to, not as its own
    assert 'class="reaction ours' in page and "👍" in page


def test_it_replies_quoting_a_message(conv, send, simulator, read_thread):
    theirs = Message.objects.get(direction="in")

    send(conv, "text", {"body": "Hi Sheena!", "reply_to": theirs.pk})

    assert _last_sent(simulator)["context"] == {"message_id": theirs.wamid}
    assert "In reply to: Hello there" in read_thread(conv)


def test_the_same_form_submitted_twice_queues_one_message(conv, client, operator, simulator, django_capture_on_commit_callbacks):
    client.force_login(operator)
    page = client.get(reverse("messaging:conversation-detail", args=[conv.pk]) + "?kind=buttons").text
    client_uuid = re.search(r'name="client_uuid" value="([^"]+)"', page).group(1)
    data = {"kind": "buttons", "client_uuid": client_uuid, "body": "Yes?", "button_1": "Yes", "button_2": "No"}

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("messaging:conversation-send", args=[conv.pk]), data)
        second = client.post(reverse("messaging:conversation-send", args=[conv.pk]), data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert Message.objects.filter(direction="out").count() == 1
    assert len(simulator.sent_messages()) == 1


@pytest.mark.parametrize(
    "kind, data, field, message",
    [
        ("buttons", {"body": "Pick", "button_1": "x" * 21}, "button_1", "at most 20 characters; this has 21"),
        ("buttons", {"body": "Pick", "button_1": "Yes", "button_2": "yes"}, "button_2", "Button titles must all be different"),
        ("buttons", {"body": "Pick"}, "button_1", "Give at least one button"),
        ("buttons", {"body": "b" * 1025, "button_1": "Ok"}, "body", "at most 1024 characters"),
        ("buttons", {"body": "Pick", "button_1": "Ok", "footer": "f" * 61}, "footer", "at most 60 characters"),
        ("list", {"body": "Pick", "list_button": "Open", "row_1_title": "r" * 25}, "row_1_title", "at most 24 characters"),
        ("list", {"body": "Pick", "list_button": "Open", "row_1_title": "A", "row_1_description": "d" * 73},
         "row_1_description", "at most 72 characters"),
        ("list", {"body": "Pick", "list_button": "b" * 21, "row_1_title": "A"}, "list_button", "at most 20 characters"),
        ("list", {"body": "Pick", "list_button": "Open", "row_1_section": "S1", "row_1_title": "A", "row_2_title": "B"},
         "row_1_section", "every row needs its section title"),
        ("list", {"body": "Pick", "list_button": "Open"}, "row_1_title", "Give at least one row"),
        ("cta_url", {"body": "Go", "display_text": "Open", "url": "example.com"}, "url", "must start with http"),
        ("cta_url", {"body": "Go", "display_text": "d" * 21, "url": "https://example.com"}, "display_text", "at most 20"),
        ("location", {"latitude": "91", "longitude": "0"}, "latitude", "Latitude must be between -90 and 90."),
        ("location", {"latitude": "1", "longitude": "1", "address": "Main St"}, "name", "only when the place has a name"),
        ("contact", {"contact_name": "Ada", "contact_phone": "12"}, "contact_phone", "not a phone number"),
        ("contact", {"contact_name": "Ada"}, "contact_phone", "Give a phone number or an email"),
        ("text", {"body": "x" * 4097}, "body", "at most 4096 characters"),
    ],
)
def test_meta_limits_are_refused_on_the_field(conv, send, simulator, kind, data, field, message):
    response = send(conv, kind, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # The message is shown right after the field that breaks the rule.
    assert re.search(rf'name="{field}"[^>]*>.*?{re.escape(message)}', html, re.S)
    assert Message.objects.filter(direction="out").count() == 0
    assert simulator.sent_messages() == []


def test_a_reaction_needs_one_emoji(conv, send, simulator):
    theirs = Message.objects.get(direction="in")
    response = send(conv, "reaction", {"message": theirs.pk, "emoji": "ok"})
    assert response.status_code == 400
    assert "A reaction is one emoji" in response.content.decode()


def test_a_reaction_to_another_conversation_message_is_refused(conv, send, phone):
    other = factories.conversation(phone, wa_id="15550009999", name="Other")
    theirs = Message.objects.create(conversation=other, wamid="wamid.other", direction="in", type="text", text="hi",
                                    status="received")
    response = send(conv, "reaction", {"message": theirs.pk, "emoji": "👍"})
    assert response.status_code == 400
    assert "Choose a message of this conversation" in response.content.decode()


def test_an_unknown_kind_is_a_400(conv, send):
    response = send(conv, "poll", {"body": "?"})
    assert response.status_code == 400
    assert b"Unknown kind" in response.content


def test_every_kind_is_refused_when_the_window_is_closed(client, phone, operator, django_capture_on_commit_callbacks):
    conv = factories.conversation(phone, wrote_ago=timedelta(hours=30))
    client.force_login(operator)
    data = {"kind": "location", "client_uuid": str(uuid.uuid4()), "latitude": "1", "longitude": "2"}

    response = client.post(reverse("messaging:conversation-send", args=[conv.pk]), data)

    assert response.status_code == 400
    assert "more than 24 hours ago" in response.content.decode()
    assert Message.objects.count() == 0


def test_the_composer_tabs_serve_each_kind(client, phone, operator):
    conv = factories.conversation(phone)
    client.force_login(operator)
    for kind, field in [("text", "body"), ("buttons", "button_1"), ("list", "row_10_title"), ("cta_url", "url"),
                        ("location", "latitude"), ("contact", "contact_name"), ("media", "upload")]:
        response = client.get(reverse("messaging:conversation-compose", args=[conv.pk]), {"kind": kind}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        html = response.content.decode()
        assert f'name="{field}"' in html and 'name="client_uuid"' in html and f'value="{kind}"' in html


def test_the_composer_marks_fields_with_meta_limits_for_the_script(client, phone, operator):
    conv = factories.conversation(phone)
    client.force_login(operator)
    html = client.get(reverse("messaging:conversation-compose", args=[conv.pk]), {"kind": "buttons"}).content.decode()
    assert re.search(r'name="button_1"[^>]*data-limit="20"|data-limit="20"[^>]*name="button_1"', html)
    assert 'data-unique="buttons"' in html
    assert "console/console.js" in client.get(reverse("messaging:conversation-detail", args=[conv.pk])).content.decode()


def test_an_unknown_composer_kind_is_a_400(client, phone, operator):
    conv = factories.conversation(phone)
    client.force_login(operator)
    assert client.get(reverse("messaging:conversation-compose", args=[conv.pk]), {"kind": "nope"}).status_code == 400


@pytest.mark.parametrize("view", ["messaging:conversation-compose", "messaging:conversation-send"])
def test_composing_needs_login_permission_and_the_number(client, phone, no_role_user, stranger, view):
    conv = factories.conversation(phone)
    url = reverse(view, args=[conv.pk])
    call = client.post if view.endswith("send") else client.get
    assert call(url).status_code == 302  # anonymous: to the login page
    client.force_login(no_role_user)
    assert call(url).status_code == 403
    client.force_login(stranger)
    assert call(url, {"kind": "text", "body": "hi", "client_uuid": str(uuid.uuid4())}).status_code == 404
    assert Message.objects.count() == 0


@pytest.mark.parametrize("field", ["reply_to", "message", "media_asset"])
def test_absurd_ids_are_refused_not_crashed_on(client, operator, phone, field):
    conv = factories.conversation(phone)
    client.force_login(operator)
    kind = {"reply_to": "text", "message": "reaction", "media_asset": "media"}[field]
    data = {"kind": kind, "client_uuid": str(uuid.uuid4()), "body": "hi", field: "9" * 30}
    response = client.post(reverse("messaging:conversation-send", args=[conv.pk]), data)
    assert response.status_code == 400
    assert Message.objects.count() == 0


def test_absurd_ids_in_links_are_ignored(client, operator, phone):
    conv = factories.conversation(phone)
    client.force_login(operator)
    huge = "9" * 30
    assert client.get(reverse("messaging:conversation-compose", args=[conv.pk]), {"reply_to": huge}).status_code == 200
    assert client.get(reverse("messaging:conversation-detail", args=[conv.pk]), {"kind": "reaction", "message": huge}).status_code == 200
    assert client.post(reverse("messaging:conversation-assign", args=[conv.pk]), {"assignee": huge}).status_code == 400


def test_a_reply_to_a_message_of_another_conversation_is_explained(conv, send, phone):
    other = factories.conversation(phone, wa_id="15550009999", name="Other")
    theirs = Message.objects.create(conversation=other, wamid="wamid.other", direction="in", type="text", text="hi",
                                    status="received")
    response = send(conv, "text", {"body": "Hi", "reply_to": theirs.pk})
    assert response.status_code == 400
    assert "That message is not in this conversation." in response.content.decode()
