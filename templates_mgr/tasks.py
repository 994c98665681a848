"""Celery tasks: thin wrappers that take an id and call a service."""

from celery import shared_task

from accounts.models import BusinessAccount

from .services.sync import SyncFailed, sync_templates


@shared_task(acks_late=True)
def sync_templates_task(account_id: int | None = None) -> str:
    """Sync one account's templates with Meta, or (beat, no id) enqueue one sync per account.

    No retries: a failure is recorded on the account's sync state for the board, and beat runs
    again after ``TEMPLATE_SYNC_INTERVAL`` seconds.
    """
    if account_id is None:
        for pk in BusinessAccount.objects.values_list("pk", flat=True):
            sync_templates_task.delay(pk)
        return "enqueued"
    account = BusinessAccount.objects.filter(pk=account_id).first()
    if account is None:
        return "no such account"
    try:
        return str(sync_templates(account=account))
    except SyncFailed as failure:
        return f"failed: {failure}"
