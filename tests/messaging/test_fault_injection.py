"""Sends through a simulator that fails or loses 20 % of its answers: every message ends delivered
exactly once (the simulator's own count) or failed with a reason; none stuck, none twice.

By default 10 customers get 3 messages each (30 sends, a couple of seconds); ``.ci/run`` sets
SWITCHBOARD_FULL_FAULT_LOAD=1 for the full load of 50 customers and 10 messages each (500 sends).

The worker's timing is modelled round by round: a retry runs only after the status webhooks of
the previous round arrived, which is what SEND_UNCONFIRMED_RETRY_DELAY (and Celery's backoff)
buy in production. Eager Celery would retry at once, which is not what a worker does.
"""

import collections
import os

import pytest

from cloudapi.simulator import SimNumber, Simulator, SimulatorConfig, serve
from cloudapi.simulator.faults import FaultSettings
from messaging.models import Conversation, Message
from messaging.services.compose import text_draft
from messaging.services.delivery import deliver_messages, give_up
from messaging.services.sending import send_draft
from messaging.tasks import SEND_MAX_RETRIES

from ..conftest import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, WABA_ID

pytestmark = pytest.mark.django_db

FULL_LOAD = bool(os.environ.get("SWITCHBOARD_FULL_FAULT_LOAD"))
CUSTOMERS = 50 if FULL_LOAD else 10
MESSAGES_EACH = 10 if FULL_LOAD else 3
SENDS = CUSTOMERS * MESSAGES_EACH


@pytest.fixture
def faulty_simulator(settings):
    number = SimNumber(PHONE_NUMBER_ID, "15550783881", WABA_ID, ACCESS_TOKEN, APP_SECRET, "Acme", mps=100_000)
    faults = FaultSettings(error_rate=0.10, lost_rate=0.10, lost_mode="reset", seed=20261125)
    sim = Simulator(
        SimulatorConfig(numbers=[number], auto_dispatch=False, status_delays=(0.0, 0.0, 0.0), faults=faults)
    )
    running = serve(sim)
    settings.GRAPH_API_BASE_URL = running.url
    yield sim
    running.shutdown()
    sim.close()


def test_every_message_is_delivered_exactly_once_or_failed_with_a_reason(
    phone, faulty_simulator, deliver_webhooks, django_capture_on_commit_callbacks
):
    sim = faulty_simulator
    for n in range(CUSTOMERS):
        sim.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=f"1650555{n:04d}", name=f"C{n}", message={"type": "text", "text": {"body": "hi"}})
    deliver_webhooks(sim)
    conversations = list(Conversation.objects.all())
    assert len(conversations) == CUSTOMERS

    with django_capture_on_commit_callbacks(execute=False):  # the rounds below play the worker
        for i in range(MESSAGES_EACH):
            for conversation in conversations:
                send_draft(conversation=conversation, draft=text_draft(body=f"update {i}"))
    assert Message.objects.filter(direction="out", status="queued").count() == SENDS

    attempts: collections.Counter[int] = collections.Counter()
    for _round in range(SEND_MAX_RETRIES + 2):
        queued = list(Message.objects.filter(direction="out", status="queued").values_list("pk", flat=True))
        if not queued:
            break
        for pk in queued:
            for failed, error in deliver_messages(message_ids=[pk]).retry.items():
                attempts[failed] += 1
                if attempts[failed] > SEND_MAX_RETRIES:
                    give_up(message_id=failed, error=error)
        deliver_webhooks(sim)  # statuses (with our UUID) arrive before the next retry

    outbound = list(Message.objects.filter(direction="out"))
    accepted = sim.callback_data_counts()
    injected = [entry for entry in sim.request_log() if entry.get("fault")]
    assert len(injected) >= SENDS // 10, "the simulator must really have failed and lost answers"
    assert not [m for m in outbound if m.status in ("queued", "sending")], "nothing stuck"
    assert all(count == 1 for count in accepted.values()), "nothing sent twice"
    for message in outbound:
        if message.status == "failed":
            assert message.error_code or message.error_title, "a failure always says why"
            assert accepted.get(str(message.uuid), 0) == 0
        else:
            assert message.status in ("sent", "delivered", "read") and message.wamid
            assert accepted[str(message.uuid)] == 1
    assert sum(accepted.values()) == sum(1 for m in outbound if m.status != "failed")
