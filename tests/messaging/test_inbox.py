"""The inbox: newest activity first, unread counts, window state, number and assignment; filters and
search as linkable query parameters; the polled list; assigning a conversation."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import PhoneNumber
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Conversation, Message
from messaging.selectors import inbox as inbox_selectors

from .. import factories
from ..conftest import fixture_bytes

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    """Contact names in the list, in order."""
    return [name.split(" (+")[0] for name in re.findall(r'<span class="name">([^<]+)</span>', response.content.decode())]


@pytest.fixture
def inbox(client, operator):
    client.force_login(operator)

    def _get(**params):
        # Everybody's conversations unless a test asks (the default, mine and unassigned, in test_inbox_states).
        params.setdefault("assigned", "anyone")
        return client.get(reverse("messaging:inbox"), params)

    return _get


@pytest.fixture
def history(phone, add_phone, operator):
    """Four conversations over two numbers, with every state the filters look at."""
    other_number = add_phone("106540352242999", "15550001111")
    grant_phone_number(user=operator, phone_number=other_number)
    colleague = ensure_user(username="carla", password="pw-carla-123", role=roles.OPERATOR)
    grant_phone_number(user=colleague, phone_number=phone)
    now = timezone.now()
    rows = {
        "Open Olga": dict(number=phone, wrote_ago=timedelta(minutes=5), unread=2, assigned=operator, ago=1),
        "Closed Carl": dict(number=phone, wrote_ago=timedelta(days=2), unread=0, assigned=None, ago=60),
        "Other Otto": dict(number=other_number, wrote_ago=timedelta(hours=3), unread=1, assigned=colleague, ago=10),
        "Never Nina": dict(number=other_number, wrote_ago=None, unread=0, assigned=None, ago=300),
    }
    made = {}
    for index, (name, row) in enumerate(rows.items()):
        conv = factories.conversation(row["number"], wa_id=f"1555010000{index}", name=name, wrote_ago=row["wrote_ago"])
        Conversation.objects.filter(pk=conv.pk).update(
            unread_count=row["unread"], assigned_to=row["assigned"], last_message_at=now - timedelta(minutes=row["ago"])
        )
        made[name] = conv
    Message.objects.create(conversation=made["Closed Carl"], direction="in", type="text", text="Where is my parcel?",
                           status="received", wamid="wamid.carl")
    return made, other_number, colleague


def test_it_lists_conversations_newest_activity_first_with_their_state(inbox, history):
    response = inbox()

    assert _names(response) == ["Open Olga", "Other Otto", "Closed Carl", "Never Nina"]
    html = response.content.decode()
    olga = html[html.index("Open Olga"):][:900]
    assert 'title="Unread messages">2<' in olga and "open ·" in olga and "mine" in olga and "+15550783881" in olga
    otto = html[html.index("Other Otto"):][:900]
    assert "carla" in otto and "+15550001111" in otto
    carl = html[html.index("Closed Carl"):][:900]
    assert "window closed" in carl and "unassigned" in carl


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"window": "open"}, ["Open Olga", "Other Otto"]),
        ({"window": "closed"}, ["Closed Carl", "Never Nina"]),
        ({"unread": "1"}, ["Open Olga", "Other Otto"]),
        ({"assigned": "me"}, ["Open Olga"]),
        ({"assigned": "others"}, ["Other Otto"]),
        ({"assigned": "nobody"}, ["Closed Carl", "Never Nina"]),
        ({"number": "OTHER"}, ["Other Otto", "Never Nina"]),
        ({"number": "OTHER", "window": "open", "unread": "1", "assigned": "others"}, ["Other Otto"]),
        ({"q": "olga"}, ["Open Olga"]),
        ({"q": "+1 555 010 0003"}, ["Never Nina"]),
        ({"q": "PARCEL"}, ["Closed Carl"]),
        ({"q": "nobody-has-this"}, []),
    ],
)
def test_filters_and_search_narrow_the_list(inbox, history, params, expected):
    _, other_number, _ = history
    params = {k: (other_number.pk if v == "OTHER" else v) for k, v in params.items()}
    assert _names(inbox(**params)) == expected


def test_a_message_text_match_shows_the_matching_words(inbox, history):
    html = inbox(q="parcel").content.decode()
    assert "“Where is my parcel?”" in html


def test_filters_are_links_and_the_poll_keeps_them(inbox, history):
    html = inbox(window="open", q="o").content.decode()
    assert 'hx-get="/?q=o&amp;window=open&amp;assigned=anyone"' in html
    assert 'href="/c/' in html and "?q=o&amp;window=open&amp;assigned=anyone" in html  # opening a conversation keeps the filters


def test_the_polled_list_is_the_list_alone(client, operator, history):
    client.force_login(operator)
    response = client.get(reverse("messaging:inbox"), {"unread": "1", "assigned": "anyone"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith("<ul id=\"conversation-list\"")
    assert "<html" not in html and _names(response) == ["Open Olga", "Other Otto"]


def test_a_new_conversation_appears_in_the_polled_list(client, operator, phone, post_webhook):
    client.force_login(operator)
    assert _names(client.get(reverse("messaging:inbox"), HTTP_HX_REQUEST="true")) == []
    post_webhook(fixture_bytes("webhook_message_text.json"))
    client.force_login(operator)
    names = _names(client.get(reverse("messaging:inbox"), HTTP_HX_REQUEST="true"))
    assert len(names) == 1


@pytest.mark.parametrize(
    "params, message",
    [
        ({"window": "sometimes"}, "Select a valid choice"),
        ({"number": "abc"}, "Select a valid choice"),
        ({"before": "yesterday"}, "That page of the inbox does not exist"),
        ({"q": "x" * 101}, "at most 100 characters"),
    ],
)
def test_bad_filters_are_a_400_with_the_reason(inbox, history, params, message):
    response = inbox(**params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_number_the_operator_does_not_work_is_not_a_filter(inbox, stranger, history):
    theirs = PhoneNumber.objects.get(phone_number_id="999001")
    assert inbox(number=theirs.pk).status_code == 400


def test_the_inbox_pages_with_an_older_link(inbox, phone, monkeypatch):
    monkeypatch.setattr(inbox_selectors, "PAGE_SIZE", 2)
    for i in range(5):
        conv = factories.conversation(phone, wa_id=f"155502000{i}", name=f"Person {i}")
        Conversation.objects.filter(pk=conv.pk).update(last_message_at=timezone.now() - timedelta(minutes=i))

    first = inbox()
    assert _names(first) == ["Person 0", "Person 1"]
    cursor = first.content.decode().split("before=")[1].split('"')[0]
    assert _names(inbox(before=cursor)) == ["Person 2", "Person 3"]


def test_an_operator_assigns_a_conversation_to_themself_and_unassigns_it(client, operator, phone):
    conv = factories.conversation(phone)
    client.force_login(operator)
    url = reverse("messaging:conversation-assign", args=[conv.pk])

    assert client.post(url, {"assignee": "me"}).status_code == 302
    conv.refresh_from_db()
    assert conv.assigned_to == operator
    assert "Assigned to you" in client.get(reverse("messaging:conversation-detail", args=[conv.pk])).content.decode()

    assert client.post(url, {"assignee": ""}).status_code == 302
    conv.refresh_from_db()
    assert conv.assigned_to is None


def test_a_conversation_can_be_given_to_a_colleague_of_the_number(client, operator, phone, history):
    made, _, colleague = history
    client.force_login(operator)
    conv = made["Closed Carl"]
    assert client.post(reverse("messaging:conversation-assign", args=[conv.pk]), {"assignee": colleague.pk}).status_code == 302
    conv.refresh_from_db()
    assert conv.assigned_to == colleague


def test_it_refuses_to_assign_someone_who_does_not_work_the_number(client, operator, phone, stranger):
    conv = factories.conversation(phone)
    client.force_login(operator)
    response = client.post(reverse("messaging:conversation-assign", args=[conv.pk]), {"assignee": stranger.pk})
    assert response.status_code == 400
    assert "Choose someone who works this number." in response.content.decode()
    conv.refresh_from_db()
    assert conv.assigned_to is None


def test_assigning_needs_login_permission_and_the_number(client, phone, no_role_user, stranger):
    conv = factories.conversation(phone)
    url = reverse("messaging:conversation-assign", args=[conv.pk])
    assert client.post(url, {"assignee": "me"}).status_code == 302  # to the login page
    client.force_login(no_role_user)
    assert client.post(url, {"assignee": "me"}).status_code == 403
    client.force_login(stranger)
    assert client.post(url, {"assignee": "me"}).status_code == 404
    client.force_login(stranger)
    assert client.get(url).status_code == 405
    conv.refresh_from_db()
    assert conv.assigned_to is None
