"""Labels: Settings → Labels for administrators, on conversations from the thread, the inbox's
label filter and search; a label of one account never on another account's conversation."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import roles
from accounts.models import AuditEntry
from accounts.services import ensure_user
from messaging.models import ConversationEvent, Label
from messaging.services import labels as label_service

from .. import factories
from ..conftest import user_of_another_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(phone):
    return ensure_user(username="ada", password="pw-ada-12345", role=roles.ADMINISTRATOR)


def test_an_administrator_creates_renames_recolours_and_deletes_a_label(client, administrator, account, phone):
    client.force_login(administrator)

    response = client.post(reverse("labels:list"), {"account": account.pk, "name": "  VIP  ", "colour": "purple"})
    assert response.status_code == 302
    label = Label.objects.get()
    assert (label.name, label.colour, label.account) == ("VIP", "purple", account)

    conversation = factories.conversation(phone)
    label_service.add_label(conversation=conversation, label=label, actor=administrator)
    page = client.get(reverse("labels:list")).content.decode()
    assert 'class="chip colour-purple">VIP<' in page

    assert client.post(reverse("labels:edit", args=[label.pk]), {"name": "Gold", "colour": "yellow"}).status_code == 302
    label.refresh_from_db()
    assert (label.name, label.colour) == ("Gold", "yellow")

    confirm = client.get(reverse("labels:delete", args=[label.pk])).content.decode()
    assert "1 conversation and 0 contacts of Acme carry it" in confirm
    assert client.post(reverse("labels:delete", args=[label.pk])).status_code == 302
    assert not Label.objects.exists() and not conversation.labels.exists()
    assert list(AuditEntry.objects.filter(action__startswith="label.").order_by("id").values_list("action", flat=True)) == [
        "label.create", "label.update", "label.delete"]


@pytest.mark.parametrize("fields, problem", [
    ({"name": "", "colour": "red"}, "This field is required."),
    ({"name": "x" * 51, "colour": "red"}, "at most 50 characters"),
    ({"name": "VIP", "colour": "chartreuse"}, "Select a valid choice"),
    ({"name": "vip", "colour": "red"}, "has a label “vip” already"),
])
def test_a_bad_label_is_refused_with_a_reason(client, administrator, account, fields, problem):
    Label.objects.create(account=account, name="VIP")
    client.force_login(administrator)

    response = client.post(reverse("labels:list"), {"account": account.pk, **fields})

    assert response.status_code == 400 and problem in response.content.decode()
    assert Label.objects.count() == 1


def test_only_administrators_manage_labels(client, operator, account):
    label = Label.objects.create(account=account, name="VIP")
    client.force_login(operator)
    assert client.get(reverse("labels:list")).status_code == 403
    assert client.post(reverse("labels:delete", args=[label.pk])).status_code == 403
    assert Label.objects.exists()


def test_settings_nav_links_labels(client, administrator):
    client.force_login(administrator)
    assert f'href="{reverse("labels:list")}"' in client.get(reverse("settings:home")).content.decode()


def test_an_operator_adds_and_removes_a_label_from_the_thread(client, operator, phone):
    label = Label.objects.create(account=phone.account, name="Refund", colour="red")
    conversation = factories.conversation(phone)
    client.force_login(operator)
    detail = reverse("messaging:conversation-detail", args=[conversation.pk])
    assert '<option value="%d">Refund</option>' % label.pk in client.get(detail).content.decode()

    client.post(reverse("messaging:conversation-label-add", args=[conversation.pk]), {"label": label.pk})
    page = client.get(detail).content.decode()
    assert 'class="chip colour-red">Refund' in page and "olivia added the label Refund" in page

    client.post(reverse("messaging:conversation-label-remove", args=[conversation.pk]), {"label": label.pk})
    assert not conversation.labels.exists()
    assert list(ConversationEvent.objects.values_list("kind", flat=True)) == ["labelled", "labelled"]


def test_a_label_of_account_a_never_goes_on_account_bs_conversation(client, phone):
    ours = Label.objects.create(account=phone.account, name="Ours")
    stranger = user_of_another_account(username="sam", role=roles.OPERATOR)
    theirs = factories.conversation(stranger.phone_numbers.get(), wa_id="15559990001")
    client.force_login(stranger)

    response = client.post(reverse("messaging:conversation-label-add", args=[theirs.pk]), {"label": ours.pk})

    assert response.status_code == 400 and "No such label" in response.content.decode()
    assert not theirs.labels.exists()
    with pytest.raises(ValidationError):
        label_service.add_label(conversation=theirs, label=ours, actor=stranger)
    assert not theirs.labels.exists()


def test_the_live_poll_shows_a_colleagues_label(client, operator, phone):
    label = Label.objects.create(account=phone.account, name="Urgent", colour="orange")
    conversation = factories.conversation(phone)
    label_service.add_label(conversation=conversation, label=label, actor=None)
    client.force_login(operator)

    html = client.get(reverse("messaging:conversation-messages", args=[conversation.pk]), HTTP_HX_REQUEST="true").text

    assert 'id="team-bar" hx-swap-oob="true"' in html and 'class="chip colour-orange">Urgent' in html


def test_the_inbox_filters_and_searches_by_label(client, operator, phone):
    vip = Label.objects.create(account=phone.account, name="VIP")
    tagged = factories.conversation(phone, wa_id="15550400001", name="Tagged Tom")
    factories.conversation(phone, wa_id="15550400002", name="Plain Pat")
    label_service.add_label(conversation=tagged, label=vip, actor=operator)
    client.force_login(operator)

    by_filter = client.get(reverse("messaging:inbox"), {"label": vip.pk}).content.decode()
    by_search = client.get(reverse("messaging:inbox"), {"q": "vip"}).content.decode()

    for html in (by_filter, by_search):
        assert "Tagged Tom" in html and "Plain Pat" not in html
    assert 'class="chip colour-grey">VIP<' in by_filter  # the row shows its labels


def test_label_named_gets_or_creates(account):
    first = label_service.label_named(account, "Newsletter")
    label_named_twice = label_service.label_named(account, "newsletter")
    assert first == label_named_twice and Label.objects.count() == 1
