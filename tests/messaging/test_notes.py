"""Private notes: stored as notes, never messages, never sent to Meta; styled apart; interleaved
with the messages by time (pagination intact); @mentions notify a colleague until they open it."""

from datetime import timedelta

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Mention, Message, Note
from messaging.selectors import thread_before, thread_latest, unseen_mentions
from messaging.services.notes import add_note

from .. import factories
from ..conftest import user_of_another_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(phone):
    user = ensure_user(username="carla", password="pw-carla-123", role=roles.OPERATOR)
    grant_phone_number(user=user, phone_number=phone)
    return user


def test_a_note_is_stored_never_sent_and_shown_as_private(client, operator, phone, django_capture_on_commit_callbacks):
    conversation = factories.conversation(phone)
    client.force_login(operator)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as meta, \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("messaging:conversation-note", args=[conversation.pk]),
                               {"note": "Customer is a reseller, offer the bulk price"})
        assert len(meta.calls) == 0  # nothing reached Meta (any call would also fail: no URL is registered)

    assert response.status_code == 302
    note = Note.objects.get()
    assert (note.author, note.body) == (operator, "Customer is a reseller, offer the bulk price")
    assert not Message.objects.exists()
    page = client.get(reverse("messaging:conversation-detail", args=[conversation.pk])).content.decode()
    assert f'<li class="note" id="note-{note.pk}"' in page
    assert "Private note</span> — only your team sees this" in page and "offer the bulk price" in page


def test_an_empty_or_long_note_is_refused(client, operator, phone):
    conversation = factories.conversation(phone)
    client.force_login(operator)
    url = reverse("messaging:conversation-note", args=[conversation.pk])
    assert client.post(url, {"note": "   "}).status_code == 400
    assert "at most 4000" in client.post(url, {"note": "x" * 4001}).content.decode()
    assert not Note.objects.exists()


def test_a_stranger_cannot_note_our_conversation(client, phone):
    conversation = factories.conversation(phone)
    client.force_login(user_of_another_account(username="sam", role=roles.OPERATOR))
    assert client.post(reverse("messaging:conversation-note", args=[conversation.pk]), {"note": "hi"}).status_code == 404
    assert not Note.objects.exists()


def test_notes_interleave_with_messages_by_time_and_pages_keep_them_once(phone, operator):
    conversation = factories.conversation(phone)
    start = timezone.now() - timedelta(hours=2)
    for n in range(6):
        message = factories.outbound(conversation, wamid=f"wamid.{n}", body=f"message {n}")
        Message.objects.filter(pk=message.pk).update(created_at=start + timedelta(minutes=10 * n))
        note = add_note(conversation=conversation, author=operator, body=f"note after {n}")
        Note.objects.filter(pk=note.pk).update(created_at=start + timedelta(minutes=10 * n + 5))

    newest = thread_latest(conversation, limit=3)
    older = thread_before(conversation, (newest.messages[0].created_at, newest.messages[0].pk), limit=3)

    def words(page):
        return [row.text if kind == "message" else row.body for kind, row in page.items]

    assert words(newest) == ["message 3", "note after 3", "message 4", "note after 4", "message 5", "note after 5"]
    assert words(older) == ["message 0", "note after 0", "message 1", "note after 1", "message 2", "note after 2"]


def test_a_mention_notifies_the_colleague_until_they_open_the_thread(client, operator, colleague, phone):
    conversation = factories.conversation(phone)
    stranger = user_of_another_account(username="sam", role=roles.OPERATOR)  # may not see it: not mentioned
    client.force_login(operator)

    client.post(reverse("messaging:conversation-note", args=[conversation.pk]),
                {"note": "@carla can you call them? cc @sam @nobody"})

    mention = Mention.objects.get()
    assert mention.user == colleague and mention.seen_at is None
    assert list(unseen_mentions(colleague)) == [mention] and not unseen_mentions(stranger).exists()

    client.force_login(colleague)
    inbox = client.get(reverse("messaging:inbox")).content.decode()
    assert '<span class="unseen-count" aria-label="1 unseen">1</span>' in inbox
    listing = client.get(reverse("messaging:mention-list")).content.decode()
    assert "can you call them?" in listing and "<strong>new</strong>" in listing
    page = client.get(reverse("messaging:conversation-detail", args=[conversation.pk])).content.decode()
    seen_url = reverse("messaging:conversation-mentions-seen", args=[conversation.pk])
    assert f'data-mentions-seen-url="{seen_url}"' in page
    assert '<strong class="mention">@carla</strong>' in page
    assert Mention.objects.get().seen_at is None  # looking (GET) changes nothing

    assert client.post(seen_url).status_code == 204

    assert not unseen_mentions(colleague).exists()
    assert 'class="unseen-count"' not in client.get(reverse("messaging:inbox")).content.decode()


def test_the_autocomplete_offers_only_who_may_see_the_number(client, operator, colleague, phone):
    conversation = factories.conversation(phone)
    user_of_another_account(username="sam", role=roles.OPERATOR)
    client.force_login(operator)

    users = client.get(reverse("messaging:conversation-mentionable", args=[conversation.pk]), {"q": ""}).json()["users"]

    assert [user["username"] for user in users] == ["carla"]
    assert client.get(reverse("messaging:conversation-mentionable", args=[conversation.pk]), {"q": "s"}).json() == {"users": []}


def test_the_thread_poll_brings_a_colleagues_note(client, operator, colleague, phone):
    conversation = factories.conversation(phone)
    message = factories.outbound(conversation, wamid="wamid.poll")
    cursor = f"{int((message.created_at.timestamp()) * 1_000_000)}.{message.pk}"
    add_note(conversation=conversation, author=colleague, body="Called them, no answer")
    client.force_login(operator)

    html = client.get(reverse("messaging:conversation-messages", args=[conversation.pk]), {"after": cursor},
                      HTTP_HX_REQUEST="true").content.decode()

    assert "Called them, no answer" in html and 'class="note"' in html
