"""The webhook receiver's own lane: Meta's requests skip the middleware the console needs.

Sessions, authentication, messages, CSRF, login throttling (axes), the Content-Security-Policy, htmx
and the audit actor are for people in browsers. A webhook is a machine's signed POST: the receiver
checks the signature on the raw body itself, so running that stack for each of thousands of events a
second only costs time (issue #15). This middleware comes first and hands the webhook URL straight to
the receiver view; every other URL, and anything unusual on the webhook URL, takes the full stack.
The WhatsApp Flows data endpoint is a machine's signed POST too (answered within Meta's latency
budget), so ``POST /flows/endpoint/`` takes the same lane.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from messaging.flow_endpoint import flow_data_endpoint
from messaging.webhooks import whatsapp_webhook


class WebhookFastPathMiddleware:
    """Answer ``GET``/``POST /webhooks/whatsapp/`` with the receiver alone, ``POST /flows/endpoint/`` with
    the data endpoint alone; pass the rest on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Reversed once, here: the script prefix is never part of path_info.
        self.lanes = {
            reverse("messaging:webhook"): (whatsapp_webhook, ("GET", "POST")),
            reverse("messaging:flow-endpoint"): (flow_data_endpoint, ("POST",)),
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view, methods = self.lanes.get(request.path_info, (None, ()))
        if view is None or request.method not in methods:
            return self.get_response(request)  # the views' 405 and every page: the full stack
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return self.get_response(request)  # SecurityMiddleware redirects it to HTTPS, as any page
        # A Host outside ALLOWED_HOSTS is refused (400) here too, as CommonMiddleware would.
        request.get_host()
        return view(request)
