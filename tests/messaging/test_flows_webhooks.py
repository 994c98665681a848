"""The flows field: status changes of our WhatsApp Flows and alerts about their endpoints."""

import hashlib
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import AccountEvent
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Flow, WebhookEvent
from messaging.webhook_events import process_webhook_event, replay_webhook_event

from ..conftest import load_fixture

pytestmark = pytest.mark.django_db

FLOW_ID = "6627390910605886"


def _value(payload: dict) -> dict:
    return payload["entry"][0]["changes"][0]["value"]


def _processed(post_webhook, payload) -> None:
    post_webhook(payload)
    event = WebhookEvent.objects.order_by("-pk").first()
    assert event.state == WebhookEvent.State.PROCESSED, event.error


def _status_change(old: str, new: str, time: int) -> dict:
    payload = load_fixture("webhook_flows_status_change_published.json")
    payload["entry"][0]["time"] = time
    _value(payload).update(old_status=old, new_status=new, message=f"Flow Webhook 3 changed status from {old} to {new}")
    return payload


def test_it_creates_the_published_flow_from_the_status_change(post_webhook, account):
    _processed(post_webhook, load_fixture("webhook_flows_status_change_published.json"))

    flow = Flow.objects.get()
    assert (flow.flow_id, flow.name, flow.status) == (FLOW_ID, "Flow Webhook 3", "PUBLISHED")
    assert flow.account == account
    assert flow.status_changed_at == datetime.fromtimestamp(1684969340, tz=UTC)
    news = AccountEvent.objects.get()
    assert (news.field, news.event, news.active) == ("flows", "FLOW_STATUS_CHANGE", False)
    assert news.title == "Flow Webhook 3 changed status from DRAFT to PUBLISHED"


def test_it_moves_a_known_flow_to_its_new_status(post_webhook, account):
    Flow.objects.create(account=account, flow_id=FLOW_ID, name="Feedback survey", status="DRAFT")

    _processed(post_webhook, load_fixture("webhook_flows_status_change_published.json"))

    flow = Flow.objects.get()
    assert (flow.name, flow.status) == ("Feedback survey", "PUBLISHED")


def test_a_late_older_status_change_does_not_undo_a_newer_one(post_webhook, account):
    _processed(post_webhook, _status_change("PUBLISHED", "DEPRECATED", 1684970000))
    _processed(post_webhook, load_fixture("webhook_flows_status_change_published.json"))  # 1684969340

    assert Flow.objects.get().status == "DEPRECATED"


def test_a_blocked_flow_raises_a_banner_that_publishing_again_takes_down(post_webhook, account):
    _processed(post_webhook, _status_change("PUBLISHED", "BLOCKED", 1684970000))
    banner = AccountEvent.objects.get(active=True)
    assert banner.severity == AccountEvent.Severity.CRITICAL

    _processed(post_webhook, _status_change("THROTTLED", "PUBLISHED", 1684980000))

    assert Flow.objects.get().status == "PUBLISHED"
    assert not AccountEvent.objects.filter(active=True).exists()


def test_an_endpoint_error_rate_alert_is_kept_on_the_flow_and_as_a_warning(post_webhook, account):
    _processed(post_webhook, load_fixture("webhook_flows_endpoint_error_rate_activated.json"))

    flow = Flow.objects.get(flow_id=FLOW_ID)
    alert = flow.alerts["ENDPOINT_ERROR_RATE"]
    assert (alert["alert_state"], alert["error_rate"]) == ("ACTIVATED", 12.5)
    assert alert["errors"][0]["error_type"] == "TIMEOUT_ERROR"
    news = AccountEvent.objects.get()
    assert (news.event, news.severity, news.active) == ("ENDPOINT_ERROR_RATE", "warning", True)


def test_a_deactivated_alert_takes_down_the_earlier_warning(post_webhook, account):
    _processed(post_webhook, load_fixture("webhook_flows_endpoint_error_rate_activated.json"))

    _processed(post_webhook, load_fixture("webhook_flows_endpoint_error_rate_deactivated.json"))

    assert not AccountEvent.objects.filter(active=True).exists()
    assert AccountEvent.objects.count() == 2
    assert Flow.objects.get().alerts["ENDPOINT_ERROR_RATE"]["alert_state"] == "DEACTIVATED"


def test_a_deactivation_that_overtook_its_alert_leaves_no_banner(post_webhook, account):
    _processed(post_webhook, load_fixture("webhook_flows_endpoint_error_rate_deactivated.json"))
    _processed(post_webhook, load_fixture("webhook_flows_endpoint_error_rate_activated.json"))  # older

    assert not AccountEvent.objects.filter(active=True).exists()
    assert Flow.objects.get().alerts["ENDPOINT_ERROR_RATE"]["alert_state"] == "DEACTIVATED"


@pytest.mark.parametrize(
    "event, fields",
    [
        ("CLIENT_ERROR_RATE", {"error_rate": 7.5, "threshold": 5, "alert_state": "ACTIVATED"}),
        ("ENDPOINT_LATENCY", {"p50_latency": 900, "p90_latency": 5200, "requests_count": 240, "threshold": 5000, "alert_state": "ACTIVATED"}),
        ("ENDPOINT_AVAILABILITY", {"availability": 84, "threshold": 90, "alert_state": "ACTIVATED"}),
        ("FLOW_VERSION_EXPIRY_WARNING", {}),
    ],
)
def test_every_flow_alert_raises_a_warning(post_webhook, account, event, fields):
    payload = load_fixture("webhook_flows_endpoint_error_rate_activated.json")
    value = _value(payload)
    value.clear()
    value.update(event=event, message=f"{event} for Flow Webhook 3", flow_id=FLOW_ID, **fields)

    _processed(post_webhook, payload)

    news = AccountEvent.objects.get()
    assert (news.event, news.severity, news.active) == (event, "warning", True)
    assert event in Flow.objects.get().alerts


def test_a_flows_event_for_an_account_we_do_not_have_is_unroutable(db):
    body = (
        '{"object": "whatsapp_business_account", "entry": [{"id": "42", "changes": '
        '[{"field": "flows", "value": {"event": "FLOW_STATUS_CHANGE", "flow_id": "1", "new_status": "PUBLISHED"}}]}]}'
    )
    event = WebhookEvent.objects.create(body=body, body_sha256=hashlib.sha256(body.encode()).hexdigest())

    assert process_webhook_event(event_id=event.pk).state == WebhookEvent.State.UNROUTABLE
    assert not Flow.objects.exists()


def test_a_status_change_without_a_flow_id_is_rejected(post_webhook, account):
    payload = load_fixture("webhook_flows_status_change_published.json")
    del _value(payload)["flow_id"]

    post_webhook(payload)

    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.REJECTED and "flow_id" in event.error
    assert not Flow.objects.exists() and not AccountEvent.objects.exists()


def test_status_changes_and_alerts_join_the_flows_history_once_even_when_replayed(post_webhook, account):
    _processed(post_webhook, _status_change("DRAFT", "PUBLISHED", 1684969340))
    _processed(post_webhook, load_fixture("webhook_flows_endpoint_error_rate_activated.json"))
    event = WebhookEvent.objects.order_by("-pk").first()

    replay_webhook_event(event_id=event.pk)

    flow = Flow.objects.get()
    steps = list(flow.history.order_by("id"))
    assert [(s.event, s.old_status, s.new_status, s.source) for s in steps] == [
        ("FLOW_STATUS_CHANGE", "DRAFT", "PUBLISHED", "webhook"), ("ENDPOINT_ERROR_RATE", "", "", "webhook")]
    assert steps[1].details["alert_state"] == "ACTIVATED" and steps[1].webhook_event == event


def test_an_active_alert_shows_on_the_flow_list(post_webhook, account, client, phone):
    _processed(post_webhook, load_fixture("webhook_flows_endpoint_error_rate_activated.json"))
    manager = ensure_user(username="tina", password="pw-tina-123", role=roles.TEMPLATE_MANAGER)
    grant_phone_number(user=manager, phone_number=phone)
    client.force_login(manager)

    page = client.get(reverse("messaging:flow-list")).content.decode()

    assert "ENDPOINT_ERROR_RATE alert active" in page
