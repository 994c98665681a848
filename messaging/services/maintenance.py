"""The periodic sweep that makes sure nothing stays stuck if a task was lost.

A broker restart, a killed worker or a crash between commit and enqueue can drop a task; the
rows stay (queued message, pending webhook event), so re-enqueueing them is always safe:
both tasks are idempotent.
"""

from datetime import timedelta

from django.utils import timezone

from ..models import Message, WebhookEvent
from .sending import enqueue_delivery

STALE_EVENT_AFTER = timedelta(minutes=2)
# Longer than the send task's longest backoff, so a message waiting for its retry is left alone.
STALE_MESSAGE_AFTER = timedelta(minutes=10)
# A send that was claimed but never finished (worker killed mid-call) is retried after this.
STUCK_SENDING_AFTER = timedelta(minutes=10)


def requeue_stale_work(*, now=None) -> dict[str, int]:
    """Re-enqueue old pending events and queued messages; returns how many of each."""
    from ..tasks import drain_webhook_events_task  # tasks import services: a cycle at module level

    now = now or timezone.now()
    Message.objects.filter(
        status=Message.Status.SENDING, wamid__isnull=True, updated_at__lt=now - STUCK_SENDING_AFTER
    ).update(status=Message.Status.QUEUED)
    events = WebhookEvent.objects.filter(
        state=WebhookEvent.State.PENDING, received_at__lt=now - STALE_EVENT_AFTER
    ).count()
    messages = list(
        Message.objects.filter(status=Message.Status.QUEUED, updated_at__lt=now - STALE_MESSAGE_AFTER)
        .values_list("pk", flat=True)[:500]
    )
    if events:
        drain_webhook_events_task.delay()  # it processes every pending event, oldest first
    enqueue_delivery(messages)
    return {"events": events, "messages": len(messages)}
