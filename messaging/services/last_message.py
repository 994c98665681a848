"""The message an inbox row shows: the newest one by Meta's time, kept on its conversation.

Stored on ``Conversation.last_message`` as each message is saved, so the inbox reads it in the
same query as its rows (a join), whatever the history size.
"""

from django.db.models import OuterRef, Q, QuerySet, Subquery

from ..models import Conversation, Message

# Types that change or annotate something else (or come from WhatsApp, not a person): an inbox
# row never shows them and they never move a conversation up.
QUIET_TYPES = ("edit", "revoke", "system")


def shows_in_inbox(message: Message) -> bool:
    """Whether ``message`` may be a row's last message (a removed reaction may not)."""
    if message.type in QUIET_TYPES:
        return False
    return not (message.type == "reaction" and not (message.payload or {}).get("emoji"))


def note_last_message(*, message: Message) -> bool:
    """Make ``message`` its conversation's last message unless a newer one is there already.

    One conditional UPDATE: webhooks arrive out of order and are replayed, so the newest by
    ``created_at`` (Meta's time for inbound messages) wins. Returns whether it was taken.
    """
    if not shows_in_inbox(message):
        return False
    newer = Q(last_message__created_at__gt=message.created_at) | Q(
        last_message__created_at=message.created_at, last_message_id__gt=message.pk
    )
    return bool(
        Conversation.objects.filter(pk=message.conversation_id)
        .exclude(newer)
        .update(last_message=message, last_message_at=message.created_at)
    )


def refresh_last_messages(*, conversations: QuerySet[Conversation]) -> int:
    """Set each conversation's last message from its history (one UPDATE; after bulk loads and merges)."""
    newest = (
        Message.objects.filter(conversation=OuterRef("pk"))
        .exclude(type__in=QUIET_TYPES)
        .exclude(type="reaction", payload__emoji="")
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    return conversations.update(last_message=Subquery(newest))
