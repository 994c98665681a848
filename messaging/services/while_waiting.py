"""What a sending worker does while the rate limiter makes it wait for the number's window.

Meta's limit is "at most N messages in any second": a place in the window is free again one second
after it was used, and a moment it stays free is lost for good — sending late can't make it up. So
a worker process that does other work (applying status webhooks, queueing a campaign's next
recipients) while the window has room sends less than the limit; one that does it while the window
is full loses nothing. ``use_wait`` is where that other work goes: the send calls it when its next
place is at least ``USE_WAITS_FROM`` away, with the time left until then.

Each job is called with the message that waits and the seconds it may take; it does what fits and
returns in time (a job only knows its own work, so it stops early rather than late). An app above
messaging adds its jobs in its ``AppConfig.ready`` with ``add_job`` (campaigns queues the waiting
campaign's next recipients): messaging never imports them. They run first, in the order added;
messaging's own job, applying the waiting webhooks, gets what time is left. A job that keeps the
sends fed can't wait: once their pipeline runs dry, no send waits for the window any more, so
nothing is queued in a wait and the window's places go unused while a tick queues the next ones.
Statuses can wait for the next wait. A job's failure is logged and never fails the send.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ..models import Message
from ..webhook_events import drain_webhook_events

logger = logging.getLogger("messaging.while_waiting")

USE_WAITS_FROM = 0.1  # s: a shorter wait is only slept
MARGIN = 0.02  # s: left unused, to be back before the place frees
DRAIN_EVENTS = 50  # webhook events one wait applies at most
DRAIN_BATCH_SECONDS = 0.05  # s: about one batch of statuses; the drain finishes the batch its slice ends in

Job = Callable[[Message, float], None]


def apply_waiting_webhooks(message: Message, seconds: float) -> None:
    """The statuses that came in meanwhile are the worker's other work: applied now, they don't take
    the time when the window has room again."""
    if seconds > DRAIN_BATCH_SECONDS:
        drain_webhook_events(limit=DRAIN_EVENTS, seconds=seconds - DRAIN_BATCH_SECONDS)


_jobs: list[Job] = []  # the apps' jobs; apply_waiting_webhooks runs after them


def add_job(job: Job) -> None:
    """Run ``job`` in a wait too, after those added before it and before the webhooks (once, however
    often it is added)."""
    if job not in _jobs:
        _jobs.append(job)


def use_wait(message: Message, seconds: float) -> None:
    """Run the jobs, in turn, within ``seconds`` (less ``MARGIN``)."""
    if seconds < USE_WAITS_FROM:
        return
    until = time.monotonic() + seconds - MARGIN
    for job in [*_jobs, apply_waiting_webhooks]:
        left = until - time.monotonic()
        if left <= 0:
            return
        try:
            job(message, left)
        except Exception:  # noqa: BLE001 - the send goes on: this was only the worker's other work
            logger.exception("%s failed while message %s waited for the rate limiter", job.__name__, message.pk)
