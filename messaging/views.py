"""The operator console: inbox, thread, compose. Thin: access → form → service → redirect."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors
from .error_explanations import explain
from .forms import SendTextForm
from .models import Conversation
from .services.sending import TextMessage, send_text


@login_required
@permission_required("messaging.view_conversation", raise_exception=True)
def inbox(request):
    conversations = selectors.inbox_for(request.user)[:100]
    template = "messaging/_conversation_list.html" if request.htmx else "messaging/inbox.html"
    return render(request, template, {"conversations": conversations})


@login_required
@permission_required("messaging.view_conversation", raise_exception=True)
def conversation_detail(request, pk: int):
    conversation = selectors.conversation_for_user(request.user, pk)
    _mark_seen(conversation)
    return render(request, "messaging/conversation_detail.html", _thread_context(request, conversation, SendTextForm()))


@login_required
@permission_required("messaging.view_conversation", raise_exception=True)
def conversation_messages(request, pk: int):
    """The thread's bubbles alone, polled by htmx so ticks move without a reload."""
    conversation = selectors.conversation_for_user(request.user, pk)
    _mark_seen(conversation)  # the operator is looking at it: what just arrived is not unread
    return render(request, "messaging/_thread.html", _thread_context(request, conversation, None))


@require_POST
@login_required
@permission_required("messaging.send_message", raise_exception=True)
def conversation_send(request, pk: int):
    conversation = selectors.conversation_for_user(request.user, pk)
    form = SendTextForm(request.POST)
    if form.is_valid():
        text = TextMessage(body=form.cleaned_data["body"], preview_url=form.cleaned_data["preview_url"])
        try:
            send_text(conversation=conversation, text=text, user=request.user, client_uuid=form.cleaned_data["client_uuid"])
        except ValidationError as exc:
            form.add_error("body", exc)
        else:
            return redirect("messaging:conversation-detail", pk=pk)
    return render(request, "messaging/conversation_detail.html", _thread_context(request, conversation, form), status=400)


def _mark_seen(conversation: Conversation) -> None:
    if conversation.unread_count:
        Conversation.objects.filter(pk=conversation.pk).update(unread_count=0)
        conversation.unread_count = 0


def _thread_context(request, conversation: Conversation, form):
    thread = selectors.thread_messages(conversation)
    for message in thread:
        message.explanation = explain(message.error_code) if message.status == "failed" else None
    return {
        "conversation": conversation,
        "thread": thread,
        "form": form,
        "window_open": conversation.window_is_open(),
        "conversations": selectors.inbox_for(request.user)[:100],
    }
