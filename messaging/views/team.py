"""The team's work on conversations: states, labels, private notes and mentions, bulk actions.

Every view scopes the conversation (or the selected rows) to the numbers the user may work
(``selectors.conversation_for_user`` / ``inbox_for``): another number's conversation is a 404,
and a bulk selection holding one is refused whole.
"""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import selectors
from ..forms import BulkForm, LabelChoiceForm, NoteForm, StateForm
from ..forms.inbox import AssignForm
from ..models import Label
from ..services import labels as label_service
from ..services.assignment import assign_conversations, assignable_users
from ..services.conversation_states import set_conversation_state, set_conversation_states
from ..services.notes import add_note, mark_mentions_seen, mentionable_users
from ._console import SEND, VIEW

_STATE_DONE = {"open": "Reopened.", "pending": "Marked pending: waiting on the customer.",
               "snoozed": "Snoozed until {until}.", "resolved": "Resolved."}


def _problem(request, problem: str, back: str):
    return render(request, "messaging/problem.html", {"problem": problem, "back": back}, status=400)


@require_POST
@login_required
@permission_required(SEND, raise_exception=True)
def conversation_state(request, pk: int):
    """Open, pending, snoozed (until a time) or resolved, from the thread's header."""
    conversation = selectors.conversation_for_user(request.user, pk)
    back = reverse("messaging:conversation-detail", args=[pk])
    form = StateForm(request.POST)
    if not form.is_valid():
        return _problem(request, " ".join(e for errors in form.errors.values() for e in errors), back)
    try:
        set_conversation_state(conversation=conversation, state=form.cleaned_data["state"], actor=request.user,
                               snoozed_until=form.cleaned_data.get("snoozed_until"))
    except ValidationError as exc:
        return _problem(request, " ".join(exc.messages), back)
    until = conversation.snoozed_until
    flash.success(request, _STATE_DONE[conversation.state].format(until=f"{until:%Y-%m-%d %H:%M}" if until else ""))
    return redirect(back)


@require_POST
@login_required
@permission_required(SEND, raise_exception=True)
def conversation_label_add(request, pk: int):
    return _change_label(request, pk, add=True)


@require_POST
@login_required
@permission_required(SEND, raise_exception=True)
def conversation_label_remove(request, pk: int):
    return _change_label(request, pk, add=False)


def _change_label(request, pk: int, *, add: bool):
    conversation = selectors.conversation_for_user(request.user, pk)
    back = reverse("messaging:conversation-detail", args=[pk])
    form = LabelChoiceForm(request.POST)
    if not form.is_valid():
        return _problem(request, " ".join(form.errors.get("label", ["Choose a label."])), back)
    # Only the conversation's own account's labels: another account's label is "no such label".
    label = Label.objects.filter(pk=form.cleaned_data["label"], account_id=conversation.phone_number.account_id).first()
    if label is None:
        return _problem(request, "No such label for this conversation's account.", back)
    if add:
        label_service.add_label(conversation=conversation, label=label, actor=request.user)
    else:
        label_service.remove_label(conversation=conversation, label=label, actor=request.user)
    return redirect(back)


@require_POST
@login_required
@permission_required(SEND, raise_exception=True)
def conversation_note(request, pk: int):
    """A private note in the thread (``@name`` mentions a colleague): stored, never sent."""
    conversation = selectors.conversation_for_user(request.user, pk)
    back = reverse("messaging:conversation-detail", args=[pk])
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _problem(request, " ".join(form.errors.get("note", ["Write the note first."])), back)
    try:
        note = add_note(conversation=conversation, author=request.user, body=form.cleaned_data["note"])
    except ValidationError as exc:
        return _problem(request, " ".join(exc.messages), back)
    mentioned = note.mentions.count()
    flash.success(request, "Note added (only your team sees it)." + (f" {mentioned} colleague{'s' if mentioned != 1 else ''} notified." if mentioned else ""))
    return redirect(f"{back}#note-{note.pk}")


@login_required
@permission_required(VIEW, raise_exception=True)
def conversation_mentionable(request, pk: int):
    """Who a note in this conversation can ``@mention`` (the composer's autocomplete), as JSON."""
    conversation = selectors.conversation_for_user(request.user, pk)
    start = request.GET.get("q", "")[:150]
    users = mentionable_users(conversation).filter(username__istartswith=start).exclude(pk=request.user.pk)
    names = [{"username": u.get_username(), "name": u.get_full_name()} for u in users[:10]]
    return JsonResponse({"users": names})


@require_POST
@login_required
@permission_required(VIEW, raise_exception=True)
def conversation_mentions_seen(request, pk: int):
    """The user opened the thread: their mentions in it are seen (POSTed by the page, never a GET)."""
    conversation = selectors.conversation_for_user(request.user, pk)
    mark_mentions_seen(user=request.user, conversation=conversation)
    return HttpResponse(status=204)


@login_required
@permission_required(VIEW, raise_exception=True)
def mention_list(request):
    """The notes that mention the user, newest first; the unseen ones marked."""
    return render(request, "messaging/mention_list.html", {"mentions": selectors.mentions_for(request.user)})


@require_POST
@login_required
@permission_required(SEND, raise_exception=True)
def inbox_bulk(request):
    """Resolve, reopen, mark pending, assign or label the selected rows: all of them or none."""
    back = reverse("messaging:inbox") + (f"?{request.POST['filters']}" if request.POST.get("filters", "").isprintable()
                                         and request.POST.get("filters") else "")
    form = BulkForm(request.POST)
    if not form.is_valid():
        return _problem(request, " ".join(e for errors in form.errors.values() for e in errors), back)
    ids, action = form.cleaned_data["ids"], form.cleaned_data["action"]
    conversations = list(selectors.inbox_for(request.user).filter(pk__in=ids))
    if len(conversations) != len(ids):
        return _problem(request, "Some of the selected conversations are not yours to change: nothing was changed.",
                        back)
    try:
        count = _bulk(request, conversations, action, form.cleaned_data)
    except ValidationError as exc:
        return _problem(request, " ".join(exc.messages) + " Nothing was changed.", back)
    flash.success(request, f"{count} of {len(conversations)} conversation{'s' if len(conversations) != 1 else ''} changed.")
    return redirect(back)


def _bulk(request, conversations, action: str, data) -> int:
    if action in ("resolve", "open", "pending"):
        state = {"resolve": "resolved", "open": "open", "pending": "pending"}[action]
        return len(set_conversation_states(conversations=conversations, state=state, actor=request.user))
    if action == "assign":
        form = AssignForm({"assignee": data.get("assign_to")}, user=request.user,
                          candidates=assignable_users(conversations[0]))
        if not form.is_valid():
            raise ValidationError(form.errors["assignee"])
        before = [c.assigned_to_id for c in conversations]
        assign_conversations(conversations=conversations, assignee=form.cleaned_data["assignee"], actor=request.user)
        target = form.cleaned_data["assignee"].pk if form.cleaned_data["assignee"] else None
        return sum(1 for was in before if was != target)
    label = Label.objects.filter(pk=data["label"]).first()
    if label is None:
        raise ValidationError("No such label.")
    return len(label_service.add_label_to_conversations(conversations=conversations, label=label, actor=request.user))
