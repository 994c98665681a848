"""Who is acting during a request, for the audit entries that signals write (see ``audit_signals``)."""

from .services.audit import acting_as


class AuditActorMiddleware:
    """Attribute every audited change made while handling a request to its (lazy) user."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(getattr(request, "user", None)):
            return self.get_response(request)
