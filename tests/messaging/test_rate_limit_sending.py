"""The send task and the rate limiter: it waits instead of calling Meta when a bucket is empty,
and each of Meta's "not now" answers does what docs/rate-limits.md says. Meta is faked with
``responses``; the limiter is the real one (this run's own file, emptied before each test)."""

import json
import time
from datetime import timedelta

import pytest
import responses
from django.core.exceptions import ValidationError
from django.utils import timezone

from cloudapi.errors import CloudApiError
from messaging.models import Message
from messaging.services import rate_limit
from messaging.services.rate_limit import backoff
from messaging.services.rate_limit.backends import Budget
from messaging.services.sending import queue_message
from messaging.services.support_actions import resend_message
from messaging.tasks import send_messages_task
from templates_mgr.models import MessageTemplate
from templates_mgr.services.eligibility import template_send_refusal

from .. import factories
from ..conftest import PHONE_NUMBER_ID, fixture_bytes, load_fixture

pytestmark = pytest.mark.django_db

SEND_URL = f"http://graph.test/v24.0/{PHONE_NUMBER_ID}/messages"
TEMPLATE = {"name": "order_update", "language": {"code": "en_US", "policy": "deterministic"}, "components": []}


@pytest.fixture
def graph():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _accepting(status=""):
    """Meta's answer, with a new wamid for every send."""
    count = iter(range(1, 10_000))

    def _answer(request):
        answer = load_fixture("send_response.json")
        answer["messages"][0]["id"] = f"wamid.TEST{next(count)}"
        if status:
            answer["messages"][0]["message_status"] = status
        return 200, {}, json.dumps(answer)

    return _answer


def _accept(graph, *, status=""):
    graph.add_callback(responses.POST, SEND_URL, callback=_accepting(status))


def _refuse(graph, code: int, http_status: int = 400):
    graph.post(SEND_URL, status=http_status, json={"error": {"message": f"(#{code}) Not now", "type": "OAuthException",
                                                              "code": code, "fbtrace_id": f"T{code}"}})


@pytest.fixture
def queue(django_capture_on_commit_callbacks):
    """Queue a message and let its (eager) send task run, as after a real commit."""

    def _queue(conv, *, kind="text", content=None, **kwargs) -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            message = queue_message(conversation=conv, kind=kind, content=content or {"body": "Hello"},
                                    requires_window=kind != "template", **kwargs)
        message.refresh_from_db()
        return message

    return _queue


def test_a_campaign_send_waits_for_its_cap_instead_of_calling_meta(graph, queue, phone, read_thread):
    _accept(graph)
    first = queue(factories.conversation(phone, wa_id="15550000001"), rate_group="campaign:1", rate_cap=1)
    second = queue(factories.conversation(phone, wa_id="15550000002"), rate_group="campaign:1", rate_cap=1)

    assert first.status == "accepted"
    assert second.status == "queued"  # kept, not failed, not lost
    assert second.error_title == "Waiting: this send is capped at 1 message a second."
    assert second.error_code is None
    assert len(graph.calls) == 1
    assert "Waiting: this send is capped at 1 message a second." in read_thread(second.conversation)
    # A console reply on the same number is not held back by the campaign's own cap.
    reply = queue(factories.conversation(phone, wa_id="15550000003"))
    assert reply.status == "accepted"


def test_a_campaign_s_cap_lets_a_second_s_worth_go_at_once_then_waits(graph, queue, phone):
    # The cap is "at most 3 in any second", not "one every third of a second": a worker that fell
    # behind catches up.
    _accept(graph)
    sent = [queue(factories.conversation(phone, wa_id=f"1555000000{i}"), rate_group="campaign:1", rate_cap=3)
            for i in range(4)]

    assert [m.status for m in sent] == ["accepted"] * 3 + ["queued"]
    assert sent[3].error_title == "Waiting: this send is capped at 3 messages a second."
    assert len(graph.calls) == 3


def test_a_short_wait_is_slept_in_the_worker_and_the_message_goes(graph, queue, phone, settings):
    settings.RATE_LIMIT_MAX_SLEEP = 1.5
    _accept(graph)
    queue(factories.conversation(phone, wa_id="15550000001"), rate_group="campaign:1", rate_cap=1)
    started = time.monotonic()

    second = queue(factories.conversation(phone, wa_id="15550000002"), rate_group="campaign:1", rate_cap=1)

    assert second.status == "accepted" and second.error_title == ""
    assert time.monotonic() - started > 0.9  # it slept until the first left the 1-second window
    assert len(graph.calls) == 2


def test_a_waiting_message_goes_when_the_task_runs_again_later(graph, queue, phone, settings):
    settings.RATE_LIMIT_MAX_SLEEP = 0.1
    _accept(graph)
    queue(factories.conversation(phone, wa_id="15550000001"), rate_group="campaign:1", rate_cap=1)
    waiting = queue(factories.conversation(phone, wa_id="15550000002"), rate_group="campaign:1", rate_cap=1)
    assert waiting.status == "queued"
    time.sleep(rate_limit.paced("any", 1).window)

    send_messages_task.delay([waiting.pk])  # what the re-scheduled task (or the stale-work sweep) does

    waiting.refresh_from_db()
    assert waiting.status == "accepted" and waiting.error_title == ""  # the wait is no longer shown
    assert len(graph.calls) == 2


def test_quick_console_replies_to_one_customer_go_until_the_pair_burst_is_spent(graph, queue, phone):
    _accept(graph)
    conv = factories.conversation(phone)

    sent = [queue(conv) for _ in range(3)]  # an operator's quick replies: none waits
    pair = rate_limit.backends.Bucket(f"pair:{PHONE_NUMBER_ID}:{conv.contact.wa_id}", 1 / rate_limit.PAIR_SECONDS,
                                      burst=rate_limit.PAIR_BURST)
    for _ in range(rate_limit.PAIR_BURST - 3):  # the rest of the burst, spent by other workers
        assert rate_limit.backend().acquire([pair]).granted
    held = queue(conv)

    assert {m.status for m in sent} == {"accepted"}
    assert held.status == "queued"
    assert "one message every 6 seconds to the same customer" in held.error_title
    assert len(graph.calls) == 3


def test_the_portfolio_budget_holds_a_template_to_a_new_customer_but_not_one_whose_window_is_open(graph, queue, phone):
    phone.account.messaging_limit_tier = "TIER_50"
    phone.account.owner_business_id = "portfolio-1"
    phone.account.save()
    for i in range(50):  # 50 other customers reached outside a window in the last 24 h
        assert rate_limit.backend().acquire([], Budget("portfolio:portfolio-1", member=f"1555100{i:04d}", limit=50)).granted
    _accept(graph)

    new_customer = queue(factories.conversation(phone, wa_id="15550000009", wrote_ago=None), kind="template",
                         content=TEMPLATE)
    open_window = queue(factories.conversation(phone, wa_id="15550000008"), kind="template", content=TEMPLATE)

    assert new_customer.status == "queued"
    assert "reached its messaging limit (50 customers outside a service window in 24 hours)" in new_customer.error_title
    assert open_window.status == "accepted"
    assert rate_limit.portfolio_usage(phone.account) == (50, 50)


def test_the_portfolio_counts_a_customer_once(graph, queue, phone):
    phone.account.messaging_limit_tier = "TIER_250"
    phone.account.save()
    _accept(graph)
    conv = factories.conversation(phone, wrote_ago=None)

    queue(conv, kind="template", content=TEMPLATE)
    queue(conv, kind="template", content=TEMPLATE)

    assert rate_limit.portfolio_usage(phone.account) == (1, 250)


def test_an_unlimited_portfolio_is_not_counted(phone):
    phone.account.messaging_limit_tier = "TIER_UNLIMITED"
    assert rate_limit.portfolio_limit(phone.account) is None


def test_a_throughput_answer_slows_the_number_down(graph, queue, phone):
    _refuse(graph, 130429)

    throttled = queue(factories.conversation(phone, wa_id="15550000001"))
    other = queue(factories.conversation(phone, wa_id="15550000002"))

    assert throttled.status == "queued" and throttled.error_code == 130429  # waits, not failed
    assert other.status == "queued" and "the number sends at most 80 messages a second" in other.error_title
    assert len(graph.calls) == 1  # the second never reached Meta while the number was paused


def test_each_further_throughput_answer_pauses_the_number_longer(phone):
    shape = backoff.PAUSES[backoff.SLOW_NUMBER]
    pauses = [rate_limit.penalise_number(phone, base=shape.base, factor=shape.factor, cap=shape.cap,
                                         memory=shape.memory) for _ in range(3)]
    assert pauses == [1, 2, 4]


def test_a_pair_answer_slows_only_that_customer_down(graph, queue, phone):
    _refuse(graph, 131056)
    customer = factories.conversation(phone, wa_id="15550000001")

    throttled = queue(customer)
    graph.reset()
    _accept(graph)
    same_customer = queue(customer)
    someone_else = queue(factories.conversation(phone, wa_id="15550000002"))

    assert throttled.status == "queued" and throttled.error_code == 131056
    assert same_customer.status == "queued" and "same customer" in same_customer.error_title
    assert someone_else.status == "accepted"
    assert len(graph.calls) == 1  # since the reset: only someone_else reached Meta


def test_a_number_in_maintenance_waits(graph, queue, phone):
    _refuse(graph, 131057)

    waiting = queue(factories.conversation(phone))

    assert waiting.status == "queued" and waiting.error_code == 131057
    decision = rate_limit.acquire_for(Message.objects.select_related(
        "conversation__contact", "conversation__phone_number__account").get(pk=waiting.pk))
    assert not decision.granted and 14 < decision.wait <= 15


@pytest.mark.parametrize("code, http_status", [(131000, 500), (131016, 503)])
def test_a_transient_error_is_retried_with_backoff(graph, queue, phone, code, http_status):
    _refuse(graph, code, http_status)
    graph.post(SEND_URL, json=load_fixture("send_response.json"))

    message = queue(factories.conversation(phone))

    assert message.status == "accepted"
    assert len(graph.calls) == 2  # retried by the task (eagerly here), not paused by the limiter


@pytest.mark.parametrize("code", [132015, 132016, 132001])
def test_a_paused_or_missing_template_fails_at_once_with_its_code(graph, queue, phone, code):
    _refuse(graph, code)

    message = queue(factories.conversation(phone, wrote_ago=None), kind="template", content=TEMPLATE)

    assert message.status == "failed" and message.error_code == code
    assert len(graph.calls) == 1


@pytest.mark.parametrize("code, kind", [
    (130429, backoff.SLOW_NUMBER), (131056, backoff.SLOW_PAIR), (131057, backoff.WAIT_NUMBER),
    (131000, backoff.RETRY), (131016, backoff.RETRY), (None, backoff.RETRY),
    (132015, backoff.FINAL), (131049, backoff.FINAL), (131026, backoff.FINAL),
])
def test_each_code_is_classified(code, kind):
    error = CloudApiError.from_envelope(
        {"error": {"code": code, "message": "x"}} if code else "<html>502</html>", http_status=400 if code else 502)
    assert backoff.classify(error) == kind


def test_an_answer_held_for_quality_assessment_is_its_own_state(graph, queue, phone, post_webhook):
    _accept(graph, status="held_for_quality_assessment")

    message = queue(factories.conversation(phone, wrote_ago=None), kind="template", content=TEMPLATE)

    assert message.status == "held"
    assert message.get_status_display() == "Held by WhatsApp for a quality check"
    post_webhook(_status_webhook(message, "sent"))
    message.refresh_from_db()
    assert message.status == "sent"  # released by Meta's pacing: it moves on as usual


def test_the_limiter_unreachable_keeps_the_message_queued(graph, queue, phone, settings):
    settings.RATE_LIMIT_REDIS_URL = "redis://127.0.0.1:1/0"
    _accept(graph)

    message = queue(factories.conversation(phone))

    assert message.status == "queued"
    assert "rate limiter is unreachable" in message.error_title
    assert len(graph.calls) == 0  # never sent unmetered


def test_a_per_user_marketing_limit_holds_marketing_back_for_a_day(graph, queue, phone, post_webhook, account):
    _accept(graph)
    conv = factories.conversation(phone, wrote_ago=None)
    message = queue(conv, kind="template", content=TEMPLATE)

    post_webhook(_status_webhook(message, "failed", code=131049))

    contact = conv.contact
    contact.refresh_from_db()
    message.refresh_from_db()
    assert message.status == "failed" and message.error_code == 131049
    assert timedelta(hours=23) < contact.marketing_limited_until - timezone.now() <= timedelta(hours=24)
    marketing = MessageTemplate(account=account, name="spring_sale", language="en_US", category="MARKETING")
    utility = MessageTemplate(account=account, name="order_update", language="en_US", category="UTILITY")
    refusal = template_send_refusal(template=marketing, contact=contact, wa_id=contact.wa_id)
    assert "131049" in refusal and "spring_sale can't be sent" in refusal
    assert template_send_refusal(template=utility, contact=contact, wa_id=contact.wa_id) is None
    with pytest.raises(ValidationError, match="can be sent again after"):  # support's resend waits too
        resend_message(message=message, actor=None)


def _status_webhook(message: Message, status: str, *, code: int | None = None) -> dict:
    body = load_fixture("webhook_status_failed_131047.json")
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = PHONE_NUMBER_ID
    item = value["statuses"][0]
    item.update(id=message.wamid, status=status, timestamp=str(int(time.time())),
                recipient_id=message.conversation.contact.wa_id, biz_opaque_callback_data=str(message.uuid))
    if code is None:
        item.pop("errors")
    else:
        item["errors"][0].update(code=code, title="Message failed to send because of a per-user marketing limit",
                                 message="per-user marketing limit")
    return body


def test_a_worker_re_schedules_the_task_with_the_limiter_s_countdown_and_keeps_its_retries(
        graph, broker, phone, account):
    _accept(graph)
    conv = factories.conversation(phone, wa_id="15550000001")
    first = queue_message(conversation=conv, kind="text", content={"body": "1"}, rate_group="c:1", rate_cap=1)
    second = queue_message(conversation=factories.conversation(phone, wa_id="15550000002"), kind="text",
                           content={"body": "2"}, rate_group="c:1", rate_cap=1)
    send_messages_task([first.pk])  # as a worker runs it (not eagerly)

    send_messages_task([second.pk])

    published = broker.get(timeout=1)
    assert published.headers["task"] == "messaging.tasks.send_messages_task"
    assert json.loads(published.body)[0] == [[second.pk]]
    assert published.headers["retries"] == 0  # a wait is not a failed try
    assert published.headers["eta"] is not None  # about a second from now
    second.refresh_from_db()
    assert second.status == "queued"
    assert len(graph.calls) == 1
