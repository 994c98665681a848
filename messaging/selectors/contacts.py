"""Contacts a user may see: those of the business accounts where they hold a number
(administrators: every account's). A contact is one account's, so another account's customer
with the same number is another row, never shown here."""

import re

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.access import accessible_accounts

from ..models import Contact, Label

PAGE_SIZE = 50


def contacts_for(user, *, q: str = "", label: int | None = None) -> QuerySet[Contact]:
    """Contacts ``user`` may see, by name, optionally searched by name or number, or tagged ``label``."""
    contacts = Contact.objects.filter(account__in=accessible_accounts(user))
    if label:
        contacts = contacts.filter(labels__id=label)
    q = (q or "").strip()
    if q:
        match = Q(name__icontains=q)
        digits = re.sub(r"\D", "", q)
        if len(digits) >= 3:
            match |= Q(wa_id__contains=digits)
        contacts = contacts.filter(match)
    return contacts.select_related("account").order_by("name", "wa_id", "pk")


def contact_for_user(user, pk: int) -> Contact:
    """The contact if ``user`` may see it; 404 otherwise."""
    contact = contacts_for(user).filter(pk=pk).first()
    if contact is None:
        raise Http404("No such contact.")
    return contact


def labels_for(user) -> QuerySet[Label]:
    """Labels of the accounts ``user`` may see, for the contact list's filter."""
    return Label.objects.filter(account__in=accessible_accounts(user)).select_related("account").order_by("name", "pk")
