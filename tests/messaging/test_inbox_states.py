"""The inbox by state: open, mine and unassigned by default; counts per state in one query; bulk
actions on the selected rows, all or nothing, only on what the user may see."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import AuditEntry
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Conversation, ConversationEvent, Label
from messaging.selectors import InboxFilters, state_counts

from .. import factories
from ..conftest import user_of_another_account

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return [name.split(" (+")[0] for name in re.findall(r'<span class="name">([^<]+)</span>', response.content.decode())]


@pytest.fixture
def rows(phone, operator):
    colleague = ensure_user(username="carla", password="pw-carla-123", role=roles.OPERATOR)
    grant_phone_number(user=colleague, phone_number=phone)
    made = {}
    for n, (name, state, assignee) in enumerate([
        ("Mine Mia", "open", operator), ("Nobody Ned", "open", None), ("Carla Cal", "open", colleague),
        ("Waiting Wes", "pending", None), ("Done Dora", "resolved", operator),
    ]):
        conversation = factories.conversation(phone, wa_id=f"1555020000{n}", name=name)
        Conversation.objects.filter(pk=conversation.pk).update(state=state, assigned_to=assignee)
        made[name] = conversation
    return made, colleague


def test_the_inbox_opens_on_open_conversations_mine_and_unassigned(client, operator, rows):
    client.force_login(operator)

    response = client.get(reverse("messaging:inbox"))

    assert sorted(_names(response)) == ["Mine Mia", "Nobody Ned"]
    html = response.content.decode()
    assert re.search(r'data-state-tab="open"[^>]*>Open <span class="count">2</span>', html)
    assert re.search(r'data-state-tab="pending"[^>]*>Pending <span class="count">1</span>', html)
    assert re.search(r'data-state-tab="resolved"[^>]*>Resolved <span class="count">1</span>', html)


@pytest.mark.parametrize("params, expected", [
    ({"state": "resolved"}, ["Done Dora"]),
    ({"state": "pending"}, ["Waiting Wes"]),
    ({"state": "all", "assigned": "anyone"}, ["Carla Cal", "Done Dora", "Mine Mia", "Nobody Ned", "Waiting Wes"]),
    ({"assigned": "others"}, ["Carla Cal"]),
])
def test_the_state_filter_combines_with_the_others(client, operator, rows, params, expected):
    client.force_login(operator)
    assert sorted(_names(client.get(reverse("messaging:inbox"), params))) == sorted(expected)


def test_counts_are_one_aggregate_query(operator, rows):
    with CaptureQueriesContext(connection) as queries:
        counts = state_counts(operator, InboxFilters(assigned="anyone"))
    assert counts == {"open": 3, "pending": 1, "snoozed": 0, "resolved": 1}
    assert len([q for q in queries.captured_queries if "COUNT" in q["sql"].upper()]) == 1


def test_the_polled_list_brings_the_counts_along(client, operator, rows):
    client.force_login(operator)
    made, _ = rows
    Conversation.objects.filter(pk=made["Nobody Ned"].pk).update(state="resolved")  # a colleague resolved it

    html = client.get(reverse("messaging:inbox"), HTTP_HX_REQUEST="true").content.decode()

    assert 'id="state-tabs" aria-label="Conversation states" hx-swap-oob="true"' in html
    assert re.search(r'data-state-tab="resolved"[^>]*>Resolved <span class="count">2</span>', html)


def _bulk(client, ids, **fields):
    return client.post(reverse("messaging:inbox-bulk"), {"ids": [str(i) for i in ids], **fields})


def test_bulk_resolve_changes_every_selected_row_audited_with_a_system_line_each(client, operator, rows):
    made, _ = rows
    client.force_login(operator)
    chosen = [made["Mine Mia"].pk, made["Nobody Ned"].pk, made["Waiting Wes"].pk]

    response = _bulk(client, chosen, action="resolve")

    assert response.status_code == 302
    assert set(Conversation.objects.filter(pk__in=chosen).values_list("state", flat=True)) == {"resolved"}
    assert ConversationEvent.objects.filter(kind="resolved", conversation__in=chosen, actor=operator).count() == 3
    assert AuditEntry.objects.filter(action="conversation.resolved").count() == 3


def test_bulk_assign_and_label(client, operator, rows, phone):
    made, colleague = rows
    label = Label.objects.create(account=phone.account, name="VIP", colour="purple")
    client.force_login(operator)
    chosen = [made["Mine Mia"].pk, made["Nobody Ned"].pk]

    assert _bulk(client, chosen, action="assign", assign_to=str(colleague.pk)).status_code == 302
    assert _bulk(client, chosen, action="label", label=str(label.pk)).status_code == 302

    assert set(Conversation.objects.filter(pk__in=chosen).values_list("assigned_to", flat=True)) == {colleague.pk}
    assert set(label.conversations.values_list("pk", flat=True)) == set(chosen)
    assert ConversationEvent.objects.filter(kind="assigned").count() == 2
    assert ConversationEvent.objects.filter(kind="labelled").count() == 2


def test_an_operator_cannot_bulk_resolve_another_numbers_conversation(client, operator, rows, add_phone):
    made, _ = rows
    elsewhere = factories.conversation(add_phone("106540352242000", "15550002222"), wa_id="15550300000")
    client.force_login(operator)  # not granted that number

    response = _bulk(client, [made["Mine Mia"].pk, elsewhere.pk], action="resolve")

    assert response.status_code == 400
    assert "not yours to change: nothing was changed" in response.content.decode()
    assert Conversation.objects.get(pk=elsewhere.pk).state == "open"
    assert Conversation.objects.get(pk=made["Mine Mia"].pk).state == "open"  # all or nothing


def test_a_stranger_cannot_bulk_change_our_conversations(client, rows):
    made, _ = rows
    stranger = user_of_another_account(username="sam", role=roles.OPERATOR)
    client.force_login(stranger)

    assert _bulk(client, [made["Mine Mia"].pk], action="resolve").status_code == 400
    assert Conversation.objects.get(pk=made["Mine Mia"].pk).state == "open"


@pytest.mark.parametrize("fields, problem", [
    ({"action": "resolve"}, "Select conversations first."),
    ({"ids": ["abc"], "action": "resolve"}, "not a list of conversations"),
    ({"ids": ["1"], "action": "explode"}, "Select a valid choice"),
    ({"ids": ["1"], "action": "label"}, "Choose a label."),
])
def test_bad_bulk_input_is_refused_with_a_reason(client, operator, rows, fields, problem):
    client.force_login(operator)
    response = client.post(reverse("messaging:inbox-bulk"), fields)
    assert response.status_code == 400 and problem in response.content.decode()


def test_a_label_of_another_account_is_refused_in_bulk(client, operator, rows):
    made, _ = rows
    other = user_of_another_account(username="sam", role=roles.OPERATOR)
    foreign = Label.objects.create(account=other.phone_numbers.get().account, name="Theirs")
    client.force_login(operator)

    response = _bulk(client, [made["Mine Mia"].pk], action="label", label=str(foreign.pk))

    assert response.status_code == 400
    assert not made["Mine Mia"].labels.exists()


def test_assigning_from_the_thread_writes_a_system_line_and_an_audit_entry(client, operator, rows):
    made, colleague = rows
    conversation = made["Nobody Ned"]
    client.force_login(operator)

    client.post(reverse("messaging:conversation-assign", args=[conversation.pk]), {"assignee": str(colleague.pk)})

    event = ConversationEvent.objects.get(conversation=conversation)
    assert (event.kind, event.actor, event.details["to"]) == ("assigned", operator, "carla")
    assert AuditEntry.objects.get(action="conversation.assign").object_pk == str(conversation.pk)
    page = client.get(reverse("messaging:conversation-detail", args=[conversation.pk])).content.decode()
    assert "olivia assigned it to carla" in page
