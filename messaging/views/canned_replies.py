"""Canned replies: the account's shared ones (Settings, administrators), each operator's own (the
console), and the composer's ``/`` list for one conversation (JSON, rendered for its contact)."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.access import accessible_accounts
from accounts.views._settings import settings_page

from .. import selectors
from ..forms.canned_replies import CannedReplyForm
from ..models import CannedReply
from ..services.canned_replies import delete_canned_reply, picker_entries, save_canned_reply
from ._console import SEND

# The two places the same pages live: who owns the replies, the page around them, the URL names.
_SHARED = {"personal": False, "base": "accounts/settings/base.html", "names": "canned-replies:"}
_PERSONAL = {"personal": True, "base": "messaging/canned_replies/console_base.html", "names": "messaging:canned-reply-"}


def _console_page(view):
    return login_required(permission_required(SEND, raise_exception=True)(view))


def _replies(request, scope):
    replies = CannedReply.objects.filter(account__in=accessible_accounts(request.user)).select_related("account")
    return replies.filter(owner=request.user) if scope["personal"] else replies.filter(owner__isnull=True)


def _list(request, scope):
    context = {"replies": _replies(request, scope), **_scope_context(scope)}
    return render(request, "messaging/canned_replies/list.html", context)


def _edit(request, scope, pk=None):
    reply = get_object_or_404(_replies(request, scope), pk=pk) if pk else CannedReply(
        owner=request.user if scope["personal"] else None)
    form = CannedReplyForm(request.POST or None, instance=reply, user=request.user, personal=scope["personal"])
    if request.method == "POST" and form.is_valid():
        try:
            save_canned_reply(actor=request.user, reply=form.save(commit=False))
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            flash.success(request, f"Saved /{reply.code}.")
            return redirect(f"{scope['names']}list")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "messaging/canned_replies/form.html", {"form": form, "reply": reply, **_scope_context(scope)},
                  status=status)


def _delete(request, scope, pk):
    reply = get_object_or_404(_replies(request, scope), pk=pk)
    if request.method == "POST":
        delete_canned_reply(actor=request.user, reply=reply)
        flash.success(request, f"Deleted /{reply.code}.")
        return redirect(f"{scope['names']}list")
    return render(request, "messaging/canned_replies/delete.html", {"reply": reply, **_scope_context(scope)})


def _scope_context(scope) -> dict:
    return {"personal": scope["personal"], "base_template": scope["base"], "names": scope["names"]}


@settings_page
def shared_list(request):
    return _list(request, _SHARED)


@settings_page
def shared_edit(request, pk=None):
    return _edit(request, _SHARED, pk)


@settings_page
def shared_delete(request, pk):
    return _delete(request, _SHARED, pk)


@_console_page
def personal_list(request):
    return _list(request, _PERSONAL)


@_console_page
def personal_edit(request, pk=None):
    return _edit(request, _PERSONAL, pk)


@_console_page
def personal_delete(request, pk):
    return _delete(request, _PERSONAL, pk)


@_console_page
def conversation_canned_replies(request, pk: int):
    """The composer's ``/`` list: every reply the operator may use here, filled in for this contact.
    409 with the reason when the window is closed (a canned reply is free text)."""
    conversation = selectors.conversation_for_user(request.user, pk)
    try:
        entries = picker_entries(user=request.user, conversation=conversation)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages), "replies": []}, status=409)
    return JsonResponse({"replies": entries})

