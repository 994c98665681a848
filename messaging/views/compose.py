"""Composing: the composer for one kind (htmx partial) and sending what it holds."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import selectors
from ..forms import compose_form_class
from ..models import Message
from ..services.sending import send_draft
from ._console import SEND, compose_context
from .thread import thread_page_context


@login_required
@permission_required(SEND, raise_exception=True)
def conversation_compose(request, pk: int):
    """The composer for ``?kind=`` (tabs swap it in place), replying to ``?reply_to=`` if given."""
    conversation = selectors.conversation_for_user(request.user, pk)
    if compose_form_class(request.GET.get("kind")) is None:
        return HttpResponse("Unknown kind of message.", status=400, content_type="text/plain")
    return render(request, "messaging/_compose.html", compose_context(request, conversation))


@require_POST
@login_required
@permission_required(SEND, raise_exception=True)
def conversation_send(request, pk: int):
    conversation = selectors.conversation_for_user(request.user, pk)
    form_class = compose_form_class(request.POST.get("kind"))
    if form_class is None:
        return HttpResponse("Unknown kind of message.", status=400, content_type="text/plain")
    form = form_class(request.POST, request.FILES, conversation=conversation, user=request.user)
    if form.is_valid():
        if Message.objects.filter(uuid=form.cleaned_data["client_uuid"], conversation=conversation).exists():
            return redirect("messaging:conversation-detail", pk=pk)  # a double submit: queued once, no second token
        try:
            # One transaction: what a draft stores when sent (a flow's token) goes if the send is refused.
            with transaction.atomic():
                send_draft(conversation=conversation, draft=form.draft(), reply_to=form.reply_wamid,
                           user=request.user, client_uuid=form.cleaned_data["client_uuid"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            return redirect("messaging:conversation-detail", pk=pk)
    context = thread_page_context(request, conversation, form)
    return render(request, "messaging/conversation_detail.html", context, status=400)
