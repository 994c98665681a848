"""A logging filter for ``django.request``: an ordinary 4xx is one line, not a traceback.

Django logs a PermissionDenied (403) or Http404 as a warning *with* the exception attached, so every
refused page printed a full traceback; only server errors (5xx) need one.
"""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """Drop the traceback of ``django.request`` records for client errors (status below 500)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
