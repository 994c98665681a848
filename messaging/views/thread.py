"""A conversation: the page, its polled live part, older pages, the read mark and the typing signal.

Looking (GET) changes nothing: the page POSTs to ``conversation-read`` when it shows unread
messages, so a link preview, a prefetch or a Support user looking on marks nothing read.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import reads_for_customers

from .. import selectors
from ..forms import ThreadCursorForm
from ..models import Label, Mention
from ..services.assignment import assignable_users
from ..services.presence import presence_of
from ..services.reading import mark_conversation_seen, needs_read_receipt, signal_typing
from ._console import SEND, VIEW, compose_context, sidebar


@login_required
@permission_required(VIEW, raise_exception=True)
def conversation_detail(request, pk: int):
    conversation = selectors.conversation_for_user(request.user, pk)
    return render(request, "messaging/conversation_detail.html", thread_page_context(request, conversation))


@login_required
@permission_required(VIEW, raise_exception=True)
def conversation_messages(request, pk: int):
    """The live part of the thread (from ``after`` on), polled by htmx so ticks and new messages move."""
    conversation = selectors.conversation_for_user(request.user, pk)
    cursor = ThreadCursorForm(request.GET)
    if not cursor.is_valid():
        return HttpResponse(" ".join(cursor.errors.get("after", [])), status=400, content_type="text/plain")
    after = cursor.cleaned_data["after"]
    page = selectors.thread_after(conversation, after) if after else None
    restarted = page is None
    page = page or selectors.thread_latest(conversation)
    window_open = conversation.window_is_open()
    context = {
        "conversation": conversation, "thread": page.messages, "page": page, "restarted": restarted and bool(after),
        "window_open": window_open, "window_changed": request.GET.get("window") not in (None, _state(window_open)),
        **bubble_context(request, conversation),
        **read_context(request, conversation),
        **team_context(request, conversation),
    }
    if context["window_changed"]:
        context.update(compose_context(request, conversation))
    return render(request, "messaging/_live.html", context)


@login_required
@permission_required(VIEW, raise_exception=True)
def conversation_older(request, pk: int):
    """The page before ``before`` ("load older")."""
    conversation = selectors.conversation_for_user(request.user, pk)
    cursor = ThreadCursorForm(request.GET)
    if not cursor.is_valid() or cursor.cleaned_data["before"] is None:
        message = " ".join(cursor.errors.get("before", [])) or "Say which page: ?before=…"
        return HttpResponse(message, status=400, content_type="text/plain")
    page = selectors.thread_before(conversation, cursor.cleaned_data["before"])
    context = {"conversation": conversation, "page": page, "thread": page.messages, **bubble_context(request, conversation)}
    return render(request, "messaging/_older.html", context)


@require_POST
@login_required
@permission_required(VIEW, raise_exception=True)
def conversation_read(request, pk: int):
    """The page shows the thread to its operator: clear unread and send the read receipt to Meta."""
    conversation = selectors.conversation_for_user(request.user, pk)
    if not reads_for_customers(request.user, conversation.phone_number):
        raise PermissionDenied("Only an Operator or Administrator of this number marks its messages read.")
    mark_conversation_seen(conversation=conversation)
    return HttpResponse(status=204)


@require_POST
@login_required
@permission_required(SEND, raise_exception=True)
def conversation_typing(request, pk: int):
    """The operator is typing: "typing…" on the customer's phone (rate-limited in the service)."""
    conversation = selectors.conversation_for_user(request.user, pk)
    signal_typing(conversation=conversation)
    return HttpResponse(status=204)


def thread_page_context(request, conversation, form=None) -> dict:
    """Everything the conversation page shows: sidebar, newest page of the thread, composer."""
    page = selectors.thread_latest(conversation)
    side = sidebar(request, active=conversation).context
    context = {
        **side,
        **compose_context(request, conversation, form),
        "page": page,
        "thread": page.messages,
        "window_state": _state(conversation.window_is_open()),
        "assignees": _with_presence(assignable_users(conversation)) if request.user.has_perm(SEND) else (),
        **bubble_context(request, conversation),
        **read_context(request, conversation),
        **team_context(request, conversation, full=True, account_labels=side["inbox_labels"]),
    }
    return context


def team_context(request, conversation, *, full: bool = False, account_labels=None) -> dict:
    """The thread header's state and labels (the poll swaps them in too, so a colleague's change
    shows); on the full page, the labels that can be added (from ``account_labels``, the sidebar's
    list, when given: no query of their own), and whether the user's mentions here are to be marked seen."""
    on_it = list(conversation.labels.order_by("name"))
    context = {"conversation_labels": on_it, "can_work": request.user.has_perm(SEND)}
    if full:
        taken = {label.pk for label in on_it}
        if account_labels is None:
            account_labels = Label.objects.filter(account_id=conversation.phone_number.account_id).order_by("name")
        context["addable_labels"] = [
            label for label in account_labels
            if label.account_id == conversation.phone_number.account_id and label.pk not in taken
        ]
        # The conversation is the user's already: no need to scope the mentions again.
        unseen = Mention.objects.filter(user=request.user, seen_at__isnull=True, note__conversation=conversation).exists()
        context["mentions_seen_url"] = (
            reverse("messaging:conversation-mentions-seen", args=[conversation.pk]) if unseen else ""
        )
        context["mentionable_url"] = reverse("messaging:conversation-mentionable", args=[conversation.pk])
    return context
def _with_presence(users) -> list:
    """The assign list's people, each with ``presence_status`` (online / away / offline), in the
    list's own query (the presence row joined)."""
    people = list(users.select_related("presence"))
    for person in people:
        person.presence_status = presence_of(person)
    return people


def bubble_context(request, conversation) -> dict:
    """What every bubble's Reply / React links need, worked out once per page."""
    return {
        "can_act": request.user.has_perm(SEND) and conversation.window_is_open(),
        "compose_url": reverse("messaging:conversation-compose", args=[conversation.pk]),
    }


def read_context(request, conversation) -> dict:
    """``read_url`` when the page should POST that the thread was seen (unread, or a receipt owed)."""
    owed = conversation.unread_count or needs_read_receipt(conversation)
    if owed and reads_for_customers(request.user, conversation.phone_number):
        return {"read_url": reverse("messaging:conversation-read", args=[conversation.pk])}
    return {"read_url": ""}


def _state(window_open: bool) -> str:
    return "open" if window_open else "closed"
