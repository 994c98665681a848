"""The ``user_preferences`` field: a customer stopped or resumed marketing messages."""

from typing import Any

from accounts.webhook_scope import ANY_ACCOUNT, SignerScope
from cloudapi.webhook_payloads import InvalidPayload, as_dict, optional_list, optional_timestamp, text_of

from ..models import ContactEvent, WebhookEvent
from ..services.contacts import set_marketing_preference, upsert_contact

_MARKETING = "marketing_messages"
_CHOICES = {"stop": True, "resume": False}


def handle_user_preferences(
    *, value: dict[str, Any], entry: dict[str, Any], event: WebhookEvent, scope: SignerScope = ANY_ACCOUNT
) -> list[str]:
    """Apply each preference to the signer account's contact (created if we never heard of them)
    and keep it on their timeline; preferences of other categories are kept on the timeline only.

    The customer wrote to a signer's number (or WABA): one nobody has connected makes the event
    unroutable. Returns the parts kept without a contact to apply them to (no ``wa_id`` anywhere).
    """
    account = _account_of(value, entry, scope)  # before any contact is touched
    contacts = [as_dict(c) for c in optional_list(value, "contacts")]
    names = {c["wa_id"]: text_of(as_dict(c.get("profile")).get("name"), max_length=200)
             for c in contacts if isinstance(c.get("wa_id"), str)}
    user_ids = {c["wa_id"]: text_of(c.get("user_id"), max_length=128)
                for c in contacts if isinstance(c.get("wa_id"), str)}
    # Meta's item names its user; a lone entry in contacts[] is the fallback when it does not.
    fallback = next(iter(names)) if len(names) == 1 else ""
    kept: list[str] = []
    for item in optional_list(value, "user_preferences"):
        if not isinstance(item, dict):
            raise InvalidPayload("a user preference is not an object")
        wa_id = item.get("wa_id") if isinstance(item.get("wa_id"), str) and item.get("wa_id") else fallback
        if not wa_id:
            kept.append("user_preferences:no wa_id")
            continue
        user_id = text_of(item.get("user_id"), max_length=128) or user_ids.get(wa_id, "")
        contact = upsert_contact(account=account, wa_id=wa_id[:32], name=names.get(wa_id, ""), user_id=user_id)
        _apply(item, contact, event)
    return kept


def _account_of(value: dict[str, Any], entry: dict[str, Any], scope: SignerScope):
    """The signer account whose customer this is: the entry's WABA's (Meta sends preferences per
    WABA); the number in ``metadata``, when there is one, must be a signer's too and names the
    account when the entry's WABA is not connected."""
    phone_number_id = text_of(as_dict(value.get("metadata")).get("phone_number_id"), max_length=64)
    phone = scope.phone_by_id(phone_number_id) if phone_number_id else None
    account = scope.entry_account(entry) if phone is not None else scope.account_for_entry(entry)
    return account or phone.account


def _apply(item: dict[str, Any], contact, event: WebhookEvent) -> None:
    occurred_at = optional_timestamp(item.get("timestamp"), event.received_at)
    category = text_of(item.get("category"))
    choice = text_of(item.get("value")).lower()
    detail = text_of(item.get("detail"), max_length=255) or f"{category}: {choice}"
    if category == _MARKETING and choice in _CHOICES:
        set_marketing_preference(
            contact=contact,
            stop=_CHOICES[choice],
            occurred_at=occurred_at,
            source=ContactEvent.Source.USER_PREFERENCES,
            detail=detail,
            details=item,
            webhook_event=event,
        )
        return
    seen = ContactEvent.objects.filter(
        contact=contact, kind=ContactEvent.Kind.PREFERENCE, occurred_at=occurred_at, detail=detail
    ).exists()
    if not seen:
        ContactEvent.objects.create(
            contact=contact, kind=ContactEvent.Kind.PREFERENCE, source=ContactEvent.Source.USER_PREFERENCES,
            detail=detail, details=item, occurred_at=occurred_at, webhook_event=event,
        )
