"""Our URLs plus the baseline: a bare view that parses the body and answers 200, nothing else."""

import json

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request):
    json.loads(request.body)
    return HttpResponse("OK")


urlpatterns = [path("bench/bare/", bare), path("", include("config.urls"))]
