"""What support staff may do to a message that went wrong: send it again, or give up on it.

Neither rewrites history: a resend is a **new** message (new UUID, linked by ``resend_of``) sent
through ``queue_message`` like any other, and marking failed keeps everything Meta reported and
adds the note. Both write an audit entry with the reason.
"""

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services.audit import record_audit

from ..models import Message
from .marketing_limits import resend_refusal
from .sending import queue_message

# Messages still on their way, whose outcome nobody may learn (e.g. the answer to the send call
# was lost): support may close them as failed. Sent ones wait for Meta's status webhook.
MARKABLE_FAILED = (Message.Status.QUEUED, Message.Status.SENDING, Message.Status.ACCEPTED, Message.Status.HELD)
MARKED_FAILED_TITLE = "Marked failed by support"


def _account_id(message: Message) -> int:
    return message.conversation.phone_number.account_id


@transaction.atomic
def resend_message(*, message: Message, actor, reason: str = "") -> Message:
    """Queue a new message with the failed one's content, linked to it; the same rules apply as
    to any send (the 24-hour window for all but templates). Raises ``ValidationError`` with the
    reason when ``message`` is not a failed outbound message or was already sent again."""
    message = Message.objects.select_related(
        "conversation__phone_number", "conversation__contact", "target", "media_asset"
    ).get(pk=message.pk)
    if message.direction != Message.Direction.OUTBOUND or message.status != Message.Status.FAILED:
        raise ValidationError(f"{message}: only a failed outbound message can be sent again.")
    if message.resends.exclude(status=Message.Status.FAILED).exists():
        raise ValidationError(f"{message}: it was already sent again.")
    refused = resend_refusal(message)
    if refused:
        raise ValidationError(refused)
    resent = queue_message(
        conversation=message.conversation,
        kind=message.type,
        content=copy.deepcopy(message.payload),
        text=message.text,
        reply_to=message.context_wamid,
        user=actor,
        requires_window=message.type != "template",
        media_asset=message.media_asset,
        target=message.target,
        resend_of=message,
    )
    record_audit(
        actor=actor,
        action="message.resend",
        obj=message,
        account=_account_id(message),
        details={"new_message": str(resent.uuid), "new_message_id": resent.pk},
        reason=reason,
    )
    return resent


@transaction.atomic
def mark_message_failed(*, message: Message, actor, note: str) -> bool:
    """Close an outbound message stuck on its way (queued, sending, accepted) as failed, with
    ``note`` as its error details and the audit entry's reason. Returns ``False`` when the
    message has moved on meanwhile (it is then left alone). ``note`` is required."""
    note = note.strip()
    if not note:
        raise ValidationError("Say why the message is marked failed.")
    changed = Message.objects.filter(
        pk=message.pk, direction=Message.Direction.OUTBOUND, status__in=MARKABLE_FAILED
    ).update(
        status=Message.Status.FAILED,
        error_title=MARKED_FAILED_TITLE,
        error_details=note,
        updated_at=timezone.now(),
    )
    if changed:
        message = Message.objects.select_related("conversation__phone_number").get(pk=message.pk)
        record_audit(
            actor=actor,
            action="message.mark_failed",
            obj=message,
            account=_account_id(message),
            details={"status": Message.Status.FAILED},
            reason=note,
        )
    return bool(changed)
