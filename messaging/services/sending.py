"""Outbound messages: validate and queue them; ``delivery`` sends them from a Celery task.

``send_draft`` (what an operator composed, see ``compose``) and templates_mgr's sends run in the
request through ``queue_message``: they refuse what Meta would refuse (closed window, limits of
each type), save the message as ``queued`` and enqueue its delivery on commit. Messages queued
together (a campaign's chunk, inside ``deliver_together``) go to the worker in batches of
``DELIVERY_BATCH``: one task, one claim and one record per batch (see ``delivery``).
"""

import uuid
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services.audit import record_audit

from ..models import Conversation, Message
from .compose import Draft
from .last_message import note_last_message


# A message's payload may carry, beside the type's object, what its bubble shows (a template's
# header, body, footer and buttons as rendered when queued); it is ours, never sent to Meta.
DISPLAY_KEY = "display"


class WindowClosed(ValidationError):
    """The customer has not written in 24 hours: only an approved template may be sent."""


class SendingBlocked(ValidationError):
    """The business account is disconnected or its access token expired: nothing may be sent."""


def send_draft(
    *,
    conversation: Conversation,
    draft: Draft,
    reply_to: str = "",
    user=None,
    client_uuid: uuid.UUID | None = None,
) -> Message:
    """Queue what the operator composed (a :class:`~messaging.services.compose.Draft`).

    Same rules as every send: the 24-hour window, and one message per ``client_uuid``.
    """
    return queue_message(
        conversation=conversation,
        kind=draft.kind,
        content=draft.content,
        text=draft.text,
        reply_to=reply_to,
        user=user,
        client_uuid=client_uuid,
        media_asset=draft.media_asset,
        target=draft.target,
    )


def queue_message(
    *,
    conversation: Conversation,
    kind: str,
    content: dict,
    text: str = "",
    reply_to: str = "",
    user=None,
    client_uuid: uuid.UUID | None = None,
    requires_window: bool = True,
    media_asset=None,
    target: Message | None = None,
    resend_of: Message | None = None,
    rate_group: str = "",
    rate_cap: int | None = None,
) -> Message:
    """Save an outbound message as ``queued`` and enqueue its delivery after commit.

    ``kind`` is the Cloud API type and ``content`` its object (already validated by the caller's
    own rules). Everything but templates needs the 24-hour window (``requires_window``).
    The same ``client_uuid`` twice (a double submit) queues once and returns the first message.
    A media message sent from the library names its ``media_asset``; a reaction its ``target``;
    support's resend the failed message it sends again (``resend_of``). A campaign names its
    ``rate_group`` and ``rate_cap`` (messages/s shared by the group, see ``rate_limit``).

    A message a person sends (``user``) writes one audit entry, ``message.send``, naming the
    message by id and type, never its content; a resend is audited by ``resend_message`` instead,
    and a send with no person (a task, a campaign) by its own caller.
    """
    blocked = conversation.phone_number.account.sending_blocked_reason()
    if blocked:
        raise SendingBlocked(blocked)
    if requires_window and not conversation.window_is_open():
        raise WindowClosed(window_closed_reason(conversation))
    if client_uuid is not None:
        existing = Message.objects.filter(uuid=client_uuid).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            message = Message.objects.create(
                uuid=client_uuid or uuid.uuid4(),
                conversation=conversation,
                direction=Message.Direction.OUTBOUND,
                type=kind,
                payload=content,
                text=text,
                context_wamid=reply_to,
                target=target,
                target_wamid=target.wamid if target is not None and target.wamid else "",
                media_asset=media_asset,
                resend_of=resend_of,
                rate_group=rate_group,
                rate_cap=rate_cap,
                status=Message.Status.QUEUED,
                sent_by=user if getattr(user, "is_authenticated", False) else None,
            )
            note_last_message(message=message)
            if message.sent_by is not None and resend_of is None:
                _audit_send(message, conversation)
            _enqueue(message.pk)
    except IntegrityError:
        return Message.objects.get(uuid=client_uuid)
    return message


def _audit_send(message: Message, conversation: Conversation) -> None:
    record_audit(
        actor=message.sent_by,
        action="message.send",
        obj=message,
        account=conversation.phone_number.account_id,
        details={"message_id": message.pk, "uuid": str(message.uuid), "type": message.type,
                 "conversation_id": conversation.pk},
    )


def window_closed_reason(conversation: Conversation) -> str:
    """Why only a template can be sent now, in words for the operator."""
    if conversation.last_inbound_at is None:
        return "This customer has never written to this number: start the conversation with an approved template."
    since = timezone.localtime(conversation.last_inbound_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"The customer last wrote at {since}, more than 24 hours ago. WhatsApp only allows an "
        "approved template until they write again."
    )


# Messages one send task delivers: one claim, one record (and one broker message) per batch.
DELIVERY_BATCH = 20

_together: ContextVar[list[int] | None] = ContextVar("deliver_together", default=None)


@contextmanager
def deliver_together():
    """Inside, messages queued (``queue_message``) are handed to the worker together, in batches
    of ``DELIVERY_BATCH``, when the surrounding transaction commits; use it inside that transaction."""
    queued: list[int] = []
    token = _together.set(queued)
    try:
        yield
    finally:
        _together.reset(token)
        if queued:  # a rolled-back transaction drops this with its messages
            transaction.on_commit(lambda: enqueue_delivery(queued))


def enqueue_delivery(message_ids: list[int]) -> None:
    """Send tasks for these queued messages, ``DELIVERY_BATCH`` to a task."""
    from ..tasks import send_messages_task  # tasks import services; import here to avoid a cycle

    for start in range(0, len(message_ids), DELIVERY_BATCH):
        send_messages_task.delay(message_ids[start:start + DELIVERY_BATCH])


def _enqueue(message_id: int) -> None:
    together = _together.get()
    if together is not None:
        together.append(message_id)
    else:
        transaction.on_commit(lambda: enqueue_delivery([message_id]))
