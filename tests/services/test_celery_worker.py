"""The real thing: PostgreSQL, Redis, a Celery worker process, the simulator and the signed webhook.

Runs when DATABASE_URL is PostgreSQL and CELERY_BROKER_URL is Redis (``.ci/run`` sets both and
SWITCHBOARD_REQUIRE_SERVICES, which turns a skip into a failure).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cloudapi.simulator import SimNumber, Simulator, SimulatorConfig, serve
from messaging.models import Conversation, Message
from messaging.services.compose import text_draft
from messaging.services.sending import send_draft

from ..conftest import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, WABA_ID, skip_unless_required

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_services():
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis://"):
        skip_unless_required("needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://…", required_by="SWITCHBOARD_REQUIRE_SERVICES")
    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


@pytest.fixture
def not_eager():
    from config import celery_app

    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def live_simulator(live_server):
    number = SimNumber(PHONE_NUMBER_ID, "15550783881", WABA_ID, ACCESS_TOKEN, APP_SECRET, "Acme")
    sim = Simulator(
        SimulatorConfig(
            numbers=[number], webhook_url=f"{live_server.url}/webhooks/whatsapp/", status_delays=(0.2, 0.4, 0.6)
        )
    )
    running = serve(sim)
    sim.start_dispatcher()
    yield sim, running.url
    sim.stop_dispatcher()
    running.shutdown()
    sim.close()


@pytest.fixture
def worker(real_services, live_simulator, tmp_path):
    _sim, sim_url = live_simulator
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "GRAPH_API_BASE_URL": sim_url,
    }
    log = open(tmp_path / "worker.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    _wait_for(lambda: "ready" in (tmp_path / "worker.log").read_text(), timeout=90, what="the worker to start")
    yield process
    process.terminate()
    process.wait(timeout=30)
    log.close()


def _wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}")


def test_a_message_goes_out_through_a_real_worker_and_comes_back_read(phone, not_eager, live_simulator, worker):
    sim, _url = live_simulator

    # A customer writes: the simulator posts the signed webhook to the live server, the worker applies it.
    sim.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id="16505551234", name="Sheena", message={"type": "text", "text": {"body": "hi"}})
    conversation = _wait_for(lambda: Conversation.objects.first(), timeout=60, what="the inbound message")
    assert conversation.window_is_open()

    # The reply is queued, sent by the worker, and its statuses come back through the webhook.
    message = send_draft(conversation=conversation, draft=text_draft(body="Hello from a real worker"))
    _wait_for(lambda: Message.objects.get(pk=message.pk).status == "read", timeout=60, what="the message to be read")

    message.refresh_from_db()
    assert message.wamid.startswith("wamid.")
    assert [e.status for e in message.status_events.order_by("timestamp", "id")] == ["sent", "delivered", "read"]
    assert len(sim.sent_messages()) == 1
