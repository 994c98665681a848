"""The signed webhook receiver: verify → store → 200. Processing happens in Celery."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .services.webhook_inbox import InboxBusy, receive_webhook, verify_subscription

# Seconds Meta (or any sender) should wait before trying again when the database is busy.
BUSY_RETRY_AFTER = 10


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _verify(request)
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit():
        return HttpResponse("Bad Content-Length.", status=400, content_type="text/plain")
    if int(length) > settings.WEBHOOK_MAX_BODY_BYTES:
        return HttpResponse("Payload too large (Meta sends at most 3 MB).", status=413, content_type="text/plain")
    try:
        stored = receive_webhook(body=request.body, signature=request.headers.get("X-Hub-Signature-256"))
    except InboxBusy:
        # Not a 500: nothing is lost, Meta sends it again (it retries anything but a 200).
        response = HttpResponse("Busy, try again shortly.", status=503, content_type="text/plain")
        response["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
    if stored is None:
        return HttpResponseForbidden("Invalid or missing X-Hub-Signature-256.", content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")


def _verify(request: HttpRequest) -> HttpResponse:
    if not verify_subscription(mode=request.GET.get("hub.mode"), token=request.GET.get("hub.verify_token")):
        return HttpResponseForbidden("Verify token does not match.", content_type="text/plain")
    return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
