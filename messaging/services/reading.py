"""Reading a thread: unread cleared here, the customer's messages marked read at Meta (blue ticks
on their phone), and "typing…" shown to them while the operator writes.

Meta marks every earlier message read with the one named, so we only ever name the newest
unread inbound message, and each message is named at most once: ``Message.read_at_meta`` is
claimed before the call (two polls racing cannot both send it) and ``Conversation.read_up_to``
remembers how far the conversation is read, so an open thread costs no query to check.
"""

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.graph import client_for
from cloudapi.errors import CloudApiError

from ..models import Conversation, Message

logger = logging.getLogger(__name__)

# Meta shows "typing…" for up to 25 s or until we reply: one call per 20 s keeps it on, no more.
TYPING_INTERVAL = timedelta(seconds=20)
ASK_AGAIN_AFTER = timedelta(seconds=30)
# Messages a customer cannot get read receipts for (WhatsApp notices, changes to other messages).
_NOT_READABLE = ("system", "reaction", "edit", "revoke")


class ReadLater(Exception):
    """Marking read hit a retryable error; the task tries again later."""

    def __init__(self, error: CloudApiError) -> None:
        super().__init__(str(error))
        self.error = error


def mark_conversation_seen(*, conversation: Conversation) -> None:
    """The operator is looking at the thread: clear unread, and mark it read at Meta if needed."""
    if conversation.unread_count:
        Conversation.objects.filter(pk=conversation.pk).update(unread_count=0)
        conversation.unread_count = 0
    if needs_read_receipt(conversation) and _first_ask(conversation):
        from ..tasks import mark_conversation_read_task  # tasks import services

        pk = conversation.pk
        transaction.on_commit(lambda: mark_conversation_read_task.delay(pk))


def _first_ask(conversation: Conversation) -> bool:
    # The open thread polls every 2 s: ask once per customer message and ASK_AGAIN_AFTER, not
    # once per poll, while the task is queued or Meta is slow to answer.
    key = f"messaging:read:{conversation.pk}:{conversation.last_inbound_at.timestamp()}"
    return cache.add(key, True, timeout=ASK_AGAIN_AFTER.total_seconds())


def needs_read_receipt(conversation: Conversation) -> bool:
    """Whether the customer wrote after what we last marked read (no query: both are on the row)."""
    last = conversation.last_inbound_at
    return last is not None and (conversation.read_up_to is None or conversation.read_up_to < last)


def mark_conversation_read(*, conversation_id: int) -> Message | None:
    """Mark the newest unread customer message read at Meta (once); returns it, or ``None``.

    Raises :class:`ReadLater` for retryable errors (the claim is released so the retry can
    send it). A permanent refusal (e.g. a message too old for Meta) keeps the claim: asking
    again would be refused again.
    """
    conversation = Conversation.objects.select_related("phone_number__account").get(pk=conversation_id)
    newest = _newest_readable(conversation)
    if newest is None or newest.read_at_meta is not None:
        _advance_read_up_to(conversation, newest)
        return None
    now = timezone.now()
    if not Message.objects.filter(pk=newest.pk, read_at_meta__isnull=True).update(read_at_meta=now):
        return None  # another worker is sending this very receipt
    phone = conversation.phone_number
    try:
        client_for(phone.account).mark_read(phone_number_id=phone.phone_number_id, wamid=newest.wamid)
    except CloudApiError as error:
        if error.retryable:
            Message.objects.filter(pk=newest.pk, read_at_meta=now).update(read_at_meta=None)
            raise ReadLater(error) from None
        logger.warning("Meta refused the read receipt for message %s: %s", newest.pk, error.code)
    _advance_read_up_to(conversation, newest)
    return newest


def signal_typing(*, conversation: Conversation) -> bool:
    """Ask for "typing…" on the customer's phone, at most once per ``TYPING_INTERVAL``.

    Returns whether a call was enqueued. Only inside the window (an answer is possible) and only
    when the customer has written (Meta ties the indicator to their message).
    """
    if not conversation.window_is_open():
        return False
    now = timezone.now()
    due = Q(typing_sent_at__isnull=True) | Q(typing_sent_at__lte=now - TYPING_INTERVAL)
    # A conditional update is the rate limit: shared by every web worker, one winner per interval.
    if not Conversation.objects.filter(due, pk=conversation.pk).update(typing_sent_at=now):
        return False
    from ..tasks import send_typing_indicator_task  # tasks import services: a cycle at module level

    pk = conversation.pk
    transaction.on_commit(lambda: send_typing_indicator_task.delay(pk))
    return True


def send_typing_indicator(*, conversation_id: int) -> bool:
    """Show "typing…" (which also marks the newest customer message read); ``True`` if Meta took it.

    Not retried: by the time a retry ran, the operator would have sent or stopped typing.
    """
    conversation = Conversation.objects.select_related("phone_number__account").get(pk=conversation_id)
    newest = _newest_readable(conversation)
    if newest is None:
        return False
    phone = conversation.phone_number
    try:
        client_for(phone.account).mark_read(phone_number_id=phone.phone_number_id, wamid=newest.wamid, typing=True)
    except CloudApiError as error:
        logger.info("Typing indicator not shown for conversation %s: %s", conversation_id, error.code)
        return False
    Message.objects.filter(pk=newest.pk, read_at_meta__isnull=True).update(read_at_meta=timezone.now())
    _advance_read_up_to(conversation, newest)
    return True


def _newest_readable(conversation: Conversation) -> Message | None:
    return (
        Message.objects.filter(conversation=conversation, direction=Message.Direction.INBOUND, wamid__isnull=False)
        .exclude(type__in=_NOT_READABLE)
        .order_by("-created_at", "-id")
        .only("pk", "wamid", "created_at", "read_at_meta")
        .first()
    )


def _advance_read_up_to(conversation: Conversation, newest: Message | None) -> None:
    # Up to the customer's last message time too, so a thread whose newest inbound rows are not
    # readable (a reaction) stops asking; Greatest() never moves it back.
    candidates = [t for t in (conversation.last_inbound_at, newest.created_at if newest else None) if t]
    if not candidates:
        return
    upto = max(candidates)
    Conversation.objects.filter(pk=conversation.pk).update(read_up_to=Greatest(Coalesce(F("read_up_to"), upto), upto))
