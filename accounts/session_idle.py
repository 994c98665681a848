"""Idle session expiry: a session in use has its expiry pushed forward, at most once a refresh interval.

Django's SESSION_SAVE_EVERY_REQUEST would write the session row on every request, and the console
polls every 2 s per open tab; refreshing once per SESSION_REFRESH_SECONDS keeps the idle limit
(SESSION_COOKIE_AGE) accurate to that interval for a fraction of the writes.
"""

import time

from django.conf import settings


class IdleSessionMiddleware:
    """Mark a live session modified when its last refresh is older than SESSION_REFRESH_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - session.get("_refreshed_at", 0) >= settings.SESSION_REFRESH_SECONDS:
                session["_refreshed_at"] = now  # modified → SessionMiddleware saves it with a new expiry
        return response
