"""Support staff in the Django admin: filters, the history inline, and the actions — submit drafts,
sync, delete at Meta — calling the console's services with the console's messages."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts import roles
from accounts.services import ensure_user
from templates_mgr.models import MessageTemplate

from .conftest import TEMPLATES_URL, make_template

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:templates_mgr_messagetemplate_changelist")


@pytest.fixture
def admin_client(client, account):
    user = ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client


def _act(client, action, *templates):
    response = client.post(CHANGELIST, {"action": action, "_selected_action": [t.pk for t in templates]}, follow=True)
    return [str(m) for m in get_messages(response.wsgi_request)] or [m.message for m in response.context["messages"]]


def test_it_filters_by_status_category_language_and_quality(admin_client, account):
    make_template(account, "green_one", quality_score="GREEN", category="MARKETING", language="pt_BR")
    make_template(account, "red_one", quality_score="RED")

    page = admin_client.get(CHANGELIST, {"quality_score__exact": "GREEN", "category__exact": "MARKETING", "language": "pt_BR"}).text

    assert "green_one" in page and "red_one" not in page
    filters = admin_client.get(CHANGELIST).text
    assert all(f"By {title}" in filters for title in ("status", "category", "language", "quality score"))


def test_submit_drafts_gives_the_rule_messages_the_console_gives(admin_client, account, meta):
    broken = make_template(account, "broken", status="DRAFT", components=[{"type": "BODY", "text": "Hi {{1}}, ok"}])
    good = make_template(account, "good", status="DRAFT")
    meta.post(TEMPLATES_URL, json={"id": "31337", "status": "PENDING", "category": "UTILITY"})

    messages = _act(admin_client, "submit_drafts", broken, good)

    assert "broken (en_US) not submitted: Examples: Give an example for {{1}}: Meta reviews the template with it." in messages
    assert "good (en_US) submitted to Meta." in messages
    good.refresh_from_db()
    assert (good.status, good.template_id) == ("PENDING", "31337")
    assert MessageTemplate.objects.get(pk=broken.pk).status == "DRAFT"


def test_submit_drafts_says_what_meta_refused_and_skips_non_drafts(admin_client, account, meta):
    draft = make_template(account, "dup", status="DRAFT")
    live = make_template(account, "live")
    meta.post(TEMPLATES_URL, status=400, json={"error": {"message": "Invalid parameter", "code": 100, "error_data": {"details": "Name taken"}}})

    messages = _act(admin_client, "submit_drafts", draft, live)

    assert "dup (en_US) not submitted: Meta refused to accept the template: Name taken. (error 100)" in messages
    assert "live (en_US) not submitted: live (en_US) is not a draft: it is approved." in messages


def test_sync_action_syncs_the_accounts_of_the_selection(admin_client, account, meta):
    template = make_template(account, "listed", template_id="1")
    meta.get(TEMPLATES_URL, json={"data": [{"id": "1", "name": "listed", "language": "en_US", "status": "PAUSED", "category": "UTILITY"}]})

    messages = _act(admin_client, "sync_with_meta", template)

    assert messages == ["Synced Acme: 0 new, 0 changed, 0 deleted, 1 status change(s)."]
    template.refresh_from_db()
    assert template.status == "PAUSED"


def test_delete_at_meta_refuses_disabled_templates_like_the_console(admin_client, account, meta):
    disabled = make_template(account, "bad", status="DISABLED")
    fine = make_template(account, "fine", template_id="88")
    meta.delete(TEMPLATES_URL, json={"success": True})

    messages = _act(admin_client, "delete_at_meta", disabled, fine)

    assert "bad (en_US) not deleted: Meta does not allow deleting disabled templates: bad (en_US) is disabled." in messages
    assert "fine (en_US) deleted at Meta." in messages
    assert MessageTemplate.objects.get(pk=fine.pk).status == "DELETED"
    assert "hsm_id=88" in meta.calls[0].request.url


def test_support_staff_cannot_run_the_changing_actions(client, account):
    support = ensure_user(username="sue", password="pw-sue-123", role=roles.SUPPORT)
    support.is_staff = True
    support.save()
    client.force_login(support)
    make_template(account, "one")

    page = client.get(CHANGELIST).text

    assert "submit_drafts" not in page and "delete_at_meta" not in page
