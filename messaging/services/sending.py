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
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services.audit import record_audit

from ..models import Conversation, Message
from .compose import Draft
from .last_message import note_last_messages


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


@dataclass
class Outbound:
    """One message to queue: see ``queue_message`` for what each field means."""

    conversation: Conversation
    kind: str
    content: dict
    text: str = ""
    reply_to: str = ""
    user: object = None
    client_uuid: uuid.UUID | None = None
    requires_window: bool = True
    media_asset: object = None
    target: Message | None = None
    resend_of: Message | None = None
    rate_group: str = ""
    rate_cap: int | None = None


def queue_message(*, conversation: Conversation, kind: str, content: dict, **rest) -> Message:
    """Save an outbound message as ``queued`` and enqueue its delivery after commit.

    ``kind`` is the Cloud API type and ``content`` its object (already validated by the caller's
    own rules). Everything but templates needs the 24-hour window (``requires_window``).
    The same ``client_uuid`` twice (a double submit) queues once and returns the first message.
    A media message sent from the library names its ``media_asset``; a reaction its ``target``;
    support's resend the failed message it sends again (``resend_of``). A campaign names its
    ``rate_group`` and ``rate_cap`` (messages/s shared by the group, see ``rate_limit``).
    The other fields are :class:`Outbound`'s.

    A message a person sends (``user``) writes one audit entry, ``message.send``, naming the
    message by id and type, never its content; a resend is audited by ``resend_message`` instead,
    and a send with no person (a task, a campaign) by its own caller.
    """
    return queue_messages([Outbound(conversation=conversation, kind=kind, content=content, **rest)])[0]


def queue_messages(outbounds: list[Outbound]) -> list[Message]:
    """``queue_message`` for many at once (a campaign's chunk): the same checks for each, then
    one query for the UUIDs already queued, one insert and one update of the conversations'
    last messages; returns each outbound's message, in order. Refuses them all (raises) if one
    may not be sent."""
    blocked: dict[int, str] = {}
    for outbound in outbounds:
        account = outbound.conversation.phone_number.account
        if account.pk not in blocked:
            blocked[account.pk] = account.sending_blocked_reason()
        if blocked[account.pk]:
            raise SendingBlocked(blocked[account.pk])
        if outbound.requires_window and not outbound.conversation.window_is_open():
            raise WindowClosed(window_closed_reason(outbound.conversation))
    wanted = {o.client_uuid for o in outbounds if o.client_uuid is not None}
    queued = {m.uuid: m for m in Message.objects.filter(uuid__in=wanted)} if wanted else {}
    fresh, seen = [], set(queued)
    for outbound in outbounds:  # the same UUID twice in the batch is queued once
        if outbound.client_uuid is None or outbound.client_uuid not in seen:
            fresh.append(outbound)
            seen.add(outbound.client_uuid)
    try:
        with transaction.atomic():
            created = Message.objects.bulk_create([_queued_row(o) for o in fresh])
            note_last_messages(created)
            for message, outbound in zip(created, fresh):
                if message.sent_by is not None and outbound.resend_of is None:
                    _audit_send(message, outbound.conversation)
            _enqueue([message.pk for message in created])
    except IntegrityError:
        if not wanted:
            raise
        return queue_messages(outbounds)  # a racing request queued one of these UUIDs: take its message
    mine = {id(outbound): message for outbound, message in zip(fresh, created)}
    queued.update({message.uuid: message for message in created})
    return [mine.get(id(outbound)) or queued[outbound.client_uuid] for outbound in outbounds]


def _queued_row(outbound: Outbound) -> Message:
    target, user = outbound.target, outbound.user
    return Message(
        uuid=outbound.client_uuid or uuid.uuid4(),
        conversation=outbound.conversation,
        direction=Message.Direction.OUTBOUND,
        type=outbound.kind,
        payload=outbound.content,
        text=outbound.text,
        context_wamid=outbound.reply_to,
        target=target,
        target_wamid=target.wamid if target is not None and target.wamid else "",
        media_asset=outbound.media_asset,
        resend_of=outbound.resend_of,
        rate_group=outbound.rate_group,
        rate_cap=outbound.rate_cap,
        status=Message.Status.QUEUED,
        sent_by=user if getattr(user, "is_authenticated", False) else None,
    )


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


def _enqueue(message_ids: list[int]) -> None:
    together = _together.get()
    if together is not None:
        together.extend(message_ids)
    elif message_ids:
        transaction.on_commit(lambda: enqueue_delivery(message_ids))
