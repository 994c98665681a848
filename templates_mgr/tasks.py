"""Celery tasks: thin wrappers that take an id and call a service."""

from celery import shared_task

from accounts.models import BusinessAccount

from .services.sync import sync_all_templates


@shared_task(acks_late=True)
def sync_templates_task(account_id: int | None = None) -> str:
    """Sync one account's templates with Meta, or (beat, no id) every account's, one after another.

    No retries: a failure is recorded on the account's sync state for the board, and beat runs
    again after ``TEMPLATE_SYNC_INTERVAL`` seconds.
    """
    if account_id is None:
        outcomes = sync_all_templates()
        return "; ".join(f"{outcome.account.waba_id}: {outcome}" for outcome in outcomes) or "no accounts"
    outcomes = sync_all_templates(accounts=BusinessAccount.objects.filter(pk=account_id))
    return str(outcomes[0]) if outcomes else "no such account"
