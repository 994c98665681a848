"""Sending a flow from the composer with a token we generate (against the simulator), and the answer landing
in the thread with the Flow JSON's labels and in the flow's responses table — unknown and expired tokens kept."""

import csv
import io
import json
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import BusinessAccount
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Conversation, Flow, FlowJsonVersion, FlowResponse, FlowToken, Message

from ..conftest import WABA_ID, user_of_another_account
from .conftest import FLOW_CUSTOMER, through_django

pytestmark = pytest.mark.django_db
WA_ID = FLOW_CUSTOMER
SAMPLE_TOKEN = "AQAAAAACS5FpgQ_cAAAAAD0QI3s."  # the token in Meta's nfm_reply sample
SAMPLE_NUMBER = "1122334455667"  # the number of Meta's nfm_reply sample
SURVEY_JSON = json.dumps({"version": "7.3", "screens": [{"id": "RATE", "terminal": True, "layout": {
    "type": "SingleColumnLayout", "children": [
        {"type": "TextArea", "name": "comment_text", "label": "Anything else?"},
        {"type": "RadioButtonsGroup", "name": "delivery_rating", "label": "Delivery", "data-source": []},
        {"type": "Footer", "label": "Send", "on-click-action": {"name": "complete", "payload": {}}}]}}]})


@pytest.fixture
def manager(phone):
    user = ensure_user(username="tina", password="pw-tina-123", role=roles.TEMPLATE_MANAGER)
    grant_phone_number(user=user, phone_number=phone)
    return user


def _send(client, conversation, capture, **fields):
    with capture(execute=True):
        return client.post(reverse("messaging:conversation-send", args=[conversation.pk]),
                           {"kind": "flow", "client_uuid": str(uuid.uuid4()), **fields})


def test_an_operator_sends_a_flow_the_customer_completes_it_and_the_answer_shows_in_thread_and_table(
    client, operator, manager, simulator, booking, deliver_webhooks, django_capture_on_commit_callbacks
):
    conversation, flow = booking["conversation"], booking["flow"]
    client.force_login(operator)  # operators send flows without seeing the flow pages
    composer = client.get(reverse("messaging:conversation-compose", args=[conversation.pk]) + "?kind=flow")
    assert composer.status_code == 200 and "Booking" in composer.text

    response = _send(client, conversation, django_capture_on_commit_callbacks, flow=flow.pk, flow_cta="Book a time",
                     body="Choose a day and a time", header="Appointments", flow_action="data_exchange")

    assert response.status_code == 302
    token = FlowToken.objects.get()
    assert (token.flow, token.conversation, token.phone_number) == (flow, conversation, conversation.phone_number)
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
    [sent] = simulator.sent_messages()
    interactive = sent["body"]["interactive"]
    assert interactive["header"] == {"type": "text", "text": "Appointments"}
    assert interactive["action"]["parameters"] == {
        "flow_message_version": "3", "flow_token": token.token, "flow_cta": "Book a time",
        "flow_action": "data_exchange", "flow_id": flow.flow_id,
    }
    message = Message.objects.get(direction="out")
    assert message.status == "accepted"

    # The customer opens it: the simulator plays Meta against our data endpoint, then sends the nfm_reply.
    result = simulator.customer_open_flow(wa_id=WA_ID, context_id=message.wamid, post=through_django(client))
    assert result["screens"] == ["DATE", "TIME"]
    assert 200 in deliver_webhooks(simulator)
    answer = FlowResponse.objects.get()
    assert (answer.flow, answer.token, answer.token_state) == (flow, token, "valid")

    thread = client.get(reverse("messaging:conversation-messages", args=[conversation.pk])).text
    assert "Flow completed (Booking)" in thread and "appointment" in thread and "token unknown" not in thread

    client.force_login(manager)
    table = client.get(reverse("messaging:flow-responses", args=[flow.pk]))
    assert table.status_code == 200 and "Sheena" in table.text and str(booking["slot"].pk) in table.text


def test_a_draft_is_sent_in_draft_mode_on_its_first_screen_with_its_data(
    client, operator, simulator, booking, django_capture_on_commit_callbacks
):
    api, conversation = booking["api"], booking["conversation"]
    draft_id = api.create_flow(waba_id=WABA_ID, name="Survey", categories=["SURVEY"])
    assert api.upload_flow_json(flow_id=draft_id, flow_json=SURVEY_JSON) == []
    draft = Flow.objects.create(account=conversation.phone_number.account, flow_id=draft_id, name="Survey")
    FlowJsonVersion.objects.create(flow=draft, text=SURVEY_JSON)  # no screen given: its first one, RATE
    client.force_login(operator)
    composer = client.get(reverse("messaging:conversation-compose", args=[conversation.pk]) + "?kind=flow").text
    assert "Survey — draft, testers only" in composer and "only to the flow's testers" in composer

    response = _send(client, conversation, django_capture_on_commit_callbacks, flow=draft.pk, flow_cta="Rate us",
                     body="How did we do?", flow_action="navigate", screen="", data='{"order": "#7"}')

    assert response.status_code == 302
    [sent] = simulator.sent_messages()
    parameters = sent["body"]["interactive"]["action"]["parameters"]
    assert parameters["mode"] == "draft" and parameters["flow_token"] == FlowToken.objects.get().token
    assert parameters["flow_action_payload"] == {"screen": "RATE", "data": {"order": "#7"}}


@pytest.mark.parametrize("fields, problem", [
    ({"flow_action": "navigate", "screen": ""}, "Name the screen the flow opens on"),
    ({"flow_action": "navigate", "screen": "RATE", "data": '{"a": 1,}'}, "is not JSON"),
    ({"flow_action": "navigate", "screen": "RATE", "data": "[1]"}, "must be a JSON object"),
    ({"flow_action": "teleport"}, "Select a valid choice"),
    ({"flow_action": "data_exchange", "flow_cta": "x" * 31}, "at most 30 characters"),
    ({"flow_action": "data_exchange", "other_flow": True}, "Choose a flow of this conversation"),
])
def test_bad_flow_messages_are_refused_on_their_field_with_nothing_queued(client, operator, account, phone, fields, problem):
    user_of_another_account(username="sam", role=roles.OPERATOR)
    mine = Flow.objects.create(account=account, flow_id="801", name="Mine", status="PUBLISHED")
    theirs = Flow.objects.create(account=BusinessAccount.objects.get(name="Other"), flow_id="802", name="Theirs",
                                 status="PUBLISHED")
    conversation = Conversation.objects.create(
        contact=account.contacts.create(wa_id=WA_ID, name="Sheena"), phone_number=phone,
        last_inbound_at=timezone.now() - timedelta(hours=3))
    client.force_login(operator)
    data = {"flow": (theirs if fields.pop("other_flow", False) else mine).pk, "flow_cta": "Open", "body": "Hi", **fields}

    response = client.post(reverse("messaging:conversation-send", args=[conversation.pk]),
                           {"kind": "flow", "client_uuid": str(uuid.uuid4()), **data})

    assert response.status_code == 400 and problem in response.content.decode()
    assert not Message.objects.exists() and not FlowToken.objects.exists()


# Answers ------------------------------------------------------------------------------------------------


@pytest.fixture
def survey(account, add_phone):
    number = add_phone(SAMPLE_NUMBER)
    flow = Flow.objects.create(account=account, flow_id="901", name="Survey", status="PUBLISHED")
    FlowJsonVersion.objects.create(flow=flow, text=SURVEY_JSON)
    return {"flow": flow, "number": number}


def test_a_completed_flow_shows_its_fields_with_the_flow_json_labels(survey, post_webhook, read_thread):
    token = issue(survey, SAMPLE_TOKEN)

    assert post_webhook("webhook_message_interactive_nfm_reply.json").status_code == 200

    answer = FlowResponse.objects.get()
    assert (answer.flow, answer.token, answer.token_state) == (survey["flow"], token, "valid")
    html = read_thread(answer.message.conversation)
    assert "<dt>Anything else?</dt><dd>Comment Text</dd>" in html
    assert "<dt>Delivery</dt><dd>4</dd>" in html
    assert "<dt>cs_rating</dt><dd>0</dd>" in html  # no label in the JSON: the raw name
    assert "flow_token" not in html and SAMPLE_TOKEN not in html


def test_an_unknown_token_is_kept_and_shown_so(survey, post_webhook, read_thread):
    assert post_webhook("webhook_message_interactive_nfm_reply.json").status_code == 200

    answer = FlowResponse.objects.get()
    assert (answer.token, answer.token_state, answer.flow_token) == (None, "unknown", SAMPLE_TOKEN)
    html = read_thread(answer.message.conversation)
    assert "token unknown" in html and "Comment Text" in html


def issue(survey, value, *, expired=False) -> FlowToken:
    token = FlowToken.objects.create(flow=survey["flow"], phone_number=survey["number"], token=value,
                                     expires_at=timezone.now() + timedelta(days=-1 if expired else 7))
    return token


def test_the_responses_table_filters_by_token_state_and_contact_and_exports_safe_csv(
    client, manager, survey, post_webhook
):
    issue(survey, SAMPLE_TOKEN, expired=True)
    assert post_webhook("webhook_message_interactive_nfm_reply.json").status_code == 200
    expired = FlowResponse.objects.get()
    assert expired.token_state == "expired"
    contact = expired.contact
    contact.name = "=HYPERLINK(\"http://evil\")"
    contact.save()
    # A second answer, from another customer, whose token is not ours.
    FlowResponse.objects.create(message=Message.objects.create(
        conversation=Conversation.objects.create(contact=contact.account.contacts.create(wa_id="447700900123", name="Ada"),
                                                 phone_number=survey["number"]),
        direction="in", type="interactive", wamid="wamid.other"),
        contact=Conversation.objects.get(contact__wa_id="447700900123").contact, flow=survey["flow"],
        flow_token="not-ours", token_state="unknown", response={"comment_text": "Hi", "flow_token": "not-ours"})
    client.force_login(manager)
    url = reverse("messaging:flow-responses", args=[survey["flow"].pk])

    page = client.get(url).text
    assert "Anything else?" in page and "Comment Text" in page and "Ada" in page and "expired" in page
    only_expired = client.get(url, {"token": "expired"}).text
    assert "Comment Text" in only_expired and "Ada" not in only_expired
    by_number = client.get(url, {"contact": "+44 7700"}).text
    assert "Ada" in by_number and "Comment Text" not in by_number
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "No responses match" in client.get(url, {"since": future}).text

    export = client.get(url, {"token": "expired", "format": "csv"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:5] == ["received", "contact name", "contact number", "token state", "flow token"]
    assert "Anything else?" in rows[0] and len(rows) == 2
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\")" and rows[1][3] == "Expired"


@pytest.mark.parametrize("query", [{"token": "maybe"}, {"since": "yesterday"}, {"since": "2026-12-02", "until": "2026-12-01"},
                                   {"format": "xlsx"}])
def test_bad_filters_get_a_400_with_a_reason(client, manager, survey, query):
    client.force_login(manager)
    response = client.get(reverse("messaging:flow-responses", args=[survey["flow"].pk]), query)
    assert response.status_code == 400


def test_another_business_s_template_manager_finds_no_responses_and_operators_are_refused(client, operator, survey):
    url = reverse("messaging:flow-responses", args=[survey["flow"].pk])
    client.force_login(user_of_another_account(username="tom", role=roles.TEMPLATE_MANAGER))
    assert client.get(url).status_code == 404
    client.force_login(operator)
    assert client.get(url).status_code == 403


def test_a_double_submit_sends_one_flow_with_one_token(client, operator, simulator, booking, django_capture_on_commit_callbacks):
    conversation, flow = booking["conversation"], booking["flow"]
    client.force_login(operator)
    fields = {"kind": "flow", "client_uuid": str(uuid.uuid4()), "flow": flow.pk, "flow_cta": "Book", "body": "Book a time",
              "flow_action": "data_exchange"}
    url = reverse("messaging:conversation-send", args=[conversation.pk])

    with django_capture_on_commit_callbacks(execute=True):
        assert [client.post(url, fields).status_code for _ in range(2)] == [302, 302]

    assert FlowToken.objects.count() == 1 and len(simulator.sent_messages()) == 1
