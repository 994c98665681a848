"""Contacts: the list, a contact's page (opt-out history, notes), and a new conversation by number."""

from urllib.parse import urlencode

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import accessible_phone_numbers
from accounts.query_params import parse_id

from .. import selectors
from ..forms import ContactNotesForm, NewConversationForm
from ..selectors.contacts import PAGE_SIZE
from ..services.contacts import existing_conversation, update_contact_notes
from ..url_names import url_or_blank
from ._console import SEND

VIEW_CONTACT = "messaging.view_contact"
MAX_PAGE = 10_000  # past that, search
CHANGE_CONTACT = "messaging.change_contact"


@login_required
@permission_required(VIEW_CONTACT, raise_exception=True)
def contact_list(request):
    q = request.GET.get("q", "")[:100]
    page = min(parse_id(request.GET.get("page")) or 1, MAX_PAGE)
    rows = list(selectors.contacts_for(request.user, q=q)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    context = {"contacts": rows[:PAGE_SIZE], "q": q, "page": page, "has_next": len(rows) > PAGE_SIZE}
    return render(request, "messaging/contact_list.html", context)


@login_required
@permission_required(VIEW_CONTACT, raise_exception=True)
def contact_detail(request, pk: int):
    contact = selectors.contact_for_user(request.user, pk)
    return render(request, "messaging/contact_detail.html", _contact_context(request, contact, ContactNotesForm(initial={"notes": contact.notes})))


@require_POST
@login_required
@permission_required(CHANGE_CONTACT, raise_exception=True)
def contact_notes(request, pk: int):
    contact = selectors.contact_for_user(request.user, pk)
    form = ContactNotesForm(request.POST)
    if form.is_valid():
        update_contact_notes(contact=contact, notes=form.cleaned_data["notes"])
        flash.success(request, "Notes saved.")
        return redirect("messaging:contact-detail", pk=pk)
    return render(request, "messaging/contact_detail.html", _contact_context(request, contact, form), status=400)


@login_required
@permission_required(SEND, raise_exception=True)
def conversation_new(request):
    """A customer's number → their conversation if its window is open, else a template to start it."""
    form = NewConversationForm(request.POST or None, numbers=accessible_phone_numbers(request.user).order_by("display_phone_number"))
    if request.method != "POST":
        return render(request, "messaging/conversation_new.html", {"form": form})
    if form.is_valid():
        wa_id, phone = form.cleaned_data["to"], form.cleaned_data["phone_number"]
        conversation = existing_conversation(wa_id=wa_id, phone_number=phone)
        if conversation is not None and conversation.window_is_open():
            return redirect("messaging:conversation-detail", pk=conversation.pk)
        start = _template_start_url(wa_id, phone.pk)
        if start:
            return redirect(start)
        form.add_error(None, "Starting a conversation needs an approved template, and templates are not available here yet.")
    return render(request, "messaging/conversation_new.html", {"form": form}, status=400)


def _contact_context(request, contact, form) -> dict:
    # Another account's number would write to another account's contact, not this one.
    numbers = accessible_phone_numbers(request.user).filter(account_id=contact.account_id)
    return {
        "contact": contact,
        "form": form,
        "events": contact.events.select_related("webhook_event")[:50],
        "conversations": contact.conversations.filter(phone_number__in=numbers).select_related("phone_number"),
        "numbers": numbers,
    }


def _template_start_url(wa_id: str, phone_pk: int) -> str:
    base = url_or_blank("templates_mgr:conversation-start")
    if not base:
        return ""
    return f"{base}?{urlencode({'to': '+' + wa_id, 'phone_number': phone_pk})}"
