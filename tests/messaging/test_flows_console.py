"""The flow pages with Meta faked at the HTTP layer: the list synced across pages, create and clone, Meta's
refusals in plain words, the editor uploading exactly the user's text with Meta's errors at their lines,
publish / deprecate / delete with their history and audit entries, preview, health, and who may see what."""

import json

import pytest
import responses
from django.urls import reverse

from accounts import roles
from accounts.models import AuditEntry
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Flow, FlowJsonVersion

from ..cloudapi.conftest import multipart_fields
from ..conftest import PHONE_NUMBER_ID, WABA_ID, user_of_another_account

pytestmark = pytest.mark.django_db

GRAPH = "http://graph.test/v24.0"
FLOWS_URL = f"{GRAPH}/{WABA_ID}/flows"
TEXT = '{\n  "version": "7.3",\n  "screens": [\n    {"id": "A", "layout": {"type": "SingleColumnLayout",\n' \
       '      "children": [{"type": "Carousel"}]}}\n  ]\n}\n'
META_ERROR = {"error": "INVALID_PROPERTY_VALUE", "error_type": "FLOW_JSON_ERROR",
              "message": "Invalid value found for property 'type'.", "line_start": 5, "line_end": 5,
              "column_start": 28, "column_end": 37,
              "pointers": [{"line_start": 5, "line_end": 5, "column_start": 28, "column_end": 37,
                            "path": "screens[0].layout.children[0].type"}]}


@pytest.fixture
def meta():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def manager(client, phone):
    user = ensure_user(username="tina", password="pw-tina-123", role=roles.TEMPLATE_MANAGER)
    grant_phone_number(user=user, phone_number=phone)
    client.force_login(user)
    return user


def _flow(account, flow_id="5001", name="Signup", status="DRAFT", **fields) -> Flow:
    return Flow.objects.create(account=account, flow_id=flow_id, name=name, status=status, categories=["SIGN_UP"],
                               **fields)


def _graph_error(code, message, *, subcode=None, details=""):
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC"}
    if subcode:
        error["error_subcode"] = subcode
    if details:
        error["error_data"] = {"details": details}
    return {"error": error}


def test_it_syncs_every_page_of_metas_list_with_statuses_into_the_history(client, manager, account, meta):
    ours = _flow(account, "5001", status="DRAFT")
    _flow(account, "5009", name="Deleted in WhatsApp Manager")
    first = {"data": [{"id": "5001", "name": "Signup", "status": "PUBLISHED", "categories": ["SIGN_UP"],
                       "validation_errors": [], "json_version": "7.3", "data_api_version": "3.0",
                       "data_channel_uri": "https://acme.example/flows", "updated_at": "2026-11-30T10:00:00+0000"}],
             "paging": {"cursors": {"after": "P2"}, "next": f"{FLOWS_URL}?after=P2"}}
    second = {"data": [{"id": "5002", "name": "Survey", "status": "THROTTLED", "categories": ["SURVEY"],
                        "validation_errors": []}]}
    meta.add_callback("GET", FLOWS_URL, callback=lambda request: (
        200, {}, json.dumps(second if "after=P2" in request.url else first)))

    response = client.post(reverse("messaging:flow-sync"), {"account": account.pk}, follow=True)

    page = response.content.decode()
    assert "1 new, 1 changed, 1 no longer at Meta" in page
    assert "Deleted in WhatsApp Manager" not in page
    ours.refresh_from_db()
    assert (ours.status, ours.json_version, ours.endpoint_uri) == ("PUBLISHED", "7.3", "https://acme.example/flows")
    assert ours.meta_updated_at.isoformat() == "2026-11-30T10:00:00+00:00"
    assert Flow.objects.get(flow_id="5002").status == "THROTTLED"
    step = ours.history.get()
    assert (step.old_status, step.new_status, step.source) == ("DRAFT", "PUBLISHED", "sync")
    assert "https://acme.example/flows" in page and "THROTTLED" in page
    assert "30 Nov 2026, 10:00" in page  # Meta's last update of the flow


def test_a_failing_sync_says_why_in_plain_words(client, manager, account, meta):
    meta.get(FLOWS_URL, status=401, json=_graph_error(190, "Error validating access token"))

    response = client.post(reverse("messaging:flow-sync"), {"account": account.pk}, follow=True)

    assert "Meta no longer accepts the account&#x27;s access token" in response.content.decode()


def test_it_creates_a_draft_at_meta_with_an_audit_entry(client, manager, account, meta):
    meta.post(FLOWS_URL, json={"id": "6001"})

    response = client.post(reverse("messaging:flow-create"), {
        "account": account.pk, "name": "Booking", "categories": ["APPOINTMENT_BOOKING", "OTHER"],
        "endpoint_uri": "https://acme.example/flows"})

    flow = Flow.objects.get(flow_id="6001")
    assert response.status_code == 302 and response["Location"] == reverse("messaging:flow-json", args=[flow.pk])
    assert json.loads(meta.calls[0].request.body) == {
        "name": "Booking", "categories": ["APPOINTMENT_BOOKING", "OTHER"], "endpoint_uri": "https://acme.example/flows"}
    assert (flow.status, flow.name, flow.account) == ("DRAFT", "Booking", account)
    assert AuditEntry.objects.get(action="flow.create").actor == manager


def test_a_name_meta_already_has_is_said_plainly_and_nothing_is_written(client, manager, account, meta):
    meta.post(FLOWS_URL, status=400, json=_graph_error(
        100, "(#100) Invalid parameter", details="Flow name 'Booking' is already used; flow names must be unique"))

    response = client.post(reverse("messaging:flow-create"), {
        "account": account.pk, "name": "Booking", "categories": ["OTHER"]})

    assert response.status_code == 400
    assert "a flow with this name already exists in this business account" in response.content.decode()
    assert not Flow.objects.exists() and not AuditEntry.objects.filter(action="flow.create").exists()


def test_bad_input_gets_form_errors_and_no_call_to_meta(client, manager, account, meta):
    response = client.post(reverse("messaging:flow-create"), {
        "account": account.pk, "name": "  ", "categories": ["PIZZA"], "endpoint_uri": "http://plain.example/"})

    page = response.content.decode()
    assert response.status_code == 400 and len(meta.calls) == 0
    assert "Give the flow a name" in page or "This field is required" in page
    assert "Select a valid choice" in page and "https only" in page


def test_it_clones_a_flow_with_its_json(client, manager, account, meta):
    source = _flow(account)
    FlowJsonVersion.objects.create(flow=source, text=TEXT, validation_errors=[])
    meta.post(FLOWS_URL, json={"id": "6002"})

    client.post(reverse("messaging:flow-create"), {
        "account": account.pk, "name": "Signup v2", "categories": ["SIGN_UP"], "clone_from": source.pk})

    assert json.loads(meta.calls[0].request.body)["clone_flow_id"] == "5001"
    clone = Flow.objects.get(flow_id="6002")
    assert clone.json_versions.get().text == TEXT


def test_the_editor_uploads_exactly_the_text_and_shows_metas_errors_at_their_lines(client, manager, account, meta):
    flow = _flow(account)
    meta.post(f"{GRAPH}/5001/assets", json={"success": True, "validation_errors": [META_ERROR]})
    typed = TEXT.replace("\n", "\r\n")  # as a browser posts a textarea

    response = client.post(reverse("messaging:flow-json", args=[flow.pk]), {"flow_json": typed}, follow=True)

    assert multipart_fields(meta.calls[0].request)["file"][2] == TEXT.encode()
    page = response.content.decode()
    assert "Meta found 1 problem" in page
    assert 'data-line-start="5" data-column-start="28" data-line-end="5" data-column-end="37"' in page
    assert "line 5, column 28–37" in page and "screens[0].layout.children[0].type" in page
    assert "Invalid value found for property" in page
    version = flow.json_versions.get()
    assert (version.text, version.uploaded_by, version.validation_errors[0]["line_start"]) == (TEXT, manager, 5)
    flow.refresh_from_db()
    assert flow.json_version == "7.3" and len(flow.validation_errors) == 1
    assert AuditEntry.objects.get(action="flow.upload").details["validation_errors"] == 1


def test_a_syntax_error_is_shown_at_its_line_and_column_and_nothing_is_uploaded(client, manager, account, meta):
    flow = _flow(account)
    broken = '{\n  "version": "7.3",\n  "screens": [\n}'

    response = client.post(reverse("messaging:flow-json", args=[flow.pk]), {"flow_json": broken})

    page = response.content.decode()
    assert response.status_code == 400 and len(meta.calls) == 0
    assert "line 4, column 1" in page and "nothing uploaded" in page
    assert "&quot;screens&quot;: [" in page  # the text stays in the editor
    assert not flow.json_versions.exists()


def test_publish_deprecate_and_delete_walk_the_lifecycle_with_audit_entries(client, manager, account, meta):
    flow = _flow(account)
    draft = _flow(account, "5002", name="Draft")
    meta.post(f"{GRAPH}/5001/publish", json={"success": True})
    meta.post(f"{GRAPH}/5001/deprecate", json={"success": True})
    meta.delete(f"{GRAPH}/5002", json={"success": True})

    client.post(reverse("messaging:flow-publish", args=[flow.pk]))
    confirm = client.get(reverse("messaging:flow-deprecate", args=[flow.pk]))
    client.post(reverse("messaging:flow-deprecate", args=[flow.pk]))
    refused_delete = client.post(reverse("messaging:flow-delete", args=[flow.pk]), follow=True)
    client.post(reverse("messaging:flow-delete", args=[draft.pk]))

    flow.refresh_from_db()
    assert "This can't be undone" in confirm.content.decode()
    assert flow.status == "DEPRECATED"
    assert [(s.old_status, s.new_status, s.source) for s in flow.history.order_by("id")] == [
        ("DRAFT", "PUBLISHED", "console"), ("PUBLISHED", "DEPRECATED", "console")]
    assert "Meta deletes only drafts" in refused_delete.content.decode()
    assert not Flow.objects.filter(pk=draft.pk).exists()
    assert set(AuditEntry.objects.filter(action__startswith="flow.").values_list("action", flat=True)) == {
        "flow.publish", "flow.deprecate", "flow.delete"}


def test_a_refused_publish_is_explained_and_changes_nothing(client, manager, account, meta):
    flow = _flow(account)
    meta.post(f"{GRAPH}/5001/publish", status=400, json=_graph_error(
        100, "(#100) Invalid parameter", details="Flow 5001 has validation errors; fix the Flow JSON before publishing"))

    response = client.post(reverse("messaging:flow-publish", args=[flow.pk]), follow=True)

    assert "Meta refused to publish the flow: Flow 5001 has validation errors" in response.content.decode()
    flow.refresh_from_db()
    assert flow.status == "DRAFT" and not flow.history.exists()


def test_it_shows_the_preview_link_and_the_health_of_every_entity(client, manager, account, phone, meta):
    flow = _flow(account, status="PUBLISHED")
    meta.get(f"{GRAPH}/5001", json={"id": "5001", "preview": {
        "preview_url": "https://business.facebook.com/wa/manage/flows/5001/preview/?token=abc",
        "expires_at": "2099-01-01T00:00:00+0000"}},
        match=[responses.matchers.query_param_matcher({"fields": "id,preview.invalidate(false)"})])
    meta.get(f"{GRAPH}/5001", json={"id": "5001", "status": "PUBLISHED", "health_status": {
        "can_send_message": "BLOCKED", "entities": [
            {"entity_type": "FLOW", "id": "5001", "can_send_message": "AVAILABLE"},
            {"entity_type": "WABA", "id": WABA_ID, "can_send_message": "BLOCKED", "errors": [
                {"error_code": 141006, "error_description": "There is an error with the payment method.",
                 "possible_solution": "Add a valid payment method in WhatsApp Manager."}]},
            {"entity_type": "BUSINESS", "id": "1", "can_send_message": "AVAILABLE"},
            {"entity_type": "APP", "id": "2", "can_send_message": "AVAILABLE"}]}},
        match=[responses.matchers.query_param_matcher(
            {"fields": f"id,status,health_status.phone_number({PHONE_NUMBER_ID})"})])

    client.post(reverse("messaging:flow-preview", args=[flow.pk]))
    page = client.post(reverse("messaging:flow-health", args=[flow.pk]), {"phone_number": phone.pk},
                       follow=True).content.decode()

    assert 'href="https://business.facebook.com/wa/manage/flows/5001/preview/?token=abc"' in page
    assert "There is an error with the payment method." in page
    assert "Add a valid payment method in WhatsApp Manager." in page
    assert all(kind in page for kind in ("FLOW", "WABA", "BUSINESS", "APP"))


def test_operators_get_403_and_managers_of_another_business_see_nothing(client, account, operator, db):
    flow = _flow(account)
    client.force_login(operator)
    assert client.get(reverse("messaging:flow-list")).status_code == 403
    assert client.get(reverse("messaging:flow-json", args=[flow.pk])).status_code == 403

    foreign = user_of_another_account(username="fred", role=roles.TEMPLATE_MANAGER)
    client.force_login(foreign)
    assert "Signup" not in client.get(reverse("messaging:flow-list")).content.decode()
    assert client.get(reverse("messaging:flow-detail", args=[flow.pk])).status_code == 404
    assert client.post(reverse("messaging:flow-publish", args=[flow.pk])).status_code == 404
    assert client.post(reverse("messaging:flow-sync"), {"account": account.pk}).status_code == 404


def test_the_top_bar_links_flows_for_those_who_may_see_them(client, manager, operator):
    assert 'href="/flows/"' in client.get(reverse("messaging:flow-list")).content.decode()
    client.force_login(operator)
    assert 'href="/flows/"' not in client.get(reverse("messaging:inbox")).content.decode()


def test_a_published_flow_is_not_published_again_nor_its_json_changed(client, manager, account, meta):
    flow = _flow(account, status="PUBLISHED")

    publish = client.post(reverse("messaging:flow-publish", args=[flow.pk]), follow=True).content.decode()
    upload = client.post(reverse("messaging:flow-json", args=[flow.pk]), {"flow_json": TEXT})

    assert "Only a draft can be published; this flow is published." in publish
    assert upload.status_code == 400 and "only a draft&#x27;s JSON can be changed" in upload.content.decode()
    assert len(meta.calls) == 0 and not flow.json_versions.exists()
