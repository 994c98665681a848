"""Contacts an operator may see: those with a conversation on one of the numbers they work."""

import re

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.access import accessible_phone_numbers

from ..models import Contact, Conversation

PAGE_SIZE = 50


def contacts_for(user, *, q: str = "") -> QuerySet[Contact]:
    """Contacts ``user`` may see, by name, optionally searched by name or number."""
    visible = Exists(
        Conversation.objects.filter(contact=OuterRef("pk"), phone_number__in=accessible_phone_numbers(user))
    )
    contacts = Contact.objects.filter(visible)
    q = (q or "").strip()
    if q:
        match = Q(name__icontains=q)
        digits = re.sub(r"\D", "", q)
        if len(digits) >= 3:
            match |= Q(wa_id__contains=digits)
        contacts = contacts.filter(match)
    return contacts.order_by("name", "wa_id", "pk")


def contact_for_user(user, pk: int) -> Contact:
    """The contact if ``user`` may see it; 404 otherwise."""
    contact = contacts_for(user).filter(pk=pk).first()
    if contact is None:
        raise Http404("No such contact.")
    return contact
