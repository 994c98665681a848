"""Status changes, applied by Meta's rank and never by arrival order.

A late ``delivered`` never overwrites ``read``; ``failed`` keeps its error and only real proof of
delivery (``delivered``/``read``) moves a message past it; a ``failed`` after such proof is kept on
the timeline but leaves the message and its error fields alone; a status for a wamid we do not know
yet is kept and applied when the message gets that wamid.
"""

import uuid
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from accounts.webhook_scope import SignerScope
from cloudapi.webhook_payloads import InvalidPayload, as_dict, as_list, first_error, parse_timestamp, required_str, text_of

from ..models import Conversation, Message, MessageStatusEvent, WebhookEvent

Status = Message.Status
RANK = {
    Status.QUEUED: 0,
    Status.SENDING: 0,
    Status.ACCEPTED: 10,
    Status.SENT: 20,
    Status.FAILED: 25,
    Status.DELIVERED: 30,
    Status.READ: 40,
    Status.PLAYED: 50,
}


def apply_status(*, status: dict[str, Any], event: WebhookEvent | None = None) -> MessageStatusEvent | None:
    """Record one ``statuses[]`` object and move its message forward if it ranks higher.

    Returns the new timeline row, or ``None`` when this (wamid, status) was already recorded.
    """
    wamid, name, when = _parse(status)
    message = _find_message(wamid=wamid, callback_data=status.get("biz_opaque_callback_data"))
    try:
        with transaction.atomic():
            record = MessageStatusEvent.objects.create(
                message=message,
                wamid=wamid,
                status=name,
                timestamp=when,
                recipient_id=text_of(status.get("recipient_id"), max_length=64),
                recipient_type=text_of(status.get("recipient_type"), max_length=16),
                recipient_participant_id=text_of(status.get("recipient_participant_id"), max_length=64),
                errors=as_list(status.get("errors")),
                pricing=as_dict(status.get("pricing")),
                conversation_info=as_dict(status.get("conversation")),
                webhook_event=event,
            )
    except IntegrityError:
        return None  # the same status again (redelivery, another app, another batch)
    if message is not None:
        _advance(message, record)
    return record


@transaction.atomic
def attach_pending_statuses(message: Message) -> None:
    """Apply statuses that arrived before ``message`` had its wamid.

    Only those signed by the message's account (or a sister sharing its secret): a status another
    account signed for a wamid nobody had yet stays unattached, on nobody's timeline. A status
    without a webhook event (a direct caller, or its event purged) is trusted as before.
    """
    pending = MessageStatusEvent.objects.filter(wamid=message.wamid, message__isnull=True).select_related(
        "webhook_event"
    )
    owner_id = Conversation.objects.filter(pk=message.conversation_id).values_list(
        "phone_number__account_id", flat=True
    ).first()
    scopes: dict[int | None, SignerScope] = {}
    mine = []
    for record in pending:
        if record.webhook_event is not None:
            signer = record.webhook_event.account_id
            scope = scopes.setdefault(signer, SignerScope.of_signer(signer))
            if owner_id not in (scope.account_ids or ()):
                continue
        mine.append(record)
    for record in sorted(mine, key=lambda r: RANK.get(r.status, 0)):
        record.message = message
        record.save(update_fields=["message"])
        _advance(message, record)


@transaction.atomic
def _advance(message: Message, record: MessageStatusEvent) -> None:
    locked = Message.objects.select_for_update().get(pk=message.pk)
    changed = []
    if not locked.wamid:
        locked.wamid = record.wamid
        changed.append("wamid")
    if RANK.get(record.status, -1) > RANK.get(locked.status, -1):
        locked.status = record.status
        locked.status_at = record.timestamp
        changed += ["status", "status_at"]
        if record.status == Status.SENT and locked.meta_timestamp is None:
            locked.meta_timestamp = record.timestamp
            changed.append("meta_timestamp")
    if record.status == Status.FAILED and record.errors and locked.status == Status.FAILED:
        # Every error object stays on the timeline row; the first one is what the bubble shows.
        # A failed that ranks below what the message already proved (delivered, read) stays only
        # on the timeline: the bubble must not show an error under a message the customer read.
        locked.error_code, locked.error_title, locked.error_details = first_error(record.errors)
        changed += ["error_code", "error_title", "error_details"]
    if changed:
        locked.save(update_fields=changed + ["updated_at"])
        message.refresh_from_db()


def _find_message(*, wamid: str, callback_data: Any) -> Message | None:
    message = Message.objects.filter(wamid=wamid).first()
    if message is not None or not callback_data:
        return message
    # Our UUID travels as biz_opaque_callback_data: it finds the message even when the send
    # call's answer (with the wamid) was lost or has not come back yet.
    try:
        our_uuid = uuid.UUID(str(callback_data))
    except ValueError:
        return None
    return Message.objects.filter(uuid=our_uuid, direction=Message.Direction.OUTBOUND).first()


def _parse(status: Any) -> tuple[str, str, datetime]:
    if not isinstance(status, dict):
        raise InvalidPayload("a status is not an object")
    wamid = required_str(status, "id")
    # A status name Meta adds later is kept on the timeline; having no rank, it moves nothing.
    name = required_str(status, "status", max_length=16)
    return wamid, name, parse_timestamp(status.get("timestamp"))
