"""The drain applies a batch of events together (a few set-based statements), with every
guarantee of applying them one by one: duplicates, reordering, a poison event, tenancy per
event, concurrent drains."""

import hashlib
import json
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from accounts.models import BusinessAccount, PhoneNumber
from messaging.models import Contact, Conversation, Message, MessageStatusEvent, WebhookEvent
from messaging.webhook_events import drain_webhook_events

from .. import factories
from ..conftest import PHONE_NUMBER_ID, load_fixture, skip_unless_required

T0 = 1749416383


def _store(account, payload: dict) -> WebhookEvent:
    body = json.dumps(payload).encode()
    return WebhookEvent.objects.create(
        account=account, body=body.decode(), raw_body=body, body_sha256=hashlib.sha256(body).hexdigest()
    )


def _inbound(wamid: str, *, wa_id: str = "16505551234", at: int = T0, body: str = "Hello") -> dict:
    payload = load_fixture("webhook_message_text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": f"Customer {wa_id[-4:]}"}, "wa_id": wa_id}]
    value["messages"][0].update({"id": wamid, "from": wa_id, "timestamp": str(at), "text": {"body": body}})
    return payload


def _status(wamid: str, status: str, *, at: int, extra: int = 0, **fields) -> dict:
    payload = load_fixture("webhook_status_read.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = PHONE_NUMBER_ID
    value["statuses"][0].update({"id": wamid, "status": status, "timestamp": str(at), "recipient_id": str(extra)}, **fields)
    return payload


def _when(at: int) -> datetime:
    return datetime.fromtimestamp(at, tz=UTC)


@pytest.mark.django_db
def test_duplicates_inside_one_batch_change_nothing(phone):
    conversation = factories.conversation(phone, wa_id="16505551234")
    ours = factories.outbound(conversation, wamid="wamid.out")
    Conversation.objects.filter(pk=conversation.pk).update(unread_count=0)
    for extra in range(2):  # the same updates in bodies that differ (another app's delivery)
        same = _inbound("wamid.in", body="Hello")
        same["entry"][0]["time"] = extra
        _store(phone.account, same)
        _store(phone.account, _status("wamid.out", "delivered", at=T0 + 5, extra=extra))
        changed = _inbound("wamid.in", body=f"Hello again {extra}")
        _store(phone.account, changed)

    assert drain_webhook_events(limit=100) == 6

    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"processed"}
    assert Message.objects.filter(direction="in").get().text == "Hello"  # the first one stored wins
    assert Conversation.objects.get().unread_count == 1
    assert MessageStatusEvent.objects.get().status == "delivered"
    ours.refresh_from_db()
    assert ours.status == "delivered"


@pytest.mark.django_db
def test_statuses_out_of_order_in_one_batch_end_at_the_highest_rank(phone):
    ours = factories.outbound(factories.conversation(phone), wamid="wamid.out")
    for name, at in (("read", T0 + 30), ("sent", T0 + 10), ("delivered", T0 + 20)):
        _store(phone.account, _status("wamid.out", name, at=at))

    drain_webhook_events(limit=100)

    ours.refresh_from_db()
    assert (ours.status, ours.status_at, ours.meta_timestamp) == ("read", _when(T0 + 30), _when(T0 + 10))
    assert list(ours.status_events.values_list("status", flat=True)) == ["sent", "delivered", "read"]
    # A late delivered in the next batch never moves it back.
    _store(phone.account, _status("wamid.out", "failed", at=T0 + 40, errors=[{"code": 131026, "title": "Undeliverable"}]))
    drain_webhook_events(limit=100)
    ours.refresh_from_db()
    assert ours.status == "read" and ours.error_code is None
    assert ours.status_events.filter(status="failed").exists()


@pytest.mark.django_db
def test_a_status_before_its_message_waits_and_a_uuid_finds_a_message_without_wamid(phone):
    conversation = factories.conversation(phone)
    unanswered = factories.outbound(conversation, wamid=None)  # the send call's answer was lost
    _store(phone.account, _status("wamid.unknown", "delivered", at=T0 + 5))
    _store(phone.account, _status("wamid.given", "sent", at=T0 + 6, biz_opaque_callback_data=str(unanswered.uuid)))

    drain_webhook_events(limit=100)

    waiting = MessageStatusEvent.objects.get(wamid="wamid.unknown")
    assert waiting.message is None  # kept, applied once a message has that wamid
    unanswered.refresh_from_db()
    assert (unanswered.wamid, unanswered.status) == ("wamid.given", "sent")

    from messaging.services.statuses import attach_pending_statuses_of

    later = factories.outbound(conversation, wamid="wamid.unknown")
    attach_pending_statuses_of([later])
    later.refresh_from_db()
    assert later.status == "delivered"


@pytest.mark.django_db
def test_new_customers_of_one_batch_get_contacts_conversations_and_a_correct_inbox(phone):
    for n in range(4):
        _store(phone.account, _inbound(f"wamid.{n}.late", wa_id=f"1650555000{n}", at=T0 + 60, body="second"))
        _store(phone.account, _inbound(f"wamid.{n}.early", wa_id=f"1650555000{n}", at=T0, body="first"))
        reaction = _inbound(f"wamid.{n}.reaction", wa_id=f"1650555000{n}", at=T0 + 90)
        message = reaction["entry"][0]["changes"][0]["value"]["messages"][0]
        del message["text"]
        message.update(type="reaction", reaction={"message_id": f"wamid.{n}.early", "emoji": "👍"})
        _store(phone.account, reaction)

    drain_webhook_events(limit=100)

    assert Contact.objects.count() == 4 and Conversation.objects.count() == 4
    assert Message.objects.get(wamid="wamid.2.early").reactions == {"16505550002": "👍"}
    for conversation in Conversation.objects.select_related("last_message", "contact"):
        assert conversation.contact.name.startswith("Customer")
        assert conversation.unread_count == 2  # a reaction is nothing new to read
        assert conversation.last_inbound_at == _when(T0 + 90)
        assert conversation.last_message.wamid.endswith(".reaction")  # the newest by Meta's time


@pytest.fixture
def refused_wamid():
    """The database refuses one message row (a trigger): a fault no payload check foresees."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
                "IF NEW.wamid = 'wamid.poison' THEN RAISE EXCEPTION 'refused by the database'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute("CREATE TRIGGER refuse_poison BEFORE INSERT ON messaging_message "
                           "FOR EACH ROW EXECUTE FUNCTION refuse_poison()")
        else:
            cursor.execute("CREATE TRIGGER refuse_poison BEFORE INSERT ON messaging_message "
                           "WHEN NEW.wamid = 'wamid.poison' BEGIN SELECT RAISE(ABORT, 'refused by the database'); END")
    return "wamid.poison"


@pytest.mark.django_db
def test_a_poison_event_is_marked_and_the_rest_of_its_batch_applied(phone, refused_wamid, caplog):
    ours = factories.outbound(factories.conversation(phone, wa_id="16505559999"), wamid="wamid.out")
    first = _store(phone.account, _inbound("wamid.first", wa_id="16505550001"))
    poison = _store(phone.account, _inbound(refused_wamid, wa_id="16505550002"))
    status = _store(phone.account, _status("wamid.out", "delivered", at=T0))

    assert drain_webhook_events(limit=100) == 3

    states = {event.pk: (event.state, event.error) for event in WebhookEvent.objects.all()}
    assert states[first.pk] == ("processed", "") and states[status.pk] == ("processed", "")
    assert states[poison.pk][0] == "failed" and "refused by the database" in states[poison.pk][1]
    # The log says which event failed and where, never the error's text (a database error can quote the row).
    assert f"Webhook event {poison.pk} failed" in caplog.text and "refused by the database" not in caplog.text
    assert set(Message.objects.filter(direction="in").values_list("wamid", flat=True)) == {"wamid.first"}
    assert not Contact.objects.filter(wa_id="16505550002").exists()  # nothing of the poison stays
    ours.refresh_from_db()
    assert ours.status == "delivered"


@pytest.mark.django_db
def test_a_foreign_signers_event_is_rejected_alone_inside_a_batch(phone):
    other = BusinessAccount.objects.create(name="Other", waba_id="999", access_token="x", app_secret="other-secret",
                                           verify_token="y")
    PhoneNumber.objects.create(account=other, phone_number_id="999001", display_phone_number="15559990000")
    ours = factories.outbound(factories.conversation(phone), wamid="wamid.ours")
    before = _store(phone.account, _inbound("wamid.before", wa_id="16505550001"))
    foreign_number = _store(other, _inbound("wamid.foreign", wa_id="16505550002"))  # Other signed, our number
    foreign_status = _store(other, _status("wamid.ours", "read", at=T0 + 1))  # Other signed, our message
    after = _store(phone.account, _status("wamid.ours", "delivered", at=T0))

    drain_webhook_events(limit=100)

    states = dict(WebhookEvent.objects.values_list("pk", "state"))
    assert states == {before.pk: "processed", foreign_number.pk: "rejected", foreign_status.pk: "rejected",
                      after.pk: "processed"}
    assert "belongs to another account" in WebhookEvent.objects.get(pk=foreign_status.pk).error
    assert not Message.objects.filter(wamid="wamid.foreign").exists()
    ours.refresh_from_db()
    assert ours.status == "delivered"  # not the foreign read
    assert not MessageStatusEvent.objects.filter(status="read").exists()


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_for_5_events_as_for_20(phone, settings):
    settings.WEBHOOK_CHUNK_ITEMS = 40

    def queries_to_drain(n: int, prefix: str) -> int:
        outbound = [factories.outbound(factories.conversation(phone, wa_id=f"1650666{prefix}{k:03d}"),
                                       wamid=f"wamid.{prefix}.out.{k}") for k in range(n)]
        for k, message in enumerate(outbound):
            _store(phone.account, _inbound(f"wamid.{prefix}.in.{k}", wa_id=f"1650777{prefix}{k:03d}"))
            _store(phone.account, _status(message.wamid, "delivered", at=T0 + k))
        with CaptureQueriesContext(connection) as queries:
            assert drain_webhook_events(limit=1000) == 2 * n
        return len(queries.captured_queries)

    small, large = queries_to_drain(5, "a"), queries_to_drain(20, "b")

    assert large == small
    assert Message.objects.filter(direction="out", status="delivered").count() == 25
    assert Conversation.objects.filter(unread_count=1, contact__wa_id__startswith="1650777").count() == 25


def _drain_in_thread(results: list, start: threading.Barrier) -> None:
    try:
        start.wait()
        results.append(drain_webhook_events(limit=10_000))
    finally:
        connections.close_all()


def _two_drains_at_once(phone) -> None:
    outbound = [factories.outbound(factories.conversation(phone, wa_id=f"1650888{k:04d}"), wamid=f"wamid.out.{k}")
                for k in range(30)]
    for k, message in enumerate(outbound):
        for step, name in enumerate(("sent", "delivered", "read")):
            _store(phone.account, _status(message.wamid, name, at=T0 + step))
        _store(phone.account, _inbound(f"wamid.in.{k}", wa_id=f"1650888{k:04d}", at=T0 + 10))
    results: list[int] = []
    start = threading.Barrier(2)

    threads = [threading.Thread(target=_drain_in_thread, args=(results, start)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 120
    assert set(WebhookEvent.objects.values_list("state", "attempts")) == {("processed", 1)}
    assert Message.objects.filter(direction="out", status="read").count() == 30
    assert MessageStatusEvent.objects.count() == 90
    assert set(Conversation.objects.values_list("unread_count", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_apply_every_event_exactly_once(phone):
    """On SQLite the two drains take turns (one writer at a time)."""
    _two_drains_at_once(phone)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_drains_on_postgresql_run_side_by_side_without_double_applying(phone):
    """Side by side, each claiming other rows with SKIP LOCKED (run by .ci/run)."""
    if connection.vendor != "postgresql":
        skip_unless_required("concurrent drains need PostgreSQL: DATABASE_URL=postgres://…",
                             required_by="SWITCHBOARD_REQUIRE_SERVICES")
    _two_drains_at_once(phone)


@pytest.mark.django_db
def test_media_of_one_batch_is_registered_once_per_file_and_queued_after_commit(phone, django_capture_on_commit_callbacks):
    from media_lib.models import MediaAsset

    for n, media_id in enumerate(["111", "222", "111"]):  # the same file forwarded twice
        payload = _inbound(f"wamid.img.{n}", wa_id=f"1650555000{n}", at=T0 + n)
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        del message["text"]
        message.update(type="image", image={"id": media_id, "mime_type": "image/jpeg", "sha256": "abc"})
        _store(phone.account, payload)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        drain_webhook_events(limit=100)

    assets = {asset.inbound_media_id: asset for asset in MediaAsset.objects.all()}
    assert set(assets) == {"111", "222"} and {a.download_state for a in assets.values()} == {"pending"}
    linked = dict(Message.objects.filter(type="image").values_list("wamid", "media_asset__inbound_media_id"))
    assert linked == {"wamid.img.0": "111", "wamid.img.1": "222", "wamid.img.2": "111"}
    downloads = [cb for cb in callbacks if "download_inbound_media_task" in cb.__code__.co_freevars]
    assert len(downloads) == 2


def test_a_drain_given_a_time_slice_stops_after_the_batch_that_used_it_up(phone, settings):
    settings.WEBHOOK_CHUNK_ITEMS = 1  # one event per transaction
    for k in range(3):
        _store(phone.account, _inbound(f"wamid.slice.{k}", wa_id=f"16507880{k:03d}"))

    first = drain_webhook_events(limit=100, seconds=0)  # its slice is over after the first batch
    rest = drain_webhook_events(limit=100)

    assert (first, rest) == (1, 2)
    assert not WebhookEvent.objects.filter(state="pending").exists()
