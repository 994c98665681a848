"""Status webhooks: applied by rank, never by arrival; deduplicated; kept until their message exists."""

import pytest
from django.db import connection

from messaging.models import Message, MessageStatusEvent, WebhookEvent

from .. import factories
from ..conftest import load_fixture, skip_unless_required

pytestmark = pytest.mark.django_db

PHONE_ID = "1122334455667"  # the number in pywa's status fixtures
WAMID = "wamid.xyzxyz"


@pytest.fixture
def message(add_phone):
    conv = factories.conversation(add_phone(PHONE_ID, "972123456789"), wa_id="972987654321")
    return factories.outbound(conv, wamid=WAMID)


def _status_payload(status: str, timestamp: str, extra: dict | None = None) -> dict:
    payload = load_fixture("webhook_status_read.json")
    item = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    item.update({"status": status, "timestamp": timestamp, **(extra or {})})
    return payload


def test_it_moves_a_message_to_read_from_the_real_read_payload(post_webhook, message):
    post_webhook(load_fixture("webhook_status_read.json"))

    message.refresh_from_db()
    assert message.status == "read"
    event = message.status_events.get()
    assert event.pricing == {"billable": True, "pricing_model": "CBP", "category": "service"}
    assert event.conversation_info["origin"] == {"type": "service"}


def test_it_never_lets_a_late_delivered_overwrite_read(post_webhook, message):
    post_webhook(_status_payload("read", "1689380458"))
    post_webhook(_status_payload("delivered", "1689380400"))

    message.refresh_from_db()
    assert message.status == "read"
    assert [e.status for e in message.status_events.all()] == ["delivered", "read"]  # the timeline, by Meta's time


def test_it_records_the_same_status_only_once(post_webhook, message):
    post_webhook(_status_payload("delivered", "1689380400"))
    post_webhook(_status_payload("delivered", "1689380400", {"recipient_id": "972987654321 "}))  # another body, same status

    assert MessageStatusEvent.objects.filter(wamid=WAMID, status="delivered").count() == 1


def test_it_keeps_the_error_of_a_failed_message(post_webhook, add_phone):
    conv = factories.conversation(add_phone("109999999999999"), wa_id="5511111111111")
    failed_wamid = "wamid.HBgNN5NzAzMDkTUyNzkzNhUEjA1MjUwNCAUIyNEYUQ0OTVGNTY0MwA="
    msg = factories.outbound(conv, wamid=failed_wamid, status="accepted")
    post_webhook(load_fixture("webhook_status_failed_131047.json"))
    late_sent = load_fixture("webhook_status_failed_131047.json")
    late_sent["entry"][0]["changes"][0]["value"]["statuses"][0].update(status="sent", errors=None)
    post_webhook(late_sent)

    msg.refresh_from_db()
    assert msg.status == "failed"
    assert msg.error_code == 131047
    assert msg.error_title == "Re-engagement message"
    assert "24 hours" in msg.error_details


def test_a_failed_after_read_stays_on_the_timeline_but_not_on_the_message(post_webhook, add_phone):
    add_phone(PHONE_ID, "972123456789")
    failed = load_fixture("webhook_status_failed_131047.json")
    failed_status = failed["entry"][0]["changes"][0]["value"]["statuses"][0]
    conv = factories.conversation(add_phone("109999999999999"), wa_id="5511111111111")
    msg = factories.outbound(conv, wamid=failed_status["id"], status="sent")
    read = load_fixture("webhook_status_read.json")
    read["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = failed_status["id"]  # about the same message

    post_webhook(read)
    post_webhook(failed)  # Meta's failed arrives after the customer read it

    msg.refresh_from_db()
    assert (msg.status, msg.error_code, msg.error_title, msg.error_details) == ("read", None, "", "")
    timeline = {event.status: event for event in msg.status_events.all()}
    assert set(timeline) == {"read", "failed"}
    assert timeline["failed"].errors[0]["code"] == 131047


def test_it_finds_the_message_by_our_uuid_when_the_wamid_is_not_known_yet(post_webhook, add_phone):
    conv = factories.conversation(add_phone(PHONE_ID), wa_id="972987654321")
    msg = factories.outbound(conv, wamid=None, status="sending")
    payload = load_fixture("webhook_status_sent_biz_opaque_callback.json")
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] = str(msg.uuid)

    post_webhook(payload)

    msg.refresh_from_db()
    assert msg.wamid == WAMID
    assert msg.status == "sent"


def test_it_keeps_a_status_for_an_unknown_wamid_and_applies_it_when_the_message_appears(post_webhook, add_phone):
    add_phone(PHONE_ID)
    post_webhook(_status_payload("delivered", "1689380400"))
    assert MessageStatusEvent.objects.get(wamid=WAMID).message is None
    assert WebhookEvent.objects.get().state == "processed"

    from messaging.services.statuses import attach_pending_statuses_of

    conv = factories.conversation(add_phone("42"), wa_id="972987654321")
    msg = factories.outbound(conv, wamid=WAMID, status="accepted")
    attach_pending_statuses_of([msg])

    msg.refresh_from_db()
    assert msg.status == "delivered"


@pytest.mark.parametrize(
    "mutation, reason",
    [
        ({"status": 7}, "'status'"),
        ({"timestamp": "yesterday"}, "bad timestamp"),
        ({"id": None}, "'id'"),
    ],
)
def test_it_rejects_a_malformed_status_and_changes_nothing(post_webhook, message, mutation, reason):
    post_webhook(_status_payload("read", "1689380458", mutation))

    event = WebhookEvent.objects.get()
    assert event.state == "rejected"
    assert reason in event.error
    message.refresh_from_db()
    assert message.status == Message.Status.ACCEPTED
    assert MessageStatusEvent.objects.count() == 0


def test_it_copes_with_per_message_pricing_and_no_conversation_object(post_webhook, message):
    payload = _status_payload("sent", "1689380300")
    item = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    del item["conversation"]
    item["pricing"] = {"billable": True, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"}

    post_webhook(payload)

    event = MessageStatusEvent.objects.get()
    assert event.pricing["pricing_model"] == "PMP"
    assert event.conversation_info == {}
    message.refresh_from_db()
    assert message.status == "sent"


def test_it_keeps_a_status_name_it_does_not_know_without_moving_the_message(post_webhook, message):
    post_webhook(_status_payload("deleted", "1689380458"))

    assert WebhookEvent.objects.get().state == "processed"
    assert MessageStatusEvent.objects.get().status == "deleted"
    message.refresh_from_db()
    assert message.status == Message.Status.ACCEPTED


# --- one test per status payload file, and the newer parts of a status ------------------------

BINDA_PHONE = "409552778964973"
BINDA_WAMID = "wamid.nBgN6TUyN2k5NzAzM5kzNhUCABI8FDNFQjAxQkE5REI4NEUzQ5Y5QTNgAA=="


def test_it_moves_a_message_to_sent_with_conversation_based_pricing(post_webhook, add_phone):
    conv = factories.conversation(add_phone(BINDA_PHONE), wa_id="1111111111111")
    msg = factories.outbound(conv, wamid=BINDA_WAMID)

    post_webhook(load_fixture("webhook_status_sent.json"))

    msg.refresh_from_db()
    assert msg.status == "sent"
    event = msg.status_events.get()
    assert event.pricing["pricing_model"] == "CBP"
    assert event.conversation_info["origin"] == {"type": "business_initiated"}


def test_it_moves_a_message_to_delivered(post_webhook, add_phone):
    conv = factories.conversation(add_phone(BINDA_PHONE), wa_id="1111111111111")
    msg = factories.outbound(conv, wamid=BINDA_WAMID, status="sent")

    post_webhook(load_fixture("webhook_status_delivered.json"))

    msg.refresh_from_db()
    assert msg.status == "delivered"


def test_it_keeps_per_message_pricing_from_metas_sample(post_webhook, phone):
    conv = factories.conversation(phone)
    msg = factories.outbound(conv, wamid="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=")

    post_webhook(load_fixture("webhook_status_sent_pmp.json"))

    msg.refresh_from_db()
    assert msg.status == "sent"
    assert msg.status_events.get().pricing == {
        "billable": True, "pricing_model": "PMP", "type": "regular", "category": "marketing"
    }


def test_it_moves_a_voice_note_to_played_after_read(post_webhook, message):
    post_webhook(_status_payload("read", "1689380458"))
    post_webhook(_status_payload("played", "1689380500"))
    post_webhook(_status_payload("delivered", "1689380400"))  # late

    message.refresh_from_db()
    assert message.status == "played"
    assert [e.status for e in message.status_events.all()] == ["delivered", "read", "played"]


def test_it_keeps_every_error_and_shows_the_first(post_webhook, message):
    errors = [
        {"code": 131026, "title": "Message undeliverable", "error_data": {"details": "Receiver is incapable."}},
        {"code": 131053, "title": "Media upload error", "error_data": {"details": "Unsupported media."}},
    ]
    post_webhook(_status_payload("failed", "1689380458", {"errors": errors}))

    message.refresh_from_db()
    assert (message.status, message.error_code, message.error_title) == ("failed", 131026, "Message undeliverable")
    assert message.error_details == "Receiver is incapable."
    assert MessageStatusEvent.objects.get().errors == errors


def test_it_keeps_the_group_participant_of_a_group_status(post_webhook, message):
    post_webhook(
        _status_payload(
            "delivered", "1689380400", {"recipient_type": "group", "recipient_participant_id": "972555555555"}
        )
    )

    event = MessageStatusEvent.objects.get()
    assert (event.recipient_type, event.recipient_participant_id) == ("group", "972555555555")
    message.refresh_from_db()
    assert message.status == "delivered"


def test_the_same_status_inside_another_batch_changes_the_message_once(post_webhook, message):
    single = _status_payload("delivered", "1689380400")
    batch = _status_payload("read", "1689380458")
    statuses = batch["entry"][0]["changes"][0]["value"]["statuses"]
    statuses.append(single["entry"][0]["changes"][0]["value"]["statuses"][0])

    post_webhook(single)
    post_webhook(batch)

    assert MessageStatusEvent.objects.filter(wamid=WAMID, status="delivered").count() == 1
    message.refresh_from_db()
    assert message.status == "read"


def test_on_postgresql_a_status_update_writes_no_index_entry(post_webhook, message):
    """A status update changes no indexed column, so PostgreSQL can make it "HOT" (the row's new
    version on its page, no entry in any of the table's indexes): what keeps applying a campaign's
    statuses cheap. An index naming ``status`` or ``updated_at`` (even in its condition) breaks it."""
    if connection.vendor != "postgresql":
        skip_unless_required("HOT updates are PostgreSQL's: DATABASE_URL=postgres://…",
                             required_by="SWITCHBOARD_REQUIRE_SERVICES")

    def updates():
        with connection.cursor() as cursor:
            cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = %s",
                           [Message._meta.db_table])
            return cursor.fetchone() or (0, 0)

    before = updates()
    post_webhook(_status_payload("delivered", "1689380450"))
    post_webhook(_status_payload("read", "1689380458"))

    message.refresh_from_db()
    assert message.status == "read"
    updated, hot = (after - earlier for after, earlier in zip(updates(), before, strict=True))
    assert updated >= 2 and hot == updated
