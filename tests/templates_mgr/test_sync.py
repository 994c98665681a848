"""Sync with Meta's template list (two pages): created, changed and deleted templates, status changes
in the history with source "sync", and a failing sync shown as failing. Button, command, task."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from templates_mgr.models import MessageTemplate, TemplateSyncState
from templates_mgr.services.sync import SyncFailed, sync_templates
from templates_mgr.tasks import sync_templates_task

from .conftest import TEMPLATES_URL, make_template

pytestmark = pytest.mark.django_db


def _page(items: list[dict], after: str | None = None) -> dict:
    page = {"data": items}
    if after:
        page["paging"] = {"cursors": {"after": after}, "next": f"{TEMPLATES_URL}?after={after}"}
    return page


def _listed(name, template_id, status="APPROVED", **fields) -> dict:
    return {
        "id": template_id, "name": name, "language": "en_US", "status": status, "category": "UTILITY",
        "components": [{"type": "BODY", "text": f"{name} body"}], **fields,
    }


@pytest.fixture
def two_pages(meta, account):
    """Meta lists: a new template made in WhatsApp Manager (page 1), our approved one now paused with
    a new body and quality (page 1), our pending one rejected (page 2); our ``gone`` is not listed."""
    first = [
        _listed("made_in_manager", "9001", quality_score={"score": "GREEN", "date": 1}),
        _listed("ours", "9002", status="PAUSED", quality_score={"score": "RED", "date": 1},
                components=[{"type": "BODY", "text": "Edited in WhatsApp Manager"}]),
    ]
    second = [_listed("waiting", "9003", status="REJECTED", rejected_reason="PROMOTIONAL")]

    def _answer(request):
        page = _page(second) if "after=PAGE2" in request.url else _page(first, after="PAGE2")
        return 200, {"Content-Type": "application/json"}, json.dumps(page)

    meta.add_callback("GET", TEMPLATES_URL, callback=_answer)
    make_template(account, "ours", template_id="9002", status="APPROVED")
    make_template(account, "waiting", template_id="9003", status="PENDING")
    make_template(account, "gone", template_id="9004", status="APPROVED")
    make_template(account, "my_draft", status="DRAFT")
    return meta


def test_it_reconciles_created_changed_and_deleted_templates_across_pages(account, two_pages):
    result = sync_templates(account=account)

    assert (result.created, result.updated, result.deleted, result.status_changes) == (1, 2, 1, 3)
    rows = {t.name: t for t in MessageTemplate.objects.all()}
    assert (rows["made_in_manager"].status, rows["made_in_manager"].quality_score) == ("APPROVED", "GREEN")
    assert (rows["ours"].status, rows["ours"].quality_score) == ("PAUSED", "RED")
    assert rows["ours"].components == [{"type": "BODY", "text": "Edited in WhatsApp Manager"}]
    assert (rows["waiting"].status, rows["waiting"].rejected_reason) == ("REJECTED", "PROMOTIONAL")
    assert rows["gone"].status == "DELETED" and rows["gone"].deleted_at is not None
    assert rows["my_draft"].status == "DRAFT"  # never sent to Meta: not Meta's to delete
    assert all(t.last_synced_at for t in rows.values() if t.template_id and t.name != "gone")
    ours = rows["ours"].status_changes.get()
    assert (ours.old_status, ours.new_status, ours.source) == ("APPROVED", "PAUSED", "sync")
    assert len(two_pages.calls) == 2
    state = TemplateSyncState.objects.get(account=account)
    assert state.last_success_at and not state.failing


def test_a_second_sync_changes_nothing(account, two_pages):
    sync_templates(account=account)

    result = sync_templates(account=account)

    assert (result.created, result.updated, result.deleted, result.status_changes) == (0, 0, 0, 0)


def test_a_failing_sync_is_recorded_and_shown_on_the_board(client, manager, account, meta):
    meta.get(TEMPLATES_URL, status=400, json={"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}})

    with pytest.raises(SyncFailed, match="renew it"):
        sync_templates(account=account)

    state = TemplateSyncState.objects.get(account=account)
    assert state.failing and "access token" in state.last_error
    client.force_login(manager)
    page = client.get(reverse("templates_mgr:template-list")).text
    assert "Sync failing since" in page and "An administrator must renew it" in page
    assert "never synced with Meta" in page


def test_a_later_success_clears_the_failure_but_keeps_the_last_success_time(account, meta):
    meta.get(TEMPLATES_URL, status=500, json={"error": {"message": "boom", "code": 1, "is_transient": True}})
    with pytest.raises(SyncFailed):
        sync_templates(account=account)
    meta.replace("GET", TEMPLATES_URL, json=_page([]))

    sync_templates(account=account)

    assert not TemplateSyncState.objects.get(account=account).failing


def test_the_sync_button_syncs_and_says_what_it_found(client, manager, account, two_pages):
    client.force_login(manager)

    response = client.post(reverse("templates_mgr:template-sync"), {"account": account.pk}, follow=True)

    assert response.status_code == 200
    assert "Synced Acme with Meta: 1 new, 2 changed, 1 deleted, 3 status change(s)." in response.text
    assert "last synced with Meta" in response.text


def test_the_sync_button_checks_access_and_input(client, manager, operator, foreign_manager, account):
    url = reverse("templates_mgr:template-sync")
    assert client.post(url, {"account": account.pk})["Location"].startswith(reverse("login"))
    client.force_login(operator)
    assert client.post(url, {"account": account.pk}).status_code == 403
    client.force_login(foreign_manager)
    assert client.post(url, {"account": account.pk}).status_code == 404
    client.force_login(manager)
    response = client.post(url, {})
    assert response.status_code == 400 and "Choose the business account" in response.text
    assert client.get(url).status_code == 405


def test_the_command_syncs_one_account_or_fails_loudly(account, two_pages):
    out = StringIO()
    call_command("sync_templates", "--account", account.waba_id, stdout=out)
    assert "Acme (102290129340398): 1 new, 2 changed, 1 deleted" in out.getvalue()

    with pytest.raises(CommandError, match="No business account with WABA id 42"):
        call_command("sync_templates", "--account", "42")


def test_the_command_reports_a_failed_account(account, meta):
    meta.get(TEMPLATES_URL, status=400, json={"error": {"message": "bad", "code": 100}})
    err = StringIO()

    with pytest.raises(CommandError, match="1 account"):
        call_command("sync_templates", stderr=err)

    assert "sync failed" in err.getvalue()


def test_the_beat_task_syncs_every_account(account, two_pages, django_capture_on_commit_callbacks):
    outcome = sync_templates_task.delay().get()

    assert outcome.startswith(f"{account.waba_id}: ") and "new" in outcome

    assert MessageTemplate.objects.filter(name="made_in_manager").exists()
    assert sync_templates_task(account.pk).startswith("0 new")


def test_the_task_records_a_failure_for_the_board_without_retrying(account, meta):
    meta.get(TEMPLATES_URL, status=503, body="down")

    outcome = sync_templates_task(account.pk)

    assert outcome.startswith("failed: Meta could not be reached")
    assert TemplateSyncState.objects.get(account=account).failing
    assert len(meta.calls) == 1
    assert sync_templates_task(424242) == "no such account"
