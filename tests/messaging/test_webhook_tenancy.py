"""A webhook changes only the accounts whose app secret signed it (issue #12, part A).

Account A is the test account (its WABA, number and secret are the fixtures'); Beta is a second
business with its own app secret, WABA and number. Each test posts a real payload, signed with
Beta's secret, that names one of A's objects: the event is kept, rejected with the reason, and
none of A's rows change. An object nobody has connected makes the event unroutable instead.
"""

import pytest

from accounts.models import AccountEvent, BusinessAccount, PhoneNumber
from messaging.models import (
    Contact,
    ContactEvent,
    Conversation,
    Flow,
    FlowResponse,
    Message,
    MessageStatusEvent,
    WebhookEvent,
)
from messaging.webhook_events import replay_webhook_event
from templates_mgr.models import MessageTemplate, TemplateStatusChange
from tests import factories
from tests.conftest import APP_SECRET, PHONE_NUMBER_ID, WABA_ID, load_fixture

pytestmark = pytest.mark.django_db

BETA_SECRET = "beta-secret"
BETA_WABA, BETA_PHONE_ID, BETA_DISPLAY = "555000111", "555000222", "15557770000"
A_DISPLAY = "15550783881"
A_WAMID = "wamid.A-outbound-1"
A_TEMPLATE_ID = "1689556908129832"  # the id of the template fixtures
A_FLOW_ID = "6627390910605886"  # the id of the flows fixtures
UNKNOWN_WABA, UNKNOWN_PHONE_ID = "424242424242", "424242000001"

# Every field whose handler finds its account by entry[].id, with a real payload of it.
ENTRY_FIXTURES = [
    "webhook_account_alerts.json",
    "webhook_account_review_update.json",
    "webhook_account_update_disabled.json",
    "webhook_account_update_restriction.json",
    "webhook_account_update_violation.json",
    "webhook_business_capability_update.json",
    "webhook_phone_number_name_update.json",
    "webhook_phone_number_quality_update.json",
    "webhook_security.json",
    "webhook_template_status_approved.json",
    "webhook_template_quality_update.json",
    "webhook_template_category_update.json",
    "webhook_template_components_update.json",
]
TEMPLATE_FIXTURES = [name for name in ENTRY_FIXTURES if name.startswith("webhook_template_")]
DISPLAY_NUMBER_FIXTURES = [
    "webhook_phone_number_name_update.json",
    "webhook_phone_number_quality_update.json",
    "webhook_security.json",
]


@pytest.fixture
def beta(db) -> BusinessAccount:
    account = BusinessAccount.objects.create(
        name="Beta", waba_id=BETA_WABA, access_token="beta-token", app_secret=BETA_SECRET, verify_token="beta-verify"
    )
    PhoneNumber.objects.create(account=account, phone_number_id=BETA_PHONE_ID, display_phone_number=BETA_DISPLAY)
    return account


@pytest.fixture
def a_rows(phone):
    """A's objects every field could touch: a conversation with a sent message, a template, a flow."""
    conversation = factories.conversation(phone)
    factories.outbound(conversation, wamid=A_WAMID, status=Message.Status.SENT)
    MessageTemplate.objects.create(
        account=phone.account, template_id=A_TEMPLATE_ID, name="order_confirmation", language="en_US",
        category="UTILITY", status=MessageTemplate.Status.PENDING,
    )
    Flow.objects.create(account=phone.account, flow_id=A_FLOW_ID, name="Feedback survey", status="DRAFT")
    return phone.account


def _snapshot(account: BusinessAccount) -> dict:
    """Everything of ``account`` a webhook could change, as plain values."""
    return {
        "account": list(BusinessAccount.objects.filter(pk=account.pk).values()),
        "phones": list(PhoneNumber.objects.filter(account=account).values()),
        "account_events": AccountEvent.objects.filter(account=account).count(),
        "conversations": list(Conversation.objects.filter(phone_number__account=account).values()),
        "messages": list(Message.objects.filter(conversation__phone_number__account=account).values()),
        "status_events": MessageStatusEvent.objects.count(),
        "contacts": list(Contact.objects.values()),
        "contact_events": ContactEvent.objects.count(),
        "templates": list(MessageTemplate.objects.filter(account=account).values()),
        "template_changes": TemplateStatusChange.objects.filter(template__account=account).count(),
        "flows": list(Flow.objects.filter(account=account).values()),
    }


def _entry(payload: dict) -> dict:
    return payload["entry"][0]


def _value(payload: dict) -> dict:
    return _entry(payload)["changes"][0]["value"]


def _post(post_webhook, payload: dict, *, secret: str = BETA_SECRET) -> WebhookEvent:
    assert post_webhook(payload, secret=secret).status_code == 200
    return WebhookEvent.objects.order_by("-pk").first()


def _text_to(phone_number_id: str, *, waba_id: str = BETA_WABA, wamid: str = "wamid.forged-1") -> dict:
    payload = load_fixture("webhook_message_text.json")
    _entry(payload)["id"] = waba_id
    _value(payload)["metadata"]["phone_number_id"] = phone_number_id
    _value(payload)["messages"][0]["id"] = wamid
    return payload


def _failed_status(*, wamid: str, phone_number_id: str = BETA_PHONE_ID) -> dict:
    payload = load_fixture("webhook_status_failed_131047.json")
    _entry(payload)["id"] = BETA_WABA
    _value(payload)["metadata"]["phone_number_id"] = phone_number_id
    _value(payload)["statuses"][0]["id"] = wamid
    return payload


def _rejected(event: WebhookEvent, reason: str) -> None:
    assert (event.state, event.error) == (WebhookEvent.State.REJECTED, reason)


# What was found: reproduced ------------------------------------------------------------------


@pytest.mark.parametrize("waba_id", [BETA_WABA, UNKNOWN_WABA], ids=["beta-waba", "unknown-waba"])
def test_a_text_signed_by_beta_for_as_number_is_rejected_and_stored_nowhere(post_webhook, beta, a_rows, waba_id):
    before = _snapshot(a_rows)

    event = _post(post_webhook, _text_to(PHONE_NUMBER_ID, waba_id=waba_id))

    _rejected(event, f"phone number {PHONE_NUMBER_ID} belongs to another account than the signer")
    assert _snapshot(a_rows) == before
    assert not Message.objects.filter(wamid="wamid.forged-1").exists()


def test_a_failed_status_signed_by_beta_for_as_message_is_rejected(post_webhook, beta, a_rows):
    before = _snapshot(a_rows)

    event = _post(post_webhook, _failed_status(wamid=A_WAMID))

    _rejected(event, f"message {A_WAMID} belongs to another account than the signer")
    assert Message.objects.get(wamid=A_WAMID).status == Message.Status.SENT
    assert _snapshot(a_rows) == before


def test_a_status_naming_as_message_by_our_uuid_is_rejected(post_webhook, beta, a_rows):
    message = Message.objects.get(wamid=A_WAMID)
    payload = _failed_status(wamid="wamid.not-known-here")
    _value(payload)["statuses"][0]["biz_opaque_callback_data"] = str(message.uuid)
    before = _snapshot(a_rows)

    event = _post(post_webhook, payload)

    _rejected(event, f"message {message.uuid} belongs to another account than the signer")
    assert _snapshot(a_rows) == before


def test_a_stop_signed_by_beta_on_as_number_is_rejected(post_webhook, beta, a_rows):
    before = _snapshot(a_rows)

    event = _post(post_webhook, load_fixture("webhook_user_preferences_stop.json"))

    # The fixture's entry is A's WABA: the entry is refused before its number is looked at.
    _rejected(event, f"WABA {WABA_ID} belongs to another account than the signer")
    assert not Contact.objects.get(wa_id="16505551234").opted_out
    assert _snapshot(a_rows) == before


def test_a_stop_under_betas_waba_naming_as_number_is_rejected(post_webhook, beta, a_rows):
    payload = load_fixture("webhook_user_preferences_stop.json")
    _entry(payload)["id"] = BETA_WABA
    before = _snapshot(a_rows)

    event = _post(post_webhook, payload)

    _rejected(event, f"phone number {PHONE_NUMBER_ID} belongs to another account than the signer")
    assert _snapshot(a_rows) == before


# One test per field: entry[].id is A's WABA ---------------------------------------------------


@pytest.mark.parametrize("name", ENTRY_FIXTURES + ["webhook_flows_status_change_published.json"])
def test_every_field_signed_by_beta_about_as_waba_is_rejected(post_webhook, beta, a_rows, name):
    payload = load_fixture(name)
    _entry(payload)["id"] = WABA_ID
    before = _snapshot(a_rows)

    event = _post(post_webhook, payload)

    _rejected(event, f"WABA {WABA_ID} belongs to another account than the signer")
    assert _snapshot(a_rows) == before


# Under Beta's own WABA, naming one of A's objects ------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATE_FIXTURES)
def test_a_template_event_under_betas_waba_for_as_template_is_rejected(post_webhook, beta, a_rows, name):
    payload = load_fixture(name)
    _entry(payload)["id"] = BETA_WABA
    _value(payload)["message_template_id"] = int(A_TEMPLATE_ID)
    before = _snapshot(a_rows)

    event = _post(post_webhook, payload)

    _rejected(event, f"template {A_TEMPLATE_ID} belongs to another account than the signer")
    assert _snapshot(a_rows) == before
    assert not MessageTemplate.objects.filter(account=beta).exists()


@pytest.mark.parametrize("name", DISPLAY_NUMBER_FIXTURES)
def test_a_number_event_under_betas_waba_for_as_display_number_is_rejected(post_webhook, beta, a_rows, name):
    payload = load_fixture(name)
    _entry(payload)["id"] = BETA_WABA
    _value(payload)["display_phone_number"] = "+1 555-078-3881"
    before = _snapshot(a_rows)

    event = _post(post_webhook, payload)

    _rejected(event, f"phone number +{A_DISPLAY} belongs to another account than the signer")
    assert _snapshot(a_rows) == before


@pytest.mark.parametrize(
    "name", ["webhook_flows_status_change_published.json", "webhook_flows_endpoint_error_rate_activated.json"]
)
def test_a_flows_event_under_betas_waba_for_as_flow_is_rejected(post_webhook, beta, a_rows, name):
    payload = load_fixture(name)
    _entry(payload)["id"] = BETA_WABA
    before = _snapshot(a_rows)

    event = _post(post_webhook, payload)

    _rejected(event, f"flow {A_FLOW_ID} belongs to another account than the signer")
    assert Flow.objects.get(flow_id=A_FLOW_ID).status == "DRAFT"
    assert _snapshot(a_rows) == before
    assert not AccountEvent.objects.filter(account=beta).exists()


def test_one_foreign_entry_rejects_the_whole_event(post_webhook, beta, a_rows):
    # Beta's own text first (fine on its own), then one for A's number: nothing of either is kept.
    payload = _text_to(BETA_PHONE_ID, wamid="wamid.beta-own")
    payload["entry"].append(_entry(_text_to(PHONE_NUMBER_ID, wamid="wamid.forged-2")))

    event = _post(post_webhook, payload)

    _rejected(event, f"phone number {PHONE_NUMBER_ID} belongs to another account than the signer")
    assert not Message.objects.filter(wamid__in=["wamid.beta-own", "wamid.forged-2"]).exists()
    assert not Conversation.objects.filter(phone_number__account=beta).exists()


def test_a_flow_reply_on_betas_number_is_not_linked_to_as_flow_message(post_webhook, beta, a_rows):
    # A's flow message, answered (by context) from a chat on Beta's number: no link to A's flow.
    conversation = Conversation.objects.get(phone_number__account=a_rows)
    Message.objects.create(
        conversation=conversation, wamid="wamid.gvwegfretge==", direction="out", type="interactive", status="read",
        payload={"type": "flow", "action": {"name": "flow", "parameters": {"flow_id": A_FLOW_ID}}},
    )
    payload = load_fixture("webhook_message_interactive_nfm_reply.json")
    _entry(payload)["id"] = BETA_WABA
    _value(payload)["metadata"]["phone_number_id"] = BETA_PHONE_ID

    event = _post(post_webhook, payload)

    assert event.state == WebhookEvent.State.PROCESSED, event.error
    response = FlowResponse.objects.get()
    assert response.message.conversation.phone_number.account == beta
    assert response.flow is None
    assert not Flow.objects.get(flow_id=A_FLOW_ID).responses.exists()


# Beta's own objects are still Beta's to change -------------------------------------------------


def test_beta_writes_into_its_own_number(post_webhook, beta, a_rows):
    before = _snapshot(a_rows)

    event = _post(post_webhook, _text_to(BETA_PHONE_ID, wamid="wamid.beta-own"))

    assert event.state == WebhookEvent.State.PROCESSED, event.error
    assert Message.objects.get(wamid="wamid.beta-own").conversation.phone_number.account == beta
    assert _snapshot(a_rows)["messages"] == before["messages"]


# Nobody's objects: unroutable, replayable once connected ---------------------------------------


def test_a_text_for_a_number_nobody_has_is_unroutable_until_it_is_connected(post_webhook, beta, a_rows):
    event = _post(post_webhook, _text_to(UNKNOWN_PHONE_ID))
    assert event.state == WebhookEvent.State.UNROUTABLE
    assert not Message.objects.filter(wamid="wamid.forged-1").exists()

    PhoneNumber.objects.create(account=beta, phone_number_id=UNKNOWN_PHONE_ID, display_phone_number="15557770001")
    replayed = replay_webhook_event(event_id=event.pk)

    assert replayed.state == WebhookEvent.State.PROCESSED, replayed.error
    assert Message.objects.get(wamid="wamid.forged-1").conversation.phone_number.phone_number_id == UNKNOWN_PHONE_ID


@pytest.mark.parametrize("name", ENTRY_FIXTURES)
def test_every_field_for_a_waba_nobody_has_is_unroutable(post_webhook, beta, a_rows, name):
    payload = load_fixture(name)
    _entry(payload)["id"] = UNKNOWN_WABA
    before = _snapshot(a_rows)

    event = _post(post_webhook, payload)

    assert event.state == WebhookEvent.State.UNROUTABLE, event.error
    assert UNKNOWN_WABA in event.error
    assert _snapshot(a_rows) == before


@pytest.mark.parametrize("name", DISPLAY_NUMBER_FIXTURES)
def test_a_number_event_for_a_display_number_nobody_has_is_unroutable(post_webhook, beta, a_rows, name):
    payload = load_fixture(name)
    _entry(payload)["id"] = BETA_WABA
    _value(payload)["display_phone_number"] = "15550009999"

    event = _post(post_webhook, payload)

    assert (event.state, event.error) == (
        WebhookEvent.State.UNROUTABLE, f"No phone number +15550009999 is connected to WABA {BETA_WABA}."
    )


def test_a_stop_for_a_number_nobody_has_is_unroutable(post_webhook, beta, a_rows):
    payload = load_fixture("webhook_user_preferences_stop.json")
    _entry(payload)["id"] = BETA_WABA
    _value(payload)["metadata"]["phone_number_id"] = UNKNOWN_PHONE_ID

    event = _post(post_webhook, payload)

    assert event.state == WebhookEvent.State.UNROUTABLE
    assert not Contact.objects.get(wa_id="16505551234").opted_out
    assert not ContactEvent.objects.exists()


# Several accounts of one Meta app share its secret ---------------------------------------------


@pytest.fixture
def sister(db) -> BusinessAccount:
    """A second WABA of A's Meta app: signed with the same secret, so either may be the receiver's match."""
    account = BusinessAccount.objects.create(
        name="Sister", waba_id="777000111", access_token="t", app_secret=APP_SECRET, verify_token="v"
    )
    PhoneNumber.objects.create(account=account, phone_number_id="777000222", display_phone_number="15556660000")
    return account


def test_accounts_sharing_a_secret_each_get_their_own_messages(post_webhook, a_rows, sister):
    to_sister = _post(post_webhook, _text_to("777000222", waba_id=sister.waba_id, wamid="wamid.sister"), secret=APP_SECRET)
    to_a = _post(post_webhook, _text_to(PHONE_NUMBER_ID, waba_id=WABA_ID, wamid="wamid.a"), secret=APP_SECRET)

    assert (to_sister.state, to_a.state) == (WebhookEvent.State.PROCESSED, WebhookEvent.State.PROCESSED)
    assert Message.objects.get(wamid="wamid.sister").conversation.phone_number.account == sister
    assert Message.objects.get(wamid="wamid.a").conversation.phone_number.account == a_rows


def test_accounts_sharing_a_secret_each_get_their_own_template_news(post_webhook, a_rows, sister):
    payload = load_fixture("webhook_template_status_approved.json")
    _entry(payload)["id"] = sister.waba_id
    _value(payload)["message_template_id"] = 99887766

    event = _post(post_webhook, payload, secret=APP_SECRET)

    assert event.state == WebhookEvent.State.PROCESSED, event.error
    created = MessageTemplate.objects.get(template_id="99887766")
    assert (created.account, created.status) == (sister, MessageTemplate.Status.APPROVED)
    assert MessageTemplate.objects.get(template_id=A_TEMPLATE_ID).status == MessageTemplate.Status.PENDING


def test_a_status_beta_signed_before_as_message_had_its_wamid_never_attaches_to_it(post_webhook, beta, a_rows):
    # Beta reports "failed" for a wamid nobody has yet (on its own number, so the event is fine);
    # when A's send later comes back with that wamid, Beta's status must not land on A's message.
    event = _post(post_webhook, _failed_status(wamid="wamid.A-later"))
    assert event.state == WebhookEvent.State.PROCESSED, event.error
    from messaging.services.statuses import attach_pending_statuses_of

    message = factories.outbound(
        Conversation.objects.get(phone_number__account=a_rows), wamid="wamid.A-later", status=Message.Status.ACCEPTED
    )
    attach_pending_statuses_of([message])

    message.refresh_from_db()
    assert (message.status, message.error_code) == (Message.Status.ACCEPTED, None)
    assert not message.status_events.exists()


def test_a_status_signed_by_as_secret_before_the_wamid_was_known_still_attaches(post_webhook, beta, a_rows):
    payload = _failed_status(wamid="wamid.A-later", phone_number_id=PHONE_NUMBER_ID)
    _entry(payload)["id"] = WABA_ID
    event = _post(post_webhook, payload, secret=APP_SECRET)
    assert event.state == WebhookEvent.State.PROCESSED, event.error
    from messaging.services.statuses import attach_pending_statuses_of

    message = factories.outbound(
        Conversation.objects.get(phone_number__account=a_rows), wamid="wamid.A-later", status=Message.Status.ACCEPTED
    )
    attach_pending_statuses_of([message])

    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
