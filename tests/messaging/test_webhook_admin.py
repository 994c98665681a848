"""Support staff in the admin: replay a filtered set of events, find flows and their responses."""

import hashlib
import json

import pytest
from django.urls import reverse

from messaging.models import Flow, FlowResponse, Message, WebhookEvent

from ..conftest import fixture_bytes, load_fixture

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:messaging_webhookevent_changelist")


def _stored(body: bytes, state: str, account) -> WebhookEvent:
    return WebhookEvent.objects.create(
        account=account, body=body.decode(), body_sha256=hashlib.sha256(body).hexdigest(), state=state, field="messages"
    )


def _message_body(wamid: str) -> bytes:
    payload = load_fixture("webhook_message_text.json")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = wamid
    return json.dumps(payload).encode()


def test_replay_with_select_all_replays_every_event_of_the_filtered_list(admin_client, phone):
    failed = [_stored(_message_body(f"wamid.failed.{n}"), "failed", phone.account) for n in range(3)]
    unroutable = _stored(_message_body("wamid.unroutable"), "unroutable", phone.account)

    # Filter by state=failed, tick one row, then "Select all 3" (select_across) and run the action.
    response = admin_client.post(
        f"{CHANGELIST}?state__exact=failed",
        {"action": "replay_unprocessed", "select_across": "1", "index": "0", "_selected_action": [failed[0].pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Replayed 3 event(s): 3 processed." in response.text
    assert set(WebhookEvent.objects.filter(pk__in=[e.pk for e in failed]).values_list("state", flat=True)) == {"processed"}
    unroutable.refresh_from_db()
    assert unroutable.state == "unroutable"  # outside the filter: untouched
    assert Message.objects.count() == 3


def test_replay_unprocessed_skips_processed_events_in_the_selection(admin_client, phone, post_webhook):
    post_webhook(fixture_bytes("webhook_message_text.json"))
    done = WebhookEvent.objects.get()
    rejected = _stored(b'{"object": "page", "entry": []}', "rejected", phone.account)

    response = admin_client.post(
        CHANGELIST, {"action": "replay_unprocessed", "index": "0", "_selected_action": [done.pk, rejected.pk]}, follow=True
    )

    assert "Replayed 1 event(s): 0 processed." in response.text
    done.refresh_from_db()
    assert done.attempts == 1


def test_replaying_a_large_set_queues_it_for_the_worker(admin_client, phone, monkeypatch, django_capture_on_commit_callbacks):
    from messaging import webhook_events

    monkeypatch.setattr(webhook_events, "REPLAY_INLINE_LIMIT", 2)
    events = [_stored(_message_body(f"wamid.bulk.{n}"), "failed", phone.account) for n in range(4)]

    with django_capture_on_commit_callbacks(execute=True):  # the (eager) tasks run as after a real commit
        response = admin_client.post(
            f"{CHANGELIST}?state__exact=failed",
            {"action": "replay", "select_across": "1", "index": "0", "_selected_action": [events[0].pk]},
            follow=True,
        )

    assert "Queued 4 event(s) for replay" in response.text
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"processed"}


def test_support_staff_find_a_flow_response_by_its_token(admin_client, add_phone, post_webhook):
    add_phone("1122334455667")
    post_webhook(load_fixture("webhook_message_interactive_nfm_reply.json"))

    response = admin_client.get(
        reverse("admin:messaging_flowresponse_changelist"), {"q": "AQAAAAACS5FpgQ_cAAAAAD0QI3s."}
    )

    assert response.status_code == 200
    assert "AQAAAAACS5FpgQ_cAAAAAD0QI3s." in response.text
    detail = admin_client.get(reverse("admin:messaging_flowresponse_change", args=[FlowResponse.objects.get().pk]))
    assert detail.status_code == 200


def test_support_staff_find_a_flow_by_its_id(admin_client, account, post_webhook):
    post_webhook(load_fixture("webhook_flows_endpoint_error_rate_activated.json"))

    response = admin_client.get(reverse("admin:messaging_flow_changelist"), {"q": "6627390910605886"})

    assert response.status_code == 200 and "Flow Webhook 3" in response.text
    detail = admin_client.get(reverse("admin:messaging_flow_change", args=[Flow.objects.get().pk]))
    assert detail.status_code == 200 and "ENDPOINT_ERROR_RATE" in detail.text


def test_support_staff_find_a_contact_by_the_number_they_used_before(admin_client, add_phone, post_webhook):
    add_phone("1122334455667")
    post_webhook(load_fixture("webhook_message_system_user_changed_number.json"))

    response = admin_client.get(reverse("admin:messaging_contact_changelist"), {"q": "972987654321"})

    assert response.status_code == 200 and "972912345678" in response.text


@pytest.mark.parametrize("model", ["contactevent", "message", "messagestatusevent", "webhookevent"])
def test_the_admin_lists_load_with_a_search(admin_client, phone, post_webhook, model):
    post_webhook(fixture_bytes("webhook_message_text.json"))

    response = admin_client.get(reverse(f"admin:messaging_{model}_changelist"), {"q": "wamid"})

    assert response.status_code == 200
