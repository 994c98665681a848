"""Celery tasks: thin wrappers that take an id, call a service and own the scheduling."""

from celery import shared_task

from .services import dispatch, running


@shared_task(acks_late=True)
def dispatch_campaign_task(campaign_id: int, token: str) -> None:
    """One tick of the campaign's dispatcher; the next tick is scheduled while there is work.

    An eager run (the test settings) has no clock to wait on: it does one tick, and tests (or the
    sweep) call again."""
    delay = dispatch.dispatch_tick(campaign_id=campaign_id, token=token)
    if delay is not None and not dispatch_campaign_task.app.conf.task_always_eager:
        dispatch_campaign_task.apply_async(args=(campaign_id, token), countdown=delay)


@shared_task(acks_late=True)
def help_hand_over_task(campaign_id: int, token: str, limit: int) -> None:
    dispatch.help_hand_over(campaign_id=campaign_id, token=token, limit=limit)


@shared_task
def sweep_campaigns_task() -> None:
    running.sweep_campaigns()
