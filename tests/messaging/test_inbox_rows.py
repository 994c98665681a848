"""An inbox you can scan: each row shows the last message (type icon, snippet, "You:" for ours) at
the time Meta gave it, as relative dates, with the contact's initials; reactions are not unread;
the empty right pane follows the list's poll; only people who may send are offered as assignees."""

import copy
import re
import uuid
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Conversation

from .. import factories
from ..conftest import PHONE_NUMBER_ID, WABA_ID, load_fixture

pytestmark = pytest.mark.django_db

SHEENA = "16505551234"


@pytest.fixture(autouse=True)
def site_time_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"  # not UTC, so a time shown in the wrong zone would show


def _webhook(name: str, *, at: datetime, wa_id: str = SHEENA, who: str = "Sheena Nelson", **fields) -> dict:
    """The fixture ``name`` as if ``who`` sent it at ``at`` (Meta's timestamp), with a fresh wamid."""
    body = copy.deepcopy(load_fixture(name))
    body["entry"][0]["id"] = WABA_ID  # to our test number, whichever number the fixture was captured on
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"] = {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID}
    value["contacts"] = [{"profile": {"name": who}, "wa_id": wa_id}]
    message = value["messages"][0]
    message.update({"from": wa_id, "id": f"wamid.rows.{uuid.uuid4().hex}", "timestamp": str(int(at.timestamp()))})
    for key, content in fields.items():
        message[key] = content
    return body


def _row(client, name: str) -> str:
    """The inbox row of ``name``, as its text."""
    page = client.get(reverse("messaging:inbox")).text
    rows = re.findall(r"<li class=\"[^\"]*\">\s*<a href=\"/c/.*?</a>", page, flags=re.S)
    row = next(r for r in rows if name in r)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


def test_a_row_shows_the_last_message_at_the_time_meta_gave_it(client, operator, post_webhook):
    # Meta's timestamp says 3 hours ago; we receive it now (a phone back online, a replayed webhook).
    sent = timezone.now() - timedelta(hours=3)
    assert post_webhook(_webhook("webhook_message_text.json", at=sent)).status_code == 200
    client.force_login(operator)

    row = _row(client, "Sheena Nelson")

    local, today = timezone.localtime(sent), timezone.localtime()
    shown = local.strftime("%H:%M") if local.date() == today.date() else "yesterday"
    assert shown in row and today.strftime("%H:%M") not in row.split("Does it come")[0]
    assert "SN" in row  # the initials, in place of an avatar
    assert "Does it come in another color?" in row
    # The thread shows the same time, in the same (site) time zone.
    thread = client.get(reverse("messaging:conversation-detail", args=[Conversation.objects.get().pk])).text
    assert local.strftime("%H:%M") in thread


def test_our_reply_reads_you_and_a_location_gets_its_icon(client, operator, post_webhook, simulator):
    post_webhook(_webhook("webhook_message_text.json", at=timezone.now() - timedelta(minutes=5)))
    conversation = Conversation.objects.get()
    client.force_login(operator)

    client.post(reverse("messaging:conversation-send", args=[conversation.pk]),
                {"kind": "text", "client_uuid": str(uuid.uuid4()), "body": "Yes: blue and green."})
    assert "You: Yes: blue and green." in _row(client, "Sheena Nelson")

    # Meta's timestamps are whole seconds: the customer answers a second later.
    post_webhook(_webhook("webhook_message_location.json", at=timezone.now() + timedelta(seconds=1)))
    row = _row(client, "Sheena Nelson")
    assert "📍" in row and "You:" not in row


def test_rows_say_yesterday_a_weekday_then_a_date(client, operator, post_webhook):
    now = timezone.localtime()
    ages = {"Yara Yesterday": timedelta(days=1), "Wes Weekday": timedelta(days=3), "Otto Older": timedelta(days=40)}
    for n, (who, age) in enumerate(ages.items()):
        post_webhook(_webhook("webhook_message_text.json", at=now - age, wa_id=f"1650555900{n}", who=who))
    client.force_login(operator)

    assert "yesterday" in _row(client, "Yara Yesterday")
    assert (now - ages["Wes Weekday"]).strftime("%a") in _row(client, "Wes Weekday")
    older = now - ages["Otto Older"]
    assert f"{older.day} {older.strftime('%b')}" in _row(client, "Otto Older")


def test_a_reaction_shows_on_the_row_but_is_not_unread(client, operator, post_webhook):
    post_webhook(_webhook("webhook_message_text.json", at=timezone.now() - timedelta(minutes=2)))
    ours = factories.outbound(Conversation.objects.get(), wamid="wamid.ours.1", body="Here it is")
    post_webhook(_webhook("webhook_message_reaction.json", at=timezone.now() + timedelta(seconds=1),
                          reaction={"message_id": ours.wamid, "emoji": "👍"}))
    client.force_login(operator)

    assert Conversation.objects.get().unread_count == 1  # the text only
    row = _row(client, "Sheena Nelson")
    assert "Reacted 👍" in row
    assert re.search(r"\b1\b", row.split("Reacted 👍")[1])  # the unread badge still says 1


def test_the_empty_pane_changes_when_the_first_conversation_arrives(client, operator, post_webhook):
    client.force_login(operator)
    poll = {"HTTP_HX_REQUEST": "true"}
    before = client.get(reverse("messaging:inbox"), **poll).text
    assert 'id="inbox-pane" hx-swap-oob="true"' in before and "No conversations yet" in before

    post_webhook(_webhook("webhook_message_text.json", at=timezone.now()))

    after = client.get(reverse("messaging:inbox"), **poll).text
    assert "Sheena Nelson" in after and "Choose a conversation." in after and "No conversations yet" not in after
    # A thread's own list poll leaves its pane alone.
    active = client.get(reverse("messaging:inbox") + f"?active={Conversation.objects.get().pk}", **poll).text
    assert "inbox-pane" not in active
    # ... and the list it answers with polls again for the same thread (not for the bare inbox).
    pk = Conversation.objects.get().pk
    assert f'hx-get="{reverse("messaging:inbox")}?active={pk}"' in active
    again = client.get(reverse("messaging:inbox") + f"?active={pk}", **poll).text
    assert "inbox-pane" not in again


def test_the_assign_control_offers_only_who_may_send_and_starts_on_me(client, operator, phone, post_webhook):
    post_webhook(_webhook("webhook_message_text.json", at=timezone.now()))
    colleague = ensure_user(username="carl", password="pw-carl-12345", role=roles.OPERATOR)
    manager = ensure_user(username="tina", password="pw-tina-12345", role=roles.TEMPLATE_MANAGER)  # reads, never sends
    for person in (colleague, manager):
        grant_phone_number(user=person, phone_number=phone)
    Group.objects.get(name=roles.OPERATOR).user_set.add(operator)
    client.force_login(operator)
    conversation = Conversation.objects.get()

    page = client.get(reverse("messaging:conversation-detail", args=[conversation.pk])).text
    select = re.search(r'<select name="assignee".*?</select>', page, flags=re.S).group(0)
    assert re.findall(r">(\w+)(?: — \w+)?</option>", select) == ["carl", "olivia"]  # (— online/away/offline)
    assert re.search(r'value="%d" selected[^>]*>olivia' % operator.pk, select)

    url = reverse("messaging:conversation-assign", args=[conversation.pk])
    assert client.post(url, {"assignee": manager.pk}).status_code == 400  # refused on the server as well
    conversation.refresh_from_db()
    assert conversation.assigned_to is None
