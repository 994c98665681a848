"""gunicorn settings for production: ``gunicorn -c config/gunicorn.conf.py`` (README, issue #15).

Every value can be changed from the environment without editing this file. Sized for the webhook
path, which is most of the traffic: a webhook request spends most of its time waiting for
PostgreSQL's durable commit (an fsync), not on the CPU, so a few processes with several threads
each keep many commits in flight (PostgreSQL then groups them) while the GIL costs little.
Measured with ``bench/webhook_ingest`` on 2 cores: 3 workers × 8 threads.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # behind the TLS-terminating proxy

# Processes: one per core plus one, so a core is never idle while a process waits (gunicorn's own
# WEB_CONCURRENCY variable names it, as on most platforms).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
# Threads per process (gthread worker). Each thread keeps its own database connection open
# (CONN_MAX_AGE): workers × threads, plus the Celery processes, must fit PostgreSQL's max_connections.
threads = int(os.environ.get("GUNICORN_THREADS", 8))
worker_class = "gthread"
# Meta waits up to about 20 s for an answer; a request still running after 30 s is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# The proxy reuses its connections to us: keep them open a little longer than between two webhooks.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# The proxy logs requests; ours would only double them (and never log bodies).
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
