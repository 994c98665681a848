"""Production: every secret from the environment, HTTPS assumptions, no simulator by accident."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import GRAPH_API_BASE_URL, SIMULATOR_ENABLED, env

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True

if not SIMULATOR_ENABLED and not GRAPH_API_BASE_URL.startswith("https://"):
    # Pointing production at the simulator (or any plain-HTTP host) must be a deliberate choice.
    raise ImproperlyConfigured(
        f"GRAPH_API_BASE_URL={GRAPH_API_BASE_URL!r} is not HTTPS; set SIMULATOR_ENABLED=true "
        "if you really mean to run production settings against the simulator."
    )
