"""Our URLs plus the baseline: a bare view that parses the body and answers 200, nothing else."""

import json

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from messaging.webhooks import whatsapp_webhook


@csrf_exempt
def bare(request):
    json.loads(request.body)
    return HttpResponse("OK")


# The receiver view under another URL: the webhook fast path does not know it, so it runs through the
# whole middleware stack, as /webhooks/whatsapp/ did before the fast path (the in-run comparison).
urlpatterns = [
    path("bench/bare/", bare),
    path("bench/full-stack-webhook/", whatsapp_webhook),
    path("", include("config.urls")),
]
