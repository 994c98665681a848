"""The real thing: a campaign sent by a real Celery worker on PostgreSQL + Redis through the live
simulator; the worker is killed (SIGKILL) mid-campaign, a new one starts, the campaign sweep
recovers what the dead worker held — and every recipient gets exactly one message.

Runs when DATABASE_URL is PostgreSQL and CELERY_BROKER_URL is Redis (like tests/services/)."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts import roles
from accounts.services import ensure_user
from campaigns.models import Campaign, CampaignRecipient, Segment
from campaigns.services import running
from cloudapi.simulator import SimNumber, Simulator, SimulatorConfig, serve
from messaging.models import Contact, Label, Message
from messaging.services.maintenance import requeue_stale_work

from ..conftest import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, WABA_ID, skip_unless_required
from .conftest import add_template, make_campaign

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_services():
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis://"):
        skip_unless_required("needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://…",
                             required_by="SWITCHBOARD_REQUIRE_SERVICES")
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
    sim = Simulator(SimulatorConfig(numbers=[number], webhook_url=f"{live_server.url}/webhooks/whatsapp/",
                                    status_delays=(0.1, 0.2, 0.3)))
    running_sim = serve(sim)
    sim.start_dispatcher()
    yield sim, running_sim.url
    sim.stop_dispatcher()
    running_sim.shutdown()
    sim.close()


@pytest.fixture
def start_worker(real_services, live_simulator, tmp_path):
    _sim, sim_url = live_simulator
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "CELERY_TASK_ALWAYS_EAGER": "false",
           "GRAPH_API_BASE_URL": sim_url}
    started = []

    def _start(name: str) -> subprocess.Popen:
        log_path = tmp_path / f"{name}.log"
        log = open(log_path, "w+")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
             "-n", f"{name}@%h"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
        _wait_for(lambda: "ready" in log_path.read_text(), timeout=90, what=f"{name} to start")
        return process

    yield _start
    for process, log in started:
        if process.poll() is None:
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


@pytest.mark.parametrize("recipients, rate_cap, throughput", [
    (60, 2, "STANDARD"),  # one dispatcher, ~6 messages in the pipeline
    (400, None, "HIGH"),  # 1,000 msg/s: helper tasks queue side by side
])
def test_killing_a_worker_mid_campaign_loses_and_duplicates_nothing(account, phone, not_eager, live_simulator,
                                                                    start_worker, recipients, rate_cap, throughput):
    sim, _url = live_simulator
    phone.throughput_level = throughput
    phone.save()
    template = add_template(account, sim)
    label = Label.objects.create(account=account, name="all")
    contacts = Contact.objects.bulk_create([
        Contact(account=account, wa_id=f"4474001{n:05d}", name=f"P{n}", attributes={"first_name": f"P{n}", "order": str(n)})
        for n in range(recipients)])
    label.contacts.add(*contacts)
    segment = Segment.objects.create(account=account, name="All", rules=[{"type": "label", "label": label.pk}])
    admin = ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)
    campaign = make_campaign(account, phone, template, segment, rate_cap=rate_cap)
    first = start_worker("first")

    running.launch(campaign, user=admin)
    _wait_for(lambda: len(sim.sent_messages()) >= recipients // 6, timeout=60, what="the campaign to get going")
    first.kill()  # SIGKILL: the tasks it held (the next tick, fetched sends) die with it
    first.wait(timeout=30)
    assert len(sim.sent_messages()) < recipients

    start_worker("second")

    def handed_over():  # the beat's sweep, as it would run 30 s on: a new dispatcher, lost sends enqueued again
        running.sweep_campaigns(now=timezone.now() + timedelta(seconds=31))
        return not (CampaignRecipient.objects.filter(state="pending").exists()
                    or Message.objects.filter(status="queued").exists())

    _wait_for(handed_over, timeout=120, what="every recipient to be handed over")
    time.sleep(3)
    # A send the kill cut off mid-call has an unknown outcome: it waits for Meta's status webhook (our
    # UUID) or, if none comes, messaging's 10-minute sweep — run here as it would then run.
    requeue_stale_work(now=timezone.now() + timedelta(minutes=11))
    _wait_for(lambda: not Message.objects.filter(status__in=["queued", "sending"]).exists(), timeout=60,
              what="the last sends")

    counts = sim.callback_data_counts()
    uuids = [str(u) for u in CampaignRecipient.objects.values_list("uuid", flat=True)]
    assert len(sim.sent_messages()) == recipients
    assert all(counts.get(u) == 1 for u in uuids), "a recipient got no message, or two"
    running.sweep_campaigns()
    assert Campaign.objects.get(pk=campaign.pk).state == Campaign.State.COMPLETED
