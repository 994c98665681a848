"""What a send does while the limiter makes it wait for the number's window: the jobs run in turn
within the wait (the apps' first, the waiting webhooks last), a failing one is logged and never
fails the send."""

import json
import logging
import time

import pytest

from messaging.models import Message, WebhookEvent
from messaging.services import while_waiting

from .. import factories
from ..conftest import load_fixture


def test_each_job_gets_what_is_left_of_the_wait_and_none_starts_after_it(monkeypatch):
    seen = []

    def slow(message, seconds):
        seen.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(while_waiting, "_jobs", [slow, slow])
    started = time.monotonic()

    while_waiting.use_wait(Message(pk=7), 0.2)

    assert len(seen) == 1 and seen[0] <= 0.2 - while_waiting.MARGIN
    assert time.monotonic() - started < 0.2  # back before the place frees


def test_a_failing_job_is_logged_and_the_next_one_still_runs(monkeypatch, caplog):
    ran = []

    def broken(message, seconds):
        raise RuntimeError("a bug in other work")

    monkeypatch.setattr(while_waiting, "_jobs", [broken, lambda message, seconds: ran.append(message.pk)])

    with caplog.at_level(logging.ERROR, logger="messaging.while_waiting"):
        while_waiting.use_wait(Message(pk=7), 0.5)

    assert ran == [7]
    assert "broken failed while message 7 waited for the rate limiter" in caplog.text


def test_a_short_wait_runs_no_job(monkeypatch):
    ran = []
    monkeypatch.setattr(while_waiting, "_jobs", [lambda message, seconds: ran.append(seconds)])

    while_waiting.use_wait(Message(pk=7), while_waiting.USE_WAITS_FROM / 2)

    assert ran == []


@pytest.mark.django_db
def test_the_apps_jobs_go_first_and_the_waiting_webhooks_get_what_is_left(monkeypatch, phone):
    """Keeping the sends fed can't wait (a pipeline that ran dry leaves the window's places unused);
    the statuses can: an app's job runs before the drain, which then applies what came in."""
    factories.stored_webhook(phone.account, json.dumps(load_fixture("webhook_message_text.json")))
    pending_when_job_ran = []
    monkeypatch.setattr(while_waiting, "_jobs", [
        lambda message, seconds: pending_when_job_ran.append(WebhookEvent.objects.filter(state="pending").count()),
    ])

    while_waiting.use_wait(Message(pk=7), 1.0)

    assert pending_when_job_ran == [1]
    assert list(WebhookEvent.objects.values_list("state", flat=True)) == ["processed"]


@pytest.mark.django_db
def test_a_job_that_takes_the_whole_wait_leaves_the_webhooks_for_later(monkeypatch, phone):
    factories.stored_webhook(phone.account, json.dumps(load_fixture("webhook_message_text.json")))
    monkeypatch.setattr(while_waiting, "_jobs", [lambda message, seconds: time.sleep(seconds)])

    while_waiting.use_wait(Message(pk=7), 0.2)

    assert list(WebhookEvent.objects.values_list("state", flat=True)) == ["pending"]
