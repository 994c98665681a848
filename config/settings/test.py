"""Settings for the test suite: no network, eager tasks unless a test asks for a real worker."""

import os

from .published_keys import TEST_FIELD_ENCRYPTION_KEY

os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", TEST_FIELD_ENCRYPTION_KEY)
os.environ.setdefault("GRAPH_API_BASE_URL", "http://graph.test")
os.environ.setdefault("SIMULATOR_ENABLED", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Eager retries only re-run when the Retry is not propagated (celery.app.task.Task.apply).
CELERY_TASK_EAGER_PROPAGATES = False
# Every stored event wakes the (eager) drain at once, so a test sees it processed.
WEBHOOK_WAKE_INTERVAL = 0.0
GRAPH_API_VERSION = "v24.0"
# The rate limiter in a file of this run's own (tests/conftest.py empties it before each test);
# never a developer's Redis. The Redis backend's tests make their own.
RATE_LIMIT_REDIS_URL = ""
RATE_LIMIT_FILE = str(VAR_DIR / f"test-rate-limit-{os.getpid()}.sqlite3")  # noqa: F405
# A worker sleeps at most half a second for the limiter here (1.5 s in production): the tests of a
# wait that sends the task round the broker use a cap of 1 a second, without sleeping for it.
RATE_LIMIT_MAX_SLEEP = 0.5
# Test processes side by side (pytest-xdist) share CI's Redis broker: each has a queue of its own, and
# so do the Celery workers it starts (they inherit PYTEST_XDIST_WORKER), so none reads another's tasks.
CELERY_TASK_DEFAULT_QUEUE = f"celery-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
# Small chunks, so tests of chunked events need few messages.
WEBHOOK_CHUNK_ITEMS = 20

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not :memory:, so the live server's threads and helper processes each get their own
    # connection (browser tests); tests still start from a fresh database every run.
    # One file per run, so test runs side by side never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}  # noqa: F405
    # A test database need not survive a power cut: no fsync per commit.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"  # noqa: F405
