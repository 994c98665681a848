"""Contacts: the list (search, label filter), a contact's page (attributes, labels, consent with its
reason and history, notes), and a new conversation by number."""

from urllib.parse import urlencode

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import accessible_phone_numbers
from accounts.query_params import parse_id

from .. import selectors
from ..forms import ContactConsentForm, ContactNotesForm, ContactProfileForm, NewConversationForm
from ..selectors.contacts import PAGE_SIZE, labels_for
from ..services.consent import consent_reasons, set_consent_manually
from ..services.contact_profile import update_contact_profile
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
    labels = list(labels_for(request.user))
    label = parse_id(request.GET.get("label"))
    label = label if any(option.pk == label for option in labels) else None
    found = selectors.contacts_for(request.user, q=q, label=label).prefetch_related("labels")
    rows = list(found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    contacts = rows[:PAGE_SIZE]
    reasons = consent_reasons(contacts)
    for contact in contacts:
        contact.consent_reason = reasons.get(contact.pk, "")
    context = {"contacts": contacts, "q": q, "page": page, "has_next": len(rows) > PAGE_SIZE,
               "labels": labels, "label": label, "several_accounts": len({o.account_id for o in labels}) > 1}
    return render(request, "messaging/contact_list.html", context)


@login_required
@permission_required(VIEW_CONTACT, raise_exception=True)
def contact_detail(request, pk: int):
    contact = selectors.contact_for_user(request.user, pk)
    return render(request, "messaging/contact_detail.html", _contact_context(request, contact))


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
    return render(request, "messaging/contact_detail.html", _contact_context(request, contact, form=form), status=400)


@require_POST
@login_required
@permission_required(CHANGE_CONTACT, raise_exception=True)
def contact_profile(request, pk: int):
    """Attributes and labels (new labels typed are made in the contact's account)."""
    contact = selectors.contact_for_user(request.user, pk)
    form = ContactProfileForm(request.POST, contact=contact)
    if form.is_valid():
        data = form.cleaned_data
        update_contact_profile(contact=contact, user=request.user, attributes=data["attributes"],
                               labels=list(data["labels"]), new_labels=data["new_labels"])
        flash.success(request, "Attributes and labels saved.")
        return redirect("messaging:contact-detail", pk=pk)
    return render(request, "messaging/contact_detail.html", _contact_context(request, contact, profile_form=form), status=400)


@require_POST
@login_required
@permission_required(CHANGE_CONTACT, raise_exception=True)
def contact_consent(request, pk: int):
    """Opt the contact out of marketing, or back in, with a reason (audited)."""
    contact = selectors.contact_for_user(request.user, pk)
    form = ContactConsentForm(request.POST)
    if form.is_valid():
        try:
            set_consent_manually(contact=contact, user=request.user, opted_out=form.cleaned_data["opted_out"],
                                 reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            flash.success(request, "Opted out of marketing." if form.cleaned_data["opted_out"] else "Opted back in to marketing.")
            return redirect("messaging:contact-detail", pk=pk)
    return render(request, "messaging/contact_detail.html", _contact_context(request, contact, consent_form=form), status=400)


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


def _contact_context(request, contact, *, form=None, profile_form=None, consent_form=None) -> dict:
    # Another account's number would write to another account's contact, not this one.
    numbers = accessible_phone_numbers(request.user).filter(account_id=contact.account_id)
    lines = "\n".join(f"{name}: {value}" for name, value in sorted((contact.attributes or {}).items()))
    return {
        "contact": contact,
        "form": form or ContactNotesForm(initial={"notes": contact.notes}),
        "profile_form": profile_form or ContactProfileForm(
            contact=contact, initial={"attributes": lines, "labels": list(contact.labels.all())}),
        "consent_form": consent_form or ContactConsentForm(initial={"opted_out": "0" if contact.opted_out else "1"}),
        "consent_reason": consent_reasons([contact]).get(contact.pk, ""),
        "attributes": sorted((contact.attributes or {}).items()),
        "contact_labels": list(contact.labels.all()),
        "events": contact.events.select_related("webhook_event")[:50],
        "conversations": contact.conversations.filter(phone_number__in=numbers).select_related("phone_number"),
        "numbers": numbers,
    }


def _template_start_url(wa_id: str, phone_pk: int) -> str:
    base = url_or_blank("templates_mgr:conversation-start")
    if not base:
        return ""
    return f"{base}?{urlencode({'to': '+' + wa_id, 'phone_number': phone_pk})}"
