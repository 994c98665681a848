"""Fixtures for the tests that need the real thing: PostgreSQL, Redis, Celery worker processes and the
live simulator posting signed webhooks to the live server. They skip (or fail, under
SWITCHBOARD_REQUIRE_SERVICES) unless DATABASE_URL is PostgreSQL and CELERY_BROKER_URL is Redis."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cloudapi.simulator import SimNumber, Simulator, SimulatorConfig, serve

from .conftest import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, WABA_ID, skip_unless_required

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def real_services():
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis://"):
        skip_unless_required("needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://…",
                             required_by="SWITCHBOARD_REQUIRE_SERVICES")
    empty_task_queue()


def empty_task_queue() -> None:
    """This test process's Celery queue, emptied (only its own: the broker is shared, settings/test.py)."""
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.SimpleQueue(app.conf.task_default_queue).clear()


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
    """``start_worker(name)`` starts a Celery worker process on the test database, the test broker
    and the live simulator, and returns it once it is ready; every one started is stopped at the end."""
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
        wait_for(lambda: "ready" in log_path.read_text(), timeout=90, what=f"{name} to start")
        return process

    yield _start
    for process, log in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        log.close()


def wait_for(predicate, *, timeout: float, what: str):
    """``predicate()``'s first true answer, polled every 0.2 s; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}")
