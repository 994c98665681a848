"""Contacts and conversations: finding or creating them from what Meta or an operator gives."""

import phonenumbers
from django.core.exceptions import ValidationError

from accounts.models import PhoneNumber

from ..models import Contact, Conversation


def normalise_wa_id(raw: str) -> str:
    """Digits with country code, as Meta wants them; a clear ``ValidationError`` otherwise."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError("Enter a phone number with its country code, e.g. +44 7700 900123.")
    candidate = text if text.startswith("+") else "+" + text.lstrip("0")
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"“{text}” is not a phone number. Use the country code, e.g. +44 7700 900123.") from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(f"“{text}” has the wrong number of digits for its country.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def upsert_contact(*, wa_id: str, name: str = "") -> Contact:
    """The contact for ``wa_id``; a profile name from a webhook replaces the stored one."""
    contact, created = Contact.objects.get_or_create(wa_id=wa_id, defaults={"name": name})
    if not created and name and contact.name != name:
        contact.name = name
        contact.save(update_fields=["name", "updated_at"])
    return contact


def conversation_for(*, contact: Contact, phone_number: PhoneNumber) -> Conversation:
    conversation, _ = Conversation.objects.get_or_create(contact=contact, phone_number=phone_number)
    return conversation
