"""Contacts and conversations: finding or creating them from what Meta or an operator gives,
following a customer who changed number, and their marketing opt-out."""

from datetime import datetime

import phonenumbers
from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.functions import Greatest

from accounts.models import BusinessAccount, PhoneNumber

from ..models import Contact, ContactEvent, Conversation, Message, WebhookEvent
from .last_message import refresh_last_messages

# Exact words (trimmed, any case) that change the marketing preference from inside a chat.
STOP_KEYWORDS = frozenset({"STOP", "UNSUBSCRIBE"})
RESUME_KEYWORDS = frozenset({"START"})


def normalise_wa_id(raw: str) -> str:
    """Digits with country code, as Meta wants them; a clear ``ValidationError`` otherwise."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError("Enter a phone number with its country code, e.g. +44 7700 900123.")
    candidate = text if text.startswith("+") else "+" + text.lstrip("0")
    # Typed without "+" or "00", the first digits were only assumed to be a country code: when that
    # fails, the likely mistake is a missing country code, not a miscount of digits.
    international = text.startswith(("+", "00"))
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"“{text}” is not a phone number. Use the country code, e.g. +44 7700 900123.") from None
    if not phonenumbers.is_possible_number(number):
        if not international:
            raise ValidationError(_missing_country_code(text))
        raise ValidationError(f"“{text}” has the wrong number of digits for its country.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def _missing_country_code(text: str) -> str:
    return f"“{text}” has no country code: add the country code, e.g. +1 415 555 0199."


def upsert_contact(*, account: BusinessAccount, wa_id: str, name: str = "", user_id: str = "") -> Contact:
    """``account``'s contact for ``wa_id``; a profile name or business-scoped user id from a
    webhook replaces the stored one. Another account's contact with the same ``wa_id`` is a
    different row and is never touched."""
    contact, created = Contact.objects.get_or_create(
        account=account, wa_id=wa_id, defaults={"name": name, "user_id": user_id}
    )
    changes = {field: value for field, value in (("name", name), ("user_id", user_id))
               if value and getattr(contact, field) != value}
    if not created and changes:
        for field, value in changes.items():
            setattr(contact, field, value)
        contact.save(update_fields=[*changes, "updated_at"])
    return contact


def record_user_ids(*, account: BusinessAccount, user_ids: dict[str, str]) -> None:
    """Keep Meta's business-scoped user ids (``wa_id`` → ``user_id``) on ``account``'s existing
    contacts; a status webhook names the customer but does not make them a contact."""
    for wa_id, user_id in user_ids.items():
        if user_id:
            Contact.objects.filter(account=account, wa_id=wa_id).exclude(user_id=user_id).update(user_id=user_id)


def conversation_for(*, contact: Contact, phone_number: PhoneNumber) -> Conversation:
    """The conversation between ``contact`` and ``phone_number``, created if new; both must be of one account."""
    if contact.account_id != phone_number.account_id:
        raise ValueError("A conversation joins a number and a contact of the same business account.")
    conversation, _ = Conversation.objects.get_or_create(contact=contact, phone_number=phone_number)
    return conversation


def keyword_preference(text: str) -> bool | None:
    """``True`` (stop) / ``False`` (resume) when ``text`` is exactly an opt-out keyword, else ``None``."""
    word = (text or "").strip().upper()
    if word in STOP_KEYWORDS:
        return True
    if word in RESUME_KEYWORDS:
        return False
    return None


def set_marketing_preference(
    *,
    contact: Contact,
    stop: bool,
    occurred_at: datetime,
    source: str,
    detail: str = "",
    details: dict | None = None,
    webhook_event: WebhookEvent | None = None,
) -> ContactEvent:
    """Record a marketing stop/resume on the contact's timeline and apply it if it is the newest.

    Preferences are applied by Meta's time, never by arrival: a late, older ``stop`` does not
    undo a newer ``resume``. The same change delivered again adds nothing.
    """
    kind = ContactEvent.Kind.MARKETING_STOP if stop else ContactEvent.Kind.MARKETING_RESUME
    record = ContactEvent.objects.filter(contact=contact, kind=kind, source=source, occurred_at=occurred_at).first()
    if record is None:
        record = ContactEvent.objects.create(
            contact=contact,
            kind=kind,
            source=source,
            detail=detail[:255],
            details=details or {},
            occurred_at=occurred_at,
            webhook_event=webhook_event,
        )
    newest = (
        contact.events.filter(kind__in=[ContactEvent.Kind.MARKETING_STOP, ContactEvent.Kind.MARKETING_RESUME])
        .order_by("-occurred_at", "-id")
        .first()
    )
    if newest == record and (contact.opted_out != stop or (stop and contact.opted_out_at is None)):
        contact.opted_out = stop
        contact.opted_out_at = occurred_at if stop else None
        contact.save(update_fields=["opted_out", "opted_out_at", "updated_at"])
    return record


def change_contact_number(
    *, contact: Contact, new_wa_id: str, occurred_at: datetime, detail: str = "", webhook_event=None
) -> Contact:
    """The customer moved to ``new_wa_id``: their conversations follow them; history is kept.

    Within the contact's account only: if nobody there has the new number yet, the contact simply
    takes it. If a contact of that account with the new number exists already (they wrote from
    it before the change was announced), the old contact's conversations, messages and timeline
    move to it, and the old row stays, empty, with the change on its timeline. Returns the contact that now holds the number.
    """
    if not new_wa_id or new_wa_id == contact.wa_id:
        return contact
    old_wa_id = contact.wa_id
    details = {"old_wa_id": old_wa_id, "new_wa_id": new_wa_id, "body": detail}
    note = f"+{old_wa_id} → +{new_wa_id}"
    target = Contact.objects.filter(account_id=contact.account_id, wa_id=new_wa_id).first()
    if target is None:
        contact.wa_id = new_wa_id
        contact.save(update_fields=["wa_id", "updated_at"])
        target = contact
    else:
        _merge_contact(source=contact, target=target)
        ContactEvent.objects.create(
            contact=contact, kind=ContactEvent.Kind.NUMBER_CHANGED, source=ContactEvent.Source.SYSTEM_MESSAGE,
            detail=note, details=details, occurred_at=occurred_at, webhook_event=webhook_event,
        )
    ContactEvent.objects.create(
        contact=target, kind=ContactEvent.Kind.NUMBER_CHANGED, source=ContactEvent.Source.SYSTEM_MESSAGE,
        detail=note, details=details, occurred_at=occurred_at, webhook_event=webhook_event,
    )
    return target


def _merge_contact(*, source: Contact, target: Contact) -> None:
    for conversation in Conversation.objects.filter(contact=source):
        existing = Conversation.objects.filter(contact=target, phone_number_id=conversation.phone_number_id).first()
        if existing is None:
            conversation.contact = target
            conversation.save(update_fields=["contact"])
            continue
        Message.objects.filter(conversation=conversation).update(conversation=existing)
        Conversation.objects.filter(pk=existing.pk).update(
            unread_count=F("unread_count") + conversation.unread_count,
            last_message_at=Greatest(F("last_message_at"), conversation.last_message_at),
        )
        if conversation.last_inbound_at and (
            existing.last_inbound_at is None or existing.last_inbound_at < conversation.last_inbound_at
        ):
            Conversation.objects.filter(pk=existing.pk).update(last_inbound_at=conversation.last_inbound_at)
        conversation.delete()
        refresh_last_messages(conversations=Conversation.objects.filter(pk=existing.pk))
    source.events.update(contact=target)
    source.flow_responses.update(contact=target)
    if source.opted_out and not target.opted_out:
        target.opted_out, target.opted_out_at = True, source.opted_out_at
    if not target.name and source.name:
        target.name = source.name
    target.save(update_fields=["opted_out", "opted_out_at", "name", "updated_at"])


def update_contact_notes(*, contact: Contact, notes: str) -> Contact:
    """Replace the operators' notes on ``contact``."""
    contact.notes = (notes or "").strip()
    contact.save(update_fields=["notes", "updated_at"])
    return contact


def existing_conversation(*, wa_id: str, phone_number: PhoneNumber) -> Conversation | None:
    """The conversation between ``wa_id`` and ``phone_number`` if there is one already."""
    return Conversation.objects.filter(
        contact__account_id=phone_number.account_id, contact__wa_id=wa_id, phone_number=phone_number
    ).first()
