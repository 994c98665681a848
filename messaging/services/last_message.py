"""The message an inbox row shows: the newest one by Meta's time, kept on its conversation.

Stored on ``Conversation.last_message`` as each message is saved, so the inbox reads it in the
same query as its rows (a join), whatever the history size.
"""

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from ..models import Conversation, Message
from .set_updates import update_from_values

# Types that change or annotate something else (or come from WhatsApp, not a person): an inbox
# row never shows them and they never move a conversation up.
QUIET_TYPES = ("edit", "revoke", "system")


def shows_in_inbox(message: Message) -> bool:
    """Whether ``message`` may be a row's last message (a removed reaction may not)."""
    if message.type in QUIET_TYPES:
        return False
    return not (message.type == "reaction" and not (message.payload or {}).get("emoji"))


def note_last_messages(messages: list[Message]) -> int:
    """Make each message its conversation's last message unless a newer one is there already.

    One conditional UPDATE however many conversations: webhooks arrive out of order and are
    replayed, so the newest by ``created_at`` (Meta's time for inbound messages) wins. Returns how
    many conversations took theirs.
    """
    newest: dict[int, Message] = {}
    for message in messages:
        if shows_in_inbox(message):
            mine = newest.get(message.conversation_id)
            if mine is None or (message.created_at, message.pk) > (mine.created_at, mine.pk):
                newest[message.conversation_id] = message
    if not newest:
        return 0
    quote = connection.ops.quote_name
    table, pk, created = (quote(Message._meta.db_table), quote(Message._meta.pk.column),
                          quote(Message._meta.get_field("created_at").column))
    newer = (f"SELECT 1 FROM {table} AS m WHERE m.{pk} = t.{quote('last_message_id')} AND "
             f"(m.{created} > v.created_at OR (m.{created} = v.created_at AND m.{pk} > v.last_message))")
    return update_from_values(
        Conversation,
        columns={"id": "id", "last_message": "last_message", "created_at": Message._meta.get_field("created_at")},
        rows=[(conversation_id, m.pk, m.created_at) for conversation_id, m in newest.items()],
        assignments={"last_message": "v.last_message", "last_message_at": "v.created_at"},
        where=f"NOT EXISTS ({newer})",
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
