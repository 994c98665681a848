"""The inbox (filtered, searched, polled) and assigning a conversation."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import selectors
from ..forms import AssignForm
from ..services.assignment import assign_conversation, assignable_users
from ._console import SEND, VIEW, sidebar


@login_required
@permission_required(VIEW, raise_exception=True)
def inbox(request):
    """The conversation list; htmx asks for the list alone (filters, the 2-second poll)."""
    side = sidebar(request)
    template = "messaging/_conversation_list.html" if request.htmx else "messaging/inbox.html"
    return render(request, template, side.context, status=200 if side.valid else 400)


@require_POST
@login_required
@permission_required(SEND, raise_exception=True)
def conversation_assign(request, pk: int):
    conversation = selectors.conversation_for_user(request.user, pk)
    form = AssignForm(request.POST, user=request.user, candidates=assignable_users(conversation))
    target = reverse("messaging:conversation-detail", args=[pk])
    if form.is_valid():
        try:
            assign_conversation(conversation=conversation, assignee=form.cleaned_data["assignee"], actor=request.user)
        except ValidationError as exc:
            form.add_error("assignee", exc)
        else:
            who = conversation.assigned_to
            flash.success(request, f"Assigned to {who.get_username()}." if who else "Nobody is assigned now.")
            return redirect(target)
    problem = " ".join(form.errors.get("assignee", ["That assignment is not possible."]))
    return render(request, "messaging/problem.html", {"problem": problem, "back": target}, status=400)
