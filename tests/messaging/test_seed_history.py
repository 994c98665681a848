"""``seed_history`` and the console's query budget: the number of SQL queries per page is the same
for a small and a ten-times larger history (never wall-clock time: that is bench/console's job)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from accounts.models import PhoneNumber
from accounts.services import grant_phone_number
from messaging.models import Contact, Conversation, Message, MessageStatusEvent
from messaging.selectors.cursors import encode_cursor
from messaging.services.seeding import SEED_WABA_ID, seed_history

pytestmark = pytest.mark.django_db


def test_the_command_seeds_the_asked_history(capsys):
    call_command("seed_history", "--conversations", "30", "--messages", "400", "--long-thread", "120")

    assert Conversation.objects.count() == 30 and Contact.objects.count() == 30
    assert Message.objects.count() == 400
    long_thread = Conversation.objects.order_by("-pk").first()
    assert long_thread.messages.count() == 120
    newest = long_thread.messages.order_by("-created_at").first()
    assert newest.created_at == long_thread.last_message_at
    outbound = long_thread.messages.filter(direction="out").count()
    assert MessageStatusEvent.objects.filter(message__conversation=long_thread).count() >= outbound
    assert "Seeded 30 conversations and 400 messages" in capsys.readouterr().out


def test_seeding_twice_adds_to_the_history():
    seed_history(conversations=5, messages=20)
    seed_history(conversations=5, messages=20)
    assert Conversation.objects.count() == 10 and Message.objects.count() == 40


def test_impossible_sizes_are_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least one message per conversation"):
        call_command("seed_history", "--conversations", "10", "--messages", "5")


def _pages(long_thread: Conversation, number: PhoneNumber) -> dict[str, tuple[str, dict]]:
    newest = list(long_thread.messages.order_by("-created_at", "-id")[:50])
    middle = long_thread.messages.order_by("created_at", "id")[long_thread.messages.count() // 2]
    htmx = {"HTTP_HX_REQUEST": "true"}
    return {
        "inbox": ("/", {}),
        "inbox poll": ("/", htmx),
        "filtered inbox": (f"/?number={number.pk}&window=closed&assigned=nobody&unread=1", {}),
        # Everybody's conversations (not the default, mine and unassigned): the same rows in both histories.
        "search by word": ("/?q=order&assigned=anyone&state=all", {}),
        "search by name": (f"/?q={Conversation.objects.order_by('pk').first().contact.name.split()[-1]}&assigned=anyone&state=all", {}),
        "search by number": ("/?q=1999000&assigned=anyone&state=all", {}),
        "thread": (f"/c/{long_thread.pk}/", {}),
        "thread poll": (f"/c/{long_thread.pk}/messages/?after={encode_cursor(newest[-1].created_at, newest[-1].pk)}&window=open", htmx),
        "load older": (f"/c/{long_thread.pk}/older/?before={encode_cursor(middle.created_at, middle.pk)}", htmx),
        "contacts": ("/contacts/", {}),
    }


def _query_counts(client, operator) -> dict[str, int]:
    numbers = list(PhoneNumber.objects.filter(account__waba_id=SEED_WABA_ID))
    for number in numbers:
        grant_phone_number(user=operator, phone_number=number)
    # Read already (as after a first visit): the counts are of a page being looked at again.
    Conversation.objects.update(read_up_to=F("last_inbound_at"), unread_count=0)
    long_thread = Conversation.objects.order_by("-pk").first()
    client.force_login(operator)
    counts = {}
    for name, (url, headers) in _pages(long_thread, numbers[0]).items():
        client.get(url, **headers)  # warm: sessions, content types
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **headers)
        assert response.status_code == 200, name
        counts[name] = len(queries.captured_queries)
    return counts


def test_every_console_page_costs_the_same_queries_for_a_larger_history(client, operator):
    seed_history(conversations=8, messages=80, long_thread=60)
    small = _query_counts(client, operator)

    seed_history(conversations=55, messages=700, long_thread=150, seed=9)  # past every page size (50)
    large = _query_counts(client, operator)

    assert large == small
    # And a small budget at that (the thread: +1 for the composer's Enter preference; every page: +1 for
    # the top bar asking whether the admin opens, +1 for the unseen mentions count; the inbox sidebar: +1
    # for the counts per state, +1 for the labels, +1 for the bulk assign list, +1 for the rows' labels;
    # the thread: +2 for its notes and system lines, +1 for its labels, +1 for its unseen mentions).
    assert max(small.values()) <= 27
