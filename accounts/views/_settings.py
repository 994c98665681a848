"""What every Settings page shares: who may open it."""

from django.contrib.auth.decorators import login_required, permission_required

# Held by the Administrator role (every permission of accounts) and superusers, nobody else.
USE_SETTINGS = "accounts.use_settings"


def settings_page(view):
    """Anonymous users go to the login page; anybody without the Settings permission gets 403."""
    return login_required(permission_required(USE_SETTINGS, raise_exception=True)(view))
