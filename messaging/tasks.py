"""Celery tasks: thin wrappers that take an id, call a service and own the retries."""

import random
import time

from celery import shared_task
from django.conf import settings

from .services import conversation_states, delivery, maintenance, reading
from .services.rate_limit.backends import LINE_HORIZON
from .webhook_events import drain_webhook_events, process_webhook_event

SEND_MAX_RETRIES = 6


def _backoff(retries: int, *, outcome_unknown: bool) -> int:
    delay = min(5 * 2**retries, 300)
    if outcome_unknown:
        # Meta may have taken it: give its status webhook (carrying our UUID) time to arrive
        # first, so the retry finds the message already sent instead of sending it twice.
        delay = max(delay, settings.SEND_UNCONFIRMED_RETRY_DELAY)
    return delay


# A limiter wait comes back at most this much later and looks again (a task held for hours by a
# broker is fragile; the stale-work sweep only takes messages untouched for 10 minutes).
LIMIT_WAIT_MAX_COUNTDOWN = LINE_HORIZON


def _limit_countdown(wait) -> float:
    countdown = min(wait.seconds, LIMIT_WAIT_MAX_COUNTDOWN)
    if wait.turn and wait.seconds <= LIMIT_WAIT_MAX_COUNTDOWN:
        return countdown  # its own turn in the waiting line: back exactly then
    # A little spread, so messages told the same wait don't all come back at the same instant.
    return countdown * random.uniform(1.0, 1.1)


@shared_task(bind=True, max_retries=SEND_MAX_RETRIES, acks_late=True)
def send_messages_task(self, message_ids: list[int]) -> None:
    """Deliver a batch; what must wait comes back at the limiter's countdown (not a retry: the
    same retries it had), what Meta failed retryably is retried with backoff, as one batch."""
    outcome = delivery.deliver_messages(message_ids=list(message_ids))
    if outcome.waiting and not self.request.is_eager:  # run inline (tests): the stale-work sweep sends it later
        send_messages_task.apply_async((outcome.waiting,), countdown=_limit_countdown(outcome.wait),
                                       retries=self.request.retries)
    if outcome.retry:
        if self.request.retries >= self.max_retries:
            for message_id, error in outcome.retry.items():
                delivery.give_up(message_id=message_id, error=error)
        else:
            unknown = any(error.outcome_unknown for error in outcome.retry.values())
            countdown = _backoff(self.request.retries, outcome_unknown=unknown)
            raise self.retry(args=(list(outcome.retry),), countdown=countdown)
    if outcome.unexpected is not None:
        raise outcome.unexpected


@shared_task(acks_late=True)
def send_message_task(message_id: int) -> None:
    """One message: what the previous release enqueued (kept so those tasks still run)."""
    send_messages_task.delay([message_id])


READ_MAX_RETRIES = 5


@shared_task(bind=True, max_retries=READ_MAX_RETRIES, acks_late=True)
def mark_conversation_read_task(self, conversation_id: int) -> None:
    try:
        reading.mark_conversation_read(conversation_id=conversation_id)
    except reading.ReadLater:
        if self.request.retries >= self.max_retries:
            return  # the next time the thread is opened asks again: nothing was recorded
        raise self.retry(countdown=_backoff(self.request.retries, outcome_unknown=False)) from None


@shared_task
def send_typing_indicator_task(conversation_id: int) -> None:
    reading.send_typing_indicator(conversation_id=conversation_id)


@shared_task(acks_late=True)
def process_webhook_event_task(event_id: int) -> None:
    process_webhook_event(event_id=event_id)


DRAIN_BATCH = 500
# A drain stops taking new events after this long and goes to the back of the queue: a worker
# process draining a busy campaign's statuses still sends its messages in between.
DRAIN_SLICE_SECONDS = 0.05


@shared_task(acks_late=True)
def drain_webhook_events_task() -> None:
    started = time.monotonic()
    done = drain_webhook_events(limit=DRAIN_BATCH, seconds=DRAIN_SLICE_SECONDS)
    if done:
        # Look again: events stored while this ran may have found the wake-up already taken.
        more = done >= DRAIN_BATCH or time.monotonic() - started >= DRAIN_SLICE_SECONDS
        drain_webhook_events_task.apply_async(countdown=0 if more else settings.WEBHOOK_WAKE_INTERVAL)


@shared_task
def requeue_stale_work_task() -> None:
    maintenance.requeue_stale_work()


@shared_task
def wake_snoozed_conversations_task() -> None:
    conversation_states.wake_snoozed_conversations()
