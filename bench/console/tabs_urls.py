"""Our URLs plus the baseline: a bare view through the same middleware (no session read, no query)."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("OK", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("config.urls")),
]
