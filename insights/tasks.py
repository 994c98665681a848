"""Insights' beat task: thin, the rollup service does the work."""

from celery import shared_task

from .services.rollup import refresh_figures


@shared_task
def refresh_figures_task() -> int:
    """Recompute the recent days' figures of every number and backfill some older days."""
    return refresh_figures()
