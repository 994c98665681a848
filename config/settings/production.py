"""Production: every secret from the environment, HTTPS assumptions, no simulator by accident."""

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, FIELD_ENCRYPTION_KEYS, GRAPH_API_BASE_URL, SIMULATOR_ENABLED, env
from .published_keys import PUBLISHED_FIELD_ENCRYPTION_KEYS

DEBUG = False
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Throughput (README "Run it in production", issue #15) ---------------------------------
# A new PostgreSQL connection per request costs more than the webhook receiver's own work (it ran
# at 6 % of a bare view's rate that way): keep each thread's connection open, and check it before
# a request reuses it so a restarted database costs one failed check, not one failed request.
# Every gunicorn thread and Celery process holds one: PostgreSQL's max_connections must cover them.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)

# --- HTTPS (docs/security.md) ----------------------------------------------------------------
# The TLS-terminating proxy tells us the original scheme in this header ("NAME: value"); it must
# overwrite whatever a client sent. Empty when Django itself sees the TLS connection.
_proxy_ssl_header = env("SECURE_PROXY_SSL_HEADER", default="X-Forwarded-Proto: https").strip()
if _proxy_ssl_header:
    _name, _, _value = _proxy_ssl_header.partition(":")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _name.strip().upper().replace("-", "_"), _value.strip() or "https")
else:
    SECURE_PROXY_SSL_HEADER = None
# Plain-HTTP requests are redirected to HTTPS; turn off only if the proxy already does it.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Browsers remember to use HTTPS only for this long (0 turns HSTS off).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

if not SIMULATOR_ENABLED and not GRAPH_API_BASE_URL.startswith("https://"):
    # Pointing production at the simulator (or any plain-HTTP host) must be a deliberate choice.
    raise ImproperlyConfigured(
        f"GRAPH_API_BASE_URL={GRAPH_API_BASE_URL!r} is not HTTPS; set SIMULATOR_ENABLED=true "
        "if you really mean to run production settings against the simulator."
    )

# The key that encrypts must be a real Fernet key nobody else has. Older keys after the comma
# may still be passphrases: they only decrypt, until `manage.py rotate_encryption_key` has run.
_encrypting_key = FIELD_ENCRYPTION_KEYS[0] if FIELD_ENCRYPTION_KEYS else ""
try:
    Fernet(_encrypting_key)
except ValueError:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY: the first key must be a Fernet key (32 url-safe base64-encoded bytes). "
        'Generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    ) from None
if _encrypting_key in PUBLISHED_FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY: the first key is one published in Switchboard's repository (a demo or "
        "test default); generate your own and keep it secret."
    )
