"""The ``messages`` field: inbound messages, statuses of ours, and errors not tied to a message."""

import uuid
from typing import Any

from accounts.models import PhoneNumber
from accounts.webhook_scope import ANY_ACCOUNT, SignerScope
from cloudapi.webhook_payloads import UnknownAccount, as_dict, entry_time, optional_list, text_of

from ..models import Message, WebhookEvent
from ..services.account_events import record_webhook_errors
from ..services.contacts import record_user_ids
from ..services.inbound import record_inbound_message
from ..services.statuses import apply_status
from .errors import UnknownPhoneNumber


def handle_messages(
    *, value: dict[str, Any], entry: dict[str, Any], event: WebhookEvent, scope: SignerScope = ANY_ACCOUNT
) -> list[str]:
    """Store inbound messages, apply statuses, record ``value.errors`` as account warnings.

    The number and every message the change names (by wamid, or by our UUID in a status) must be
    the signer's. Returns the parts kept without being applied: system notices that name no sender.
    """
    phone = _phone_of(value, scope)
    messages = optional_list(value, "messages")
    statuses = optional_list(value, "statuses")
    _claim_messages(messages, statuses, scope)
    errors = optional_list(value, "errors")
    contacts = optional_list(value, "contacts")
    names, user_ids = _profile_names(contacts), _user_ids(contacts)
    kept: list[str] = []
    for message in messages:
        if _is_senderless_notice(message):
            # e.g. user_changed_user_id: no "from", so no conversation to put it in; the raw
            # event keeps it and the admin shows it among the event's unhandled parts.
            kept.append(f"messages:system:{text_of(as_dict(message.get('system')).get('type'))}"[:64])
            continue
        sender = message.get("from") if isinstance(message, dict) else None
        sender = sender[:32] if isinstance(sender, str) else ""
        record_inbound_message(
            phone_number=phone, message=message, profile_name=names.get(sender, ""),
            user_id=user_ids.get(sender, ""), event=event,
        )
    for status in statuses:
        apply_status(status=status, event=event)
    if statuses and user_ids:
        record_user_ids(account=phone.account, user_ids=user_ids)
    if errors:
        record_webhook_errors(
            errors=errors, phone_number=phone, occurred_at=entry_time(entry) or event.received_at, event=event
        )
    return kept


def _phone_of(value: dict[str, Any], scope: SignerScope) -> PhoneNumber:
    phone_number_id = text_of(as_dict(value.get("metadata")).get("phone_number_id"), max_length=64)
    try:
        return scope.phone_by_id(phone_number_id)
    except UnknownAccount as exc:
        raise UnknownPhoneNumber(str(exc)) from None


def _claim_messages(messages: list[Any], statuses: list[Any], scope: SignerScope) -> None:
    """Every stored message the change names is the signer's: one query for the whole change."""
    wamids = {text_of(item.get("id"), max_length=255) for item in messages + statuses if isinstance(item, dict)}
    uuids = set()
    for status in statuses:
        try:
            uuids.add(uuid.UUID(text_of(as_dict(status).get("biz_opaque_callback_data"))))
        except ValueError:
            continue  # not one of ours: statuses are matched by wamid then
    wamids.discard("")
    if not wamids and not uuids:
        return
    owner = "conversation__phone_number__account_id"
    found = list(Message.objects.filter(wamid__in=wamids).values_list("wamid", owner)) if wamids else []
    if uuids:
        outbound = Message.objects.filter(uuid__in=uuids, direction=Message.Direction.OUTBOUND)
        found += outbound.values_list("uuid", owner)
    for name, owner_id in found:
        scope.claim(owner_id=owner_id, what=f"message {name}")


def _profile_names(contacts: list[Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in contacts:
        contact = as_dict(contact)
        wa_id = contact.get("wa_id")
        if isinstance(wa_id, str):
            names[wa_id[:32]] = text_of(as_dict(contact.get("profile")).get("name"), max_length=200)
    return names


def _user_ids(contacts: list[Any]) -> dict[str, str]:
    """``wa_id`` → Meta's business-scoped user id, for the entries that carry both."""
    user_ids: dict[str, str] = {}
    for contact in contacts:
        contact = as_dict(contact)
        wa_id = contact.get("wa_id")
        if isinstance(wa_id, str):
            user_ids[wa_id[:32]] = text_of(contact.get("user_id"), max_length=128)
    return user_ids


def _is_senderless_notice(message: Any) -> bool:
    return isinstance(message, dict) and message.get("type") == "system" and "from" not in message
