"""The embedded default (`make run`): SQLite, a serverless Celery broker, the simulator."""

import os

from .published_keys import LOCAL_FIELD_ENCRYPTION_KEY

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "insecure-local-only-secret-key-change-me")
# A fixed local key keeps the demo database readable across restarts; production must set its own.
os.environ.setdefault("FIELD_ENCRYPTION_KEY", LOCAL_FIELD_ENCRYPTION_KEY)
os.environ.setdefault("GRAPH_API_BASE_URL", f"http://127.0.0.1:{os.environ.get('SIMULATOR_PORT') or 8100}")
os.environ.setdefault("SIMULATOR_ENABLED", "true")
os.environ.setdefault("CELERY_BROKER_URL", "filesystem://")

from .base import *  # noqa: E402,F403
from .base import VAR_DIR, CELERY_BROKER_URL  # noqa: E402
from .filesystem_broker import filesystem_broker_options  # noqa: E402

if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR / "broker")
