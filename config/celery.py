"""The Celery app. Task modules live in each Django app (``<app>/tasks.py``)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("switchboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_stale_connections(sender=None, **kwargs) -> None:
    """What Django does around each request, around each task: a connection that broke, or is older
    than ``CONN_MAX_AGE``, is closed (Celery's own closing is off: ``CELERY_DB_REUSE_MAX``)."""
    if getattr(sender.request, "is_eager", False):
        return  # inside the caller's own work (and a test's transaction)
    from django.db import close_old_connections

    close_old_connections()
