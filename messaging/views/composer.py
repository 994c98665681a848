"""The composer's helpers: a field checked as it is typed, and the Enter-sends preference."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.services.preferences import set_enter_sends

from .. import selectors
from ..forms import compose_form_class
from ._console import SEND

_YES, _NO = ("1", "true", "on"), ("0", "false", "off")


@require_POST
@login_required
@permission_required(SEND, raise_exception=True)
def conversation_compose_check(request, pk: int):
    """The server's own verdict on one field of a draft (htmx, as the operator types): the same
    form the send runs, so the page never holds a second set of rules."""
    conversation = selectors.conversation_for_user(request.user, pk)
    form_class = compose_form_class(request.POST.get("kind"))
    name = request.headers.get("HX-Trigger-Name") or request.POST.get("check", "")
    if form_class is None or name not in form_class.checked_as_typed:
        return HttpResponse("Say which field of which kind of message to check.", status=400, content_type="text/plain")
    form = form_class(request.POST, conversation=conversation, user=request.user)
    form.is_valid()
    errors = form.errors.get(name, []) if (request.POST.get(name) or "").strip() else []
    return render(request, "messaging/compose/_check.html", {"errors": errors})


@require_POST
@login_required
@permission_required(SEND, raise_exception=True)
def composer_enter_preference(request):
    """Store whether Enter sends (``enter_sends=1``) or starts a new line (``0``)."""
    value = (request.POST.get("enter_sends") or "").strip().lower()
    if value not in _YES + _NO:
        return HttpResponse("enter_sends must be 1 (Enter sends) or 0 (Enter starts a new line).", status=400,
                            content_type="text/plain")
    set_enter_sends(user=request.user, enter_sends=value in _YES)
    return HttpResponse(status=204)
