"""Celery tasks: take an id, call a service, own the retries."""

from celery import shared_task
from django.utils import timezone

from .models import MediaAsset
from .services import inbound


@shared_task(bind=True, acks_late=True, max_retries=None)
def download_inbound_media_task(self, asset_id: int) -> None:
    """Download a customer's file; while it fails for a passing reason, come back at ``next_retry_at``.

    The schedule (30 s, 2 min, 10 min, 1 h … within the media id's 7 days) lives in the service,
    which stores it on the asset for the operator to see; this task only follows it. Run eagerly
    (tests, ``CELERY_TASK_ALWAYS_EAGER``) there is no worker to come back later, and an eager retry
    would run at once, ignoring the schedule: the failure stays recorded and
    ``requeue_stale_downloads_task`` picks it up when it is due.
    """
    try:
        asset = inbound.download_inbound_media(asset_id=asset_id)
    except MediaAsset.DoesNotExist:
        return  # deleted meanwhile
    if asset.download_state == MediaAsset.DownloadState.FAILED and asset.next_retry_at is not None:
        if self.request.is_eager:
            return
        countdown = max((asset.next_retry_at - timezone.now()).total_seconds(), 1.0)
        raise self.retry(countdown=countdown)


@shared_task
def requeue_stale_downloads_task() -> None:
    inbound.requeue_stale_downloads()
