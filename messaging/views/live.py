"""The console's live helpers: the notifier's poll (JSON) and the presence heartbeat (POST)."""

import re

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ..selectors.notifications import notifications_for
from ..services.presence import AWAY, ONLINE, record_heartbeat
from ._console import VIEW

_SINCE = re.compile(r"^(\d{1,18})\.(\d{1,18})$")


@require_GET
@never_cache
@login_required
@permission_required(VIEW, raise_exception=True)
def notify(request):
    """What is new for me since ``?since=<message id>.<mention id>`` (the last answer's ``since``);
    without it, the counts and the cursor to start from."""
    raw = request.GET.get("since", "")
    since = None
    if raw:
        match = _SINCE.match(raw)
        if not match:
            return HttpResponse("since must be the last answer's since (two numbers joined by a dot).", status=400,
                                content_type="text/plain")
        since = (int(match[1]), int(match[2]))
    return JsonResponse(notifications_for(request.user, since=since).as_json())


@require_POST
@login_required
@permission_required(VIEW, raise_exception=True)
def presence_heartbeat(request):
    """The console is open: ``status=online`` (its tab is visible) or ``away`` (hidden)."""
    status = request.POST.get("status", "")
    if status not in (ONLINE, AWAY):
        return HttpResponse("status must be online or away.", status=400, content_type="text/plain")
    record_heartbeat(user=request.user, status=status)
    return HttpResponse(status=204)
