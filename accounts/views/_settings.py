"""What every Settings page shares: who may open it."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404

from ..models import PhoneNumber

# Held by the Administrator role (every permission of accounts) and superusers, nobody else.
USE_SETTINGS = "accounts.use_settings"


def settings_page(view):
    """Anonymous users go to the login page; anybody without the Settings permission gets 403."""
    return login_required(permission_required(USE_SETTINGS, raise_exception=True)(view))


def number_or_404(phone_number_id: str) -> PhoneNumber:
    """The number Meta knows by ``phone_number_id`` (the ``<meta_id:…>`` of a Settings URL), or 404."""
    return get_object_or_404(PhoneNumber.objects.select_related("account"), phone_number_id=phone_number_id)
