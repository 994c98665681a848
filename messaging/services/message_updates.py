"""Reactions, edits and revokes: inbound messages that change an earlier message.

Each is kept as its own row (type ``reaction`` / ``edit`` / ``revoke``, ``target_wamid`` naming
the message it refers to) and applied to that message when we have it: now, or when the
target arrives later (webhooks come out of order). Applying is by Meta's time, so a late,
older reaction or edit never overwrites a newer one. Only the customer who wrote in a
conversation can change messages of that conversation.
"""

from typing import Any

from cloudapi.webhook_payloads import as_dict, text_of

from ..models import Message
from .message_content import display_text

UPDATE_TYPES = ("reaction", "edit", "revoke")


def target_wamid_of(kind: str, message: dict[str, Any]) -> str:
    """The wamid an update refers to: in its own object, or (defensively) in ``context``."""
    if kind not in UPDATE_TYPES:
        return ""
    obj = as_dict(message.get(kind))
    for key in ("message_id", "original_message_id", "id"):
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value[:255]
    value = as_dict(message.get("context")).get("id")
    return value[:255] if isinstance(value, str) and value else ""


def apply_update(update: Message) -> bool:
    """Apply one reaction/edit/revoke row to its target if we have it; ``True`` when applied."""
    if update.type not in UPDATE_TYPES or not update.target_wamid or update.target_id:
        return False
    target = (
        Message.objects.select_for_update()
        .filter(wamid=update.target_wamid, conversation__contact_id=update.conversation.contact_id)
        .exclude(pk=update.pk)
        .first()
    )
    if target is None:
        return False
    if update.type == "reaction":
        _react(target, update)
    elif target.direction == Message.Direction.INBOUND:  # customers edit and delete only their own messages
        (_edit if update.type == "edit" else _revoke)(target, update)
    else:
        return False
    update.target = target
    update.save(update_fields=["target", "updated_at"])
    return True


def apply_pending_updates(message: Message) -> None:
    """Apply updates that arrived before ``message`` itself, oldest first."""
    if not message.wamid:
        return
    pending = Message.objects.filter(target_wamid=message.wamid, target__isnull=True, type__in=UPDATE_TYPES)
    for update in pending.exclude(pk=message.pk).select_related("conversation").order_by("meta_timestamp", "id"):
        apply_update(update)


def _is_newest(update: Message, target: Message) -> bool:
    """No applied update of the same kind from the same sender is newer than ``update``."""
    newer = target.updates.filter(
        type=update.type,
        conversation__contact_id=update.conversation.contact_id,
        meta_timestamp__gt=update.meta_timestamp,
    )
    return not newer.exists()


def _react(target: Message, update: Message) -> None:
    if not _is_newest(update, target):
        return
    reactor = update.conversation.contact.wa_id
    reactions = dict(target.reactions) if isinstance(target.reactions, dict) else {}
    emoji = text_of(as_dict(update.payload).get("emoji"))
    if emoji:
        reactions[reactor] = emoji
    else:
        reactions.pop(reactor, None)  # empty or missing emoji: the reaction was removed
    target.reactions = reactions
    target.save(update_fields=["reactions", "updated_at"])


def _edit(target: Message, update: Message) -> None:
    edited = as_dict(as_dict(update.payload).get("message"))
    new_kind = edited.get("type") if isinstance(edited.get("type"), str) else target.type
    new_object = edited.get(new_kind)
    versions = list(target.previous_versions) if isinstance(target.previous_versions, list) else []
    if not _is_newest(update, target):
        # An older edit arriving late belongs in the history, not on the bubble.
        versions.append({"text": display_text(new_kind, new_object), "edited_at": update.meta_timestamp.isoformat()})
        target.previous_versions = versions
        target.save(update_fields=["previous_versions", "updated_at"])
        return
    versions.append({"text": target.text, "payload": target.payload, "replaced_at": update.meta_timestamp.isoformat()})
    target.previous_versions = versions
    if isinstance(new_object, dict):
        target.payload = {**target.payload, **new_object} if isinstance(target.payload, dict) else new_object
    target.text = display_text(new_kind, new_object)
    target.edited_at = update.meta_timestamp
    target.save(update_fields=["previous_versions", "payload", "text", "edited_at", "updated_at"])


def _revoke(target: Message, update: Message) -> None:
    if target.revoked_at is None or update.meta_timestamp < target.revoked_at:
        target.revoked_at = update.meta_timestamp
        target.save(update_fields=["revoked_at", "updated_at"])
