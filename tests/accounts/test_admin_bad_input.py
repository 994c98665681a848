"""The admin never answers 500 to a hand-edited id: in an action's selection or a list's filter."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from messaging.models import WebhookEvent

pytestmark = pytest.mark.django_db

TOO_BIG = "99999999999999999999999"


@pytest.mark.parametrize("selected", [TOO_BIG, "abc", "-1"])
@pytest.mark.parametrize(
    "changelist, action",
    [("admin:messaging_webhookevent_changelist", "replay"), ("admin:accounts_businessaccount_changelist", "delete_selected")],
)
def test_an_action_on_an_impossible_id_selects_nothing(admin_client, account, changelist, action, selected):
    response = admin_client.post(reverse(changelist), {"action": action, "_selected_action": [selected], "index": "0"})

    assert response.status_code == 302
    assert "Items must be selected" in admin_client.get(response.url).text
    assert not AuditEntry.objects.filter(action="webhook_event.replay").exists()


def test_an_action_still_runs_on_the_valid_ids_of_a_selection(admin_client, account):
    event = WebhookEvent.objects.create(account=account, field="messages", body="{}", body_sha256="0" * 64)

    admin_client.post(
        reverse("admin:messaging_webhookevent_changelist"),
        {"action": "replay", "_selected_action": [str(event.pk), TOO_BIG], "index": "0"},
    )

    assert AuditEntry.objects.filter(action="webhook_event.replay", object_pk=str(event.pk)).exists()


@pytest.mark.parametrize("changelist", ["admin:accounts_auditentry_changelist", "admin:accounts_accountevent_changelist"])
@pytest.mark.parametrize("number", [TOO_BIG, "9" * 5000])
def test_a_filter_by_an_id_the_database_cannot_hold_is_a_400(admin_client, account, changelist, number):
    response = admin_client.get(reverse(changelist), {"account": number})

    assert response.status_code == 400
    assert "out of range" in response.text
    assert admin_client.get(reverse(changelist), {"q": TOO_BIG}).status_code == 200  # a search is text
