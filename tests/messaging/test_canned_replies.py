"""Canned replies: filled in for the contact (missing variables flagged, never sent as {{…}}), refused
when the window is closed, shared ones managed in Settings by administrators, personal ones by
each operator, codes unique per account and owner, every change audited."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import AuditEntry
from accounts.services import ensure_user, grant_phone_number
from messaging.models import CannedReply, Contact

from .. import factories
from ..conftest import user_of_another_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(phone):
    return ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)


@pytest.fixture
def conversation(phone):
    conv = factories.conversation(phone, name="Sheena Nelson")
    Contact.objects.filter(pk=conv.contact_id).update(attributes={"city": "Leeds", "order": "A-1042"})
    conv.contact.refresh_from_db()
    return conv


def _picker(client, conversation):
    return client.get(reverse("messaging:conversation-canned-replies", args=[conversation.pk]))


def test_it_fills_the_variables_from_the_contact_and_flags_the_missing_ones(client, operator, account, conversation):
    CannedReply.objects.create(account=account, code="ship", title="Shipped",
                               body="Hi {{first_name}}, order {{ order }} left for {{city}}. Ref {{tracking}}.")
    client.force_login(operator)
    response = _picker(client, conversation)
    assert response.status_code == 200
    [entry] = response.json()["replies"]
    assert entry["text"] == "Hi Sheena, order A-1042 left for Leeds. Ref ."
    assert "{{" not in entry["text"]
    assert entry["missing"] == ["tracking"]
    assert {"text": "", "missing": "tracking"} in entry["parts"]


def test_it_lists_shared_replies_and_only_my_own_personal_ones(client, operator, account, conversation):
    colleague = ensure_user(username="carla", password="pw-carla-123", role=roles.OPERATOR)
    CannedReply.objects.create(account=account, code="hours", title="Hours", body="9 to 5, {{name}}")
    CannedReply.objects.create(account=account, owner=operator, code="mine", title="Mine", body="Mine")
    CannedReply.objects.create(account=account, owner=colleague, code="hers", title="Hers", body="Hers")
    client.force_login(operator)
    entries = _picker(client, conversation).json()["replies"]
    assert [(e["code"], e["personal"], e["text"]) for e in entries] == [("hours", False, "9 to 5, Sheena Nelson"),
                                                                       ("mine", True, "Mine")]


def test_it_refuses_canned_replies_when_the_window_is_closed(client, operator, account, phone):
    closed = factories.conversation(phone, wa_id="16505550000", name="Old Owen", wrote_ago=timedelta(hours=30))
    CannedReply.objects.create(account=account, code="hours", title="Hours", body="9 to 5")
    client.force_login(operator)
    response = _picker(client, closed)
    assert response.status_code == 409
    assert "more than 24 hours ago" in response.json()["error"]
    assert "send a template" in response.json()["error"]
    assert response.json()["replies"] == []
    # The closed composer says so, and offers templates.
    page = client.get(reverse("messaging:conversation-detail", args=[closed.pk])).content.decode()
    assert "Canned replies are free text" in page and 'id="template-picker"' in page


def test_another_business_never_sees_our_replies(client, account, conversation):
    CannedReply.objects.create(account=account, code="hours", title="Hours", body="9 to 5")
    stranger = user_of_another_account(username="sam", role=roles.OPERATOR)
    client.force_login(stranger)
    assert _picker(client, conversation).status_code == 404
    listed = client.get(reverse("messaging:canned-reply-list")).content.decode()
    assert "/hours" not in listed


def test_an_administrator_manages_the_shared_replies_in_settings(client, admin_user, account):
    client.force_login(admin_user)
    assert "Canned replies" in client.get(reverse("settings:home")).content.decode()
    response = client.post(reverse("canned-replies:create"), {"account": account.pk, "code": "/Hours", "title": "Hours",
                                                             "body": "We open at 9, {{first_name}}."})
    assert response.status_code == 302
    reply = CannedReply.objects.get()
    assert (reply.code, reply.owner) == ("hours", None)
    assert AuditEntry.objects.filter(action="canned_reply.create", object_pk=str(reply.pk)).exists()

    taken = client.post(reverse("canned-replies:create"), {"account": account.pk, "code": "hours", "title": "Again",
                                                          "body": "Again"})
    assert taken.status_code == 400 and "/hours is taken already" in taken.content.decode()

    client.post(reverse("canned-replies:edit", args=[reply.pk]), {"code": "hours", "title": "Opening hours",
                                                                  "body": "9 to 5"})
    reply.refresh_from_db()
    assert reply.title == "Opening hours"
    client.post(reverse("canned-replies:delete", args=[reply.pk]))
    assert not CannedReply.objects.exists()
    assert AuditEntry.objects.filter(action="canned_reply.delete").exists()


def test_it_refuses_braces_that_are_not_a_variable(client, admin_user, account):
    client.force_login(admin_user)
    response = client.post(reverse("canned-replies:create"), {"account": account.pk, "code": "bad", "title": "Bad",
                                                             "body": "Hello {{ 1 }} and {{name"})
    assert response.status_code == 400
    assert "Write variables as" in response.content.decode()
    assert not CannedReply.objects.exists()


def test_an_operator_keeps_personal_replies_with_codes_of_their_own(client, operator, account):
    colleague = ensure_user(username="carla", password="pw-carla-123", role=roles.OPERATOR)
    grant_phone_number(user=colleague, phone_number=account.phone_numbers.first())
    CannedReply.objects.create(account=account, code="hours", title="Shared", body="Shared")
    CannedReply.objects.create(account=account, owner=colleague, code="thanks", title="Hers", body="Hers")
    client.force_login(operator)
    # The same code as a shared reply or a colleague's personal one is fine: mine is mine.
    for code in ("hours", "thanks"):
        response = client.post(reverse("messaging:canned-reply-create"), {"account": account.pk, "code": code,
                                                                          "title": "Mine", "body": "Mine"})
        assert response.status_code == 302
    assert CannedReply.objects.filter(owner=operator).count() == 2
    again = client.post(reverse("messaging:canned-reply-create"), {"account": account.pk, "code": "thanks",
                                                                   "title": "Twice", "body": "Twice"})
    assert again.status_code == 400
    # A colleague's reply is not mine to edit, nor the shared one from the console.
    hers = CannedReply.objects.get(owner=colleague)
    shared = CannedReply.objects.get(owner=None)
    assert client.get(reverse("messaging:canned-reply-edit", args=[hers.pk])).status_code == 404
    assert client.get(reverse("messaging:canned-reply-edit", args=[shared.pk])).status_code == 404
    assert client.get(reverse("canned-replies:list")).status_code == 403
