"""Login throttling on top of django-axes: the backend that refuses locked-out logins and the page
that says so.

Axes counts failures per username and per client address (settings ``AXES_*``); this module only
adds what it does not do itself: an equal amount of password hashing for a locked-out login, and
a lockout page in the console's look that says when to try again.
"""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_client_username, get_cool_off
from django.contrib.auth.hashers import make_password
from django.shortcuts import render
from django.conf import settings
from django.utils import timezone


class ThrottledLoginBackend(AxesStandaloneBackend):
    """Refuse a login while its username or client address is locked out.

    Django's ModelBackend hashes the password for unknown and known usernames alike; axes skips
    that for a locked-out one, which would make a lockout measurable by response time. Hashing
    the offered password once here keeps the three cases the same.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            make_password(password)
            raise


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets: what happened and from when it may try again."""
    cool_off = get_cool_off(request)
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        # Every refused attempt restarts the cool-off (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT),
        # so the lock lifts one cool-off after this one.
        "retry_at": timezone.now() + cool_off if cool_off else None,
    }
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
