"""Inbound messages: one row per wamid, the contact and conversation kept current.

Every type Meta sends is stored (unknown ones as they are) with its object in ``payload`` and
its words in ``text``; then the type's effect is applied: a reaction, edit or revoke changes
the message it refers to, a flow completion becomes a ``FlowResponse``, a changed number moves
the contact, and STOP / START change the marketing preference.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Greatest

from accounts.models import PhoneNumber
from cloudapi.webhook_payloads import InvalidPayload, as_dict, as_list, first_error, parse_timestamp, required_str, text_of

from ..models import ContactEvent, Conversation, Message, WebhookEvent
from .contacts import (
    change_contact_number,
    conversation_for,
    keyword_preference,
    set_marketing_preference,
    upsert_contact,
)
from .flows import record_flow_response
from .last_message import QUIET_TYPES, note_last_message
from .media import register_inbound_file
from .message_content import display_text, payload_of
from .message_updates import UPDATE_TYPES, apply_pending_updates, apply_update, target_wamid_of

# A reaction is shown on the row but is nothing new to read.
_NOT_UNREAD = (*QUIET_TYPES, "reaction")


@transaction.atomic
def record_inbound_message(
    *,
    phone_number: PhoneNumber,
    message: dict[str, Any],
    profile_name: str = "",
    user_id: str = "",
    event: WebhookEvent | None = None,
) -> tuple[Message, bool]:
    """Store one ``messages[]`` object and apply its effect; returns (message, created).

    The sender is a contact of the account of ``phone_number`` (the number they wrote to).
    A repeat (same wamid, in any batch) changes nothing.
    """
    if not isinstance(message, dict):
        raise InvalidPayload("a message is not an object")
    wamid = required_str(message, "id")
    wa_id = required_str(message, "from", max_length=32)
    kind = required_str(message, "type", max_length=32)
    sent_at = parse_timestamp(message.get("timestamp"))
    context = as_dict(message.get("context"))

    existing = Message.objects.filter(wamid=wamid).first()
    if existing is not None:
        return existing, False
    contact = upsert_contact(account=phone_number.account, wa_id=wa_id, name=profile_name, user_id=user_id)
    conversation = conversation_for(contact=contact, phone_number=phone_number)
    payload = payload_of(kind, message)
    errors = as_list(message.get("errors"))
    error_code, error_title, error_details = first_error(errors)
    try:
        with transaction.atomic():
            record = Message.objects.create(
                wamid=wamid,
                conversation=conversation,
                direction=Message.Direction.INBOUND,
                type=kind,
                payload=payload,
                text=display_text(kind, payload),
                context_wamid=text_of(context.get("id"), max_length=255),
                context=context,
                referral=as_dict(message.get("referral")),
                errors=errors,
                error_code=error_code,
                error_title=error_title,
                error_details=error_details,
                target_wamid=target_wamid_of(kind, message),
                status=Message.Status.RECEIVED,
                meta_timestamp=sent_at,
                created_at=sent_at,
            )
    except IntegrityError:  # another worker stored the same wamid a moment ago
        return Message.objects.get(wamid=wamid), False
    _touch_conversation(conversation, kind, sent_at)
    note_last_message(message=record)
    _apply_effect(record, event)
    return record, True


def _touch_conversation(conversation: Conversation, kind: str, sent_at) -> None:
    # Greatest() keeps the newest time when webhooks arrive out of order or are replayed.
    changes: dict[str, Any] = {}
    if kind != "system":  # a notice from WhatsApp, not the customer writing
        changes["last_inbound_at"] = Greatest(Coalesce(F("last_inbound_at"), sent_at), sent_at)
    if kind not in _NOT_UNREAD:
        changes["unread_count"] = F("unread_count") + 1
    if changes:
        Conversation.objects.filter(pk=conversation.pk).update(**changes)


def _apply_effect(record: Message, event: WebhookEvent | None) -> None:
    payload = as_dict(record.payload)
    register_inbound_file(record)
    if record.type in UPDATE_TYPES:
        apply_update(record)
    elif record.type == "interactive" and payload.get("type") == "nfm_reply":
        record_flow_response(message=record, nfm_reply=as_dict(payload.get("nfm_reply")))
    elif record.type == "system" and payload.get("type") == "user_changed_number":
        new_wa_id = text_of(payload.get("wa_id") or payload.get("new_wa_id"), max_length=32)
        change_contact_number(
            contact=record.conversation.contact,
            new_wa_id=new_wa_id,
            occurred_at=record.meta_timestamp,
            detail=record.text,
            webhook_event=event,
        )
    elif record.type == "text":
        stop = keyword_preference(record.text)
        if stop is not None:
            set_marketing_preference(
                contact=record.conversation.contact,
                stop=stop,
                occurred_at=record.meta_timestamp,
                source=ContactEvent.Source.KEYWORD,
                detail=f"Wrote “{record.text.strip()[:20]}”",
                details={"wamid": record.wamid},
                webhook_event=event,
            )
    apply_pending_updates(record)
