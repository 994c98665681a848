"""Settings for the Flows endpoint benchmark: the big-webhook benchmark's (embedded SQLite, nothing
sent), on a database file of its own."""

from bench.big_webhook.settings import *  # noqa: F403

DATABASES["default"]["NAME"] = str(VAR_DIR / "bench-flows.sqlite3")  # noqa: F405
