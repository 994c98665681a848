"""The thread: paged ("load older"), polled from its oldest shown message, outbound bubbles with their
timeline and failures explained, and the composer switching to templates when the window closes."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.error_explanations import explain, explain_failure
from messaging.models import Conversation, Message, MessageStatusEvent
from messaging.selectors.cursors import decode_cursor, encode_cursor

from .. import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_conv(phone):
    conv = factories.conversation(phone)
    start = timezone.now() - timedelta(hours=3)
    Message.objects.bulk_create(
        [
            Message(conversation=conv, direction="in" if i % 2 else "out", type="text", text=f"message number {i}",
                    payload={"body": f"message number {i}"}, status="received" if i % 2 else "read",
                    wamid=f"wamid.long.{i}", created_at=start + timedelta(seconds=i))
            for i in range(120)
        ]
    )
    return conv


def _numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"message number (\d+)", html)]


def test_a_long_thread_opens_on_its_newest_page_with_a_load_older_link(client, operator, long_conv):
    client.force_login(operator)
    html = client.get(reverse("messaging:conversation-detail", args=[long_conv.pk])).content.decode()

    assert _numbers(html) == list(range(70, 120))
    assert "Load older messages" in html


def test_load_older_walks_back_to_the_first_message(client, operator, long_conv):
    client.force_login(operator)
    html = client.get(reverse("messaging:conversation-detail", args=[long_conv.pk])).content.decode()
    seen = []
    while "Load older messages" in html:
        cursor = re.search(r'older/\?before=([0-9.]+)', html).group(1)
        html = client.get(reverse("messaging:conversation-older", args=[long_conv.pk]), {"before": cursor},
                          HTTP_HX_REQUEST="true").content.decode()
        seen = _numbers(html) + seen
    assert seen == list(range(0, 70))


def test_the_poll_returns_everything_from_the_oldest_shown_message(client, operator, long_conv):
    client.force_login(operator)
    first = Message.objects.get(wamid="wamid.long.70")
    factories.outbound(long_conv, wamid="wamid.new", body="message number 500")
    url = reverse("messaging:conversation-messages", args=[long_conv.pk])

    html = client.get(url, {"after": encode_cursor(first.created_at, first.pk), "window": "open"}, HTTP_HX_REQUEST="true").content.decode()

    assert _numbers(html) == list(range(70, 120)) + [500]
    assert 'id="window-state" hx-swap-oob="true"' in html
    assert 'id="compose"' not in html  # the window did not change: the composer is left alone


def test_the_poll_swaps_the_composer_when_the_window_closes(client, operator, phone):
    conv = factories.conversation(phone, wrote_ago=timedelta(hours=25))
    client.force_login(operator)
    html = client.get(reverse("messaging:conversation-messages", args=[conv.pk]), {"window": "open"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert 'id="compose" class="compose" hx-swap-oob="true"' in html
    assert reverse("templates_mgr:conversation-send", args=[conv.pk]) in html


@pytest.mark.parametrize("view, param", [("messaging:conversation-older", "before"), ("messaging:conversation-messages", "after")])
def test_a_bad_cursor_is_a_400(client, operator, long_conv, view, param):
    client.force_login(operator)
    response = client.get(reverse(view, args=[long_conv.pk]), {param: "not-a-cursor"})
    assert response.status_code == 400
    assert b"does not exist" in response.content


def test_load_older_needs_a_cursor(client, operator, long_conv):
    client.force_login(operator)
    assert client.get(reverse("messaging:conversation-older", args=[long_conv.pk])).status_code == 400


def test_load_older_access(client, long_conv, no_role_user, stranger):
    url = reverse("messaging:conversation-older", args=[long_conv.pk]) + "?before=1.1"
    assert client.get(url).status_code == 302
    client.force_login(no_role_user)
    assert client.get(url).status_code == 403
    client.force_login(stranger)
    assert client.get(url).status_code == 404


def test_cursors_round_trip():
    moment = timezone.now()
    assert decode_cursor(encode_cursor(moment, 42)) == (moment, 42)
    for bad in ("", "1", "x.1", "1.x", "9" * 30 + ".1"):
        with pytest.raises(ValueError):
            decode_cursor(bad)


def test_an_outbound_bubble_carries_its_whole_timeline(client, operator, phone):
    conv = factories.conversation(phone)
    message = factories.outbound(conv, wamid="wamid.t", status="read")
    message.sent_by = operator
    message.save()
    at = timezone.now()
    for offset, status in enumerate(("sent", "delivered", "read")):
        MessageStatusEvent.objects.create(message=message, wamid="wamid.t", status=status, timestamp=at + timedelta(seconds=offset))
    client.force_login(operator)

    html = client.get(reverse("messaging:conversation-messages", args=[conv.pk])).content.decode()

    title = re.search(r'class="status status-read" title="([^"]+)"', html).group(1)
    assert [line.split()[0] for line in title.split("\n")] == ["Queued", "Sent", "Delivered", "Read"]
    assert "by olivia" in title


def test_outbound_interactive_and_template_messages_read_as_sent(client, operator, phone):
    conv = factories.conversation(phone)
    Message.objects.create(conversation=conv, direction="out", type="interactive", status="sent", text="Pick a slot",
                           payload={"type": "list", "header": {"type": "text", "text": "Delivery"}, "body": {"text": "Pick a slot"},
                                    "action": {"button": "Slots", "sections": [{"title": "Today", "rows": [{"id": "1", "title": "9-12", "description": "Morning"}]}]}})
    Message.objects.create(conversation=conv, direction="out", type="interactive", status="sent", text="Track it",
                           payload={"type": "cta_url", "body": {"text": "Track it"},
                                    "action": {"name": "cta_url", "parameters": {"display_text": "Track", "url": "https://example.com/t"}}})
    Message.objects.create(conversation=conv, direction="out", type="template", status="sent", text="Your order shipped",
                           payload={"name": "order_shipped", "language": {"code": "en_US"}})
    client.force_login(operator)

    html = client.get(reverse("messaging:conversation-messages", args=[conv.pk])).content.decode()

    assert "Delivery" in html and "☰ Slots" in html and "Today" in html and "9-12" in html and "Morning" in html
    assert "↗ Track" in html and "https://example.com/t" in html
    assert "Template order_shipped (en_US)" in html and "Your order shipped" in html


def test_a_location_without_a_map_link_gets_one(client, operator, phone):
    conv = factories.conversation(phone)
    Message.objects.create(conversation=conv, direction="out", type="location", status="sent", text="Big Ben",
                           payload={"latitude": 51.5007, "longitude": -0.1246, "name": "Big Ben"})
    client.force_login(operator)
    html = client.get(reverse("messaging:conversation-messages", args=[conv.pk])).content.decode()
    assert "📍 Big Ben (51.5007, -0.1246)" in html
    assert "https://www.openstreetmap.org/?mlat=51.5007&amp;mlon=-0.1246" in html


def test_reply_and_react_links_sit_on_bubbles_that_reached_whatsapp(client, operator, phone):
    conv = factories.conversation(phone)
    theirs = Message.objects.create(conversation=conv, direction="in", type="text", text="Hi", status="received", wamid="wamid.in")
    pending = factories.outbound(conv, status="queued", body="not yet")
    client.force_login(operator)
    html = client.get(reverse("messaging:conversation-detail", args=[conv.pk])).content.decode()
    assert f"?reply_to={theirs.pk}" in html and f"message={theirs.pk}" in html
    assert f"?reply_to={pending.pk}" not in html


def test_replying_shows_the_quoted_message_in_the_composer(client, operator, phone):
    conv = factories.conversation(phone)
    theirs = Message.objects.create(conversation=conv, direction="in", type="text", text="Is it blue?", status="received", wamid="wamid.in")
    client.force_login(operator)
    html = client.get(reverse("messaging:conversation-compose", args=[conv.pk]), {"reply_to": theirs.pk}).content.decode()
    assert "Replying to: Is it blue?" in html
    assert f'name="reply_to" value="{theirs.pk}"' in html


def test_the_closed_window_composer_loads_the_template_picker_with_the_reason(client, operator, phone):
    conv = factories.conversation(phone, wrote_ago=timedelta(hours=30))
    client.force_login(operator)
    html = client.get(reverse("messaging:conversation-detail", args=[conv.pk])).content.decode()
    assert "more than 24 hours ago" in html
    url = reverse("templates_mgr:conversation-send", args=[conv.pk])
    assert f'hx-get="{url}" hx-trigger="load"' in html
    assert 'name="body"' not in html  # no free text box


def test_someone_who_may_only_read_sees_no_composer(client, phone, django_user_model):
    from django.contrib.auth.models import Permission

    from accounts.services import grant_phone_number

    reader = django_user_model.objects.create_user(username="rita", password="pw-rita-12345")
    reader.user_permissions.add(Permission.objects.get(codename="view_conversation"))
    grant_phone_number(user=reader, phone_number=phone)
    conv = factories.conversation(phone)
    client.force_login(reader)
    html = client.get(reverse("messaging:conversation-detail", args=[conv.pk])).content.decode()
    assert 'name="body"' not in html and "sending needs the permission" in html


def test_every_meta_code_the_reference_lists_is_explained():
    from messaging.error_explanations import UNKNOWN

    codes = [0, 3, 4, 10, 100, 190, 368, 80007, 130429, 130472, 131000, 131005, 131008, 131009, 131016, 131021,
             131026, 131030, 131031, 131037, 131042, 131045, 131047, 131048, 131049, 131050, 131051, 131052, 131053,
             131056, 131057, 132000, 132001, 132005, 132007, 132008, 132012, 132015, 132016, 132068, 132069, 133010,
             133016, 135000, 200, 299]
    assert [code for code in codes if explain(code) is UNKNOWN] == []
    assert "send an approved template" in explain(131047).action.lower()
    assert explain_failure(code=None, title="Not sent by Switchboard").plain.startswith("Switchboard could not")
    assert explain_failure(code=None, title="Connection reset").plain == "Meta could not be reached."


def test_polling_the_thread_leaves_unread_to_the_posted_read(client, operator, phone):
    conv = factories.conversation(phone)
    Conversation.objects.filter(pk=conv.pk).update(unread_count=3)
    client.force_login(operator)
    poll = client.get(reverse("messaging:conversation-messages", args=[conv.pk]), HTTP_HX_REQUEST="true")
    conv.refresh_from_db()
    assert conv.unread_count == 3 and "data-read-url" in poll.text
    client.post(reverse("messaging:conversation-read", args=[conv.pk]))
    conv.refresh_from_db()
    assert conv.unread_count == 0
