"""Inbound messages: one row per wamid, the contact and conversation kept current."""

from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Greatest

from accounts.models import PhoneNumber

from ..models import Conversation, Message
from .contacts import conversation_for, upsert_contact
from .payloads import InvalidPayload, as_dict, parse_timestamp, required_str

# Where each type keeps the words a person would search for.
_TEXT_KEYS = {"text": "body", "image": "caption", "video": "caption", "document": "caption", "button": "text"}


@transaction.atomic
def record_inbound_message(
    *, phone_number: PhoneNumber, message: dict[str, Any], profile_name: str = ""
) -> tuple[Message, bool]:
    """Store one ``messages[]`` object; returns (message, created). A repeat changes nothing."""
    if not isinstance(message, dict):
        raise InvalidPayload("a message is not an object")
    wamid = required_str(message, "id")
    wa_id = required_str(message, "from", max_length=32)
    kind = required_str(message, "type", max_length=32)
    sent_at = parse_timestamp(message.get("timestamp"))

    existing = Message.objects.filter(wamid=wamid).first()
    if existing is not None:
        return existing, False
    contact = upsert_contact(wa_id=wa_id, name=profile_name)
    conversation = conversation_for(contact=contact, phone_number=phone_number)
    payload = as_dict(message.get(kind))
    record = Message.objects.create(
        wamid=wamid,
        conversation=conversation,
        direction=Message.Direction.INBOUND,
        type=kind,
        payload=payload,
        text=str(payload.get(_TEXT_KEYS.get(kind, "body")) or ""),
        context_wamid=str(as_dict(message.get("context")).get("id") or "")[:255],
        status=Message.Status.RECEIVED,
        meta_timestamp=sent_at,
        created_at=sent_at,
    )
    # Greatest() keeps the newest time when webhooks arrive out of order or are replayed.
    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=Greatest(Coalesce(F("last_inbound_at"), sent_at), sent_at),
        last_message_at=Greatest(F("last_message_at"), sent_at),
        unread_count=F("unread_count") + 1,
    )
    return record, True
