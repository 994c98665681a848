"""Celery tasks: thin wrappers that call a service."""

from celery import shared_task

from .services.connection_check import check_connected_accounts


@shared_task(acks_late=True)
def check_connections_task() -> str:
    """Beat, daily: run the connection test of every connected account, so a token that expires or
    is revoked shows on the banner although nobody pressed *Test the connection*. No retries: each
    outcome is stored on its account, and beat runs again tomorrow."""
    outcomes = check_connected_accounts()
    return "; ".join(f"{waba_id}: {'ok' if ok else 'failed'}" for waba_id, ok in outcomes) or "no accounts"
