"""The ``messages`` field: inbound messages, statuses of ours, and errors not tied to a message."""

from typing import Any

from accounts.models import PhoneNumber
from cloudapi.webhook_payloads import as_dict, entry_time, optional_list, text_of

from ..models import WebhookEvent
from ..services.account_events import record_webhook_errors
from ..services.inbound import record_inbound_message
from ..services.statuses import apply_status
from .errors import UnknownPhoneNumber


def handle_messages(*, value: dict[str, Any], entry: dict[str, Any], event: WebhookEvent) -> list[str]:
    """Store inbound messages, apply statuses, record ``value.errors`` as account warnings.

    Returns the parts kept without being applied: system notices that name no sender.
    """
    phone = _phone_of(value)
    messages = optional_list(value, "messages")
    statuses = optional_list(value, "statuses")
    errors = optional_list(value, "errors")
    names = _profile_names(optional_list(value, "contacts"))
    kept: list[str] = []
    for message in messages:
        if _is_senderless_notice(message):
            # e.g. user_changed_user_id: no "from", so no conversation to put it in; the raw
            # event keeps it and the admin shows it among the event's unhandled parts.
            kept.append(f"messages:system:{text_of(as_dict(message.get('system')).get('type'))}"[:64])
            continue
        sender = message.get("from") if isinstance(message, dict) else None
        name = names.get(sender[:32], "") if isinstance(sender, str) else ""
        record_inbound_message(phone_number=phone, message=message, profile_name=name, event=event)
    for status in statuses:
        apply_status(status=status, event=event)
    if errors:
        record_webhook_errors(
            errors=errors, phone_number=phone, occurred_at=entry_time(entry) or event.received_at, event=event
        )
    return kept


def _phone_of(value: dict[str, Any]) -> PhoneNumber:
    phone_number_id = text_of(as_dict(value.get("metadata")).get("phone_number_id"), max_length=64)
    phone = None
    if phone_number_id:
        phone = PhoneNumber.objects.select_related("account").filter(phone_number_id=phone_number_id).first()
    if phone is None:
        raise UnknownPhoneNumber(f"No phone number with id {phone_number_id!r} is connected.")
    return phone


def _profile_names(contacts: list[Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in contacts:
        contact = as_dict(contact)
        wa_id = contact.get("wa_id")
        if isinstance(wa_id, str):
            names[wa_id[:32]] = text_of(as_dict(contact.get("profile")).get("name"), max_length=200)
    return names


def _is_senderless_notice(message: Any) -> bool:
    return isinstance(message, dict) and message.get("type") == "system" and "from" not in message
