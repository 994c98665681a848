"""What the console's notifier polls: customers' new messages in my conversations (assigned to me,
or unassigned on my numbers), my unseen mentions, and the unread count for the tab title.

A fixed number of bounded queries, whatever the history's size: the newest message id; the new
inbound messages after the cursor, looking at the newest ``LOOK_BACK`` ids at most (a primary-key
range); the unread conversations through the partial index on ``unread_count > 0`` (at most
``UNREAD_ROWS``); the unseen mentions through ``mention_unseen_idx`` (at most ``MENTION_ROWS``).
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from accounts.access import accessible_phone_numbers

from ..models import Conversation, Mention, Message
from ..templatetags.inbox_rows import message_preview

LOOK_BACK = 500
MAX_ITEMS = 20
UNREAD_ROWS = 100
MENTION_ROWS = 100


@dataclass
class Notifications:
    message_cursor: int
    mention_cursor: int
    unread: int  # unread customer messages in my conversations (capped by UNREAD_ROWS conversations)
    unseen_mentions: int
    messages: list[dict] = field(default_factory=list)
    mentions: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "since": f"{self.message_cursor}.{self.mention_cursor}",
            "unread": self.unread,
            "mentions_unseen": self.unseen_mentions,
            "count": self.unread + self.unseen_mentions,
            "messages": self.messages,
            "mentions": self.mentions,
        }


def _mine(user, prefix: str = "") -> Q:
    return Q(**{f"{prefix}assigned_to": user}) | Q(**{f"{prefix}assigned_to__isnull": True})


def notifications_for(user, *, since: tuple[int, int] | None) -> Notifications:
    """What is new for ``user`` after ``since`` (message id, mention id); ``None``: start now
    (the counts only, and the cursor to poll from)."""
    numbers = accessible_phone_numbers(user)
    latest = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    mentions = list(
        Mention.objects.filter(user=user, seen_at__isnull=True, note__conversation__phone_number__in=numbers)
        .select_related("note__author", "note__conversation__contact")
        .only("pk", "note__conversation_id", "note__author__username", "note__conversation__contact__name",
              "note__conversation__contact__wa_id")
        .order_by("-pk")[:MENTION_ROWS]
    )
    unread = sum(
        Conversation.objects.filter(_mine(user), phone_number__in=numbers, unread_count__gt=0)
        .order_by("-last_message_at", "-id")
        .values_list("unread_count", flat=True)[:UNREAD_ROWS]
    )
    found = Notifications(message_cursor=latest, mention_cursor=mentions[0].pk if mentions else 0, unread=unread,
                          unseen_mentions=len(mentions))
    if since is None:
        return found
    since_message, since_mention = since
    found.mention_cursor = max(found.mention_cursor, since_mention)
    if since_message < latest:
        found.messages = _new_messages(user, numbers, after=max(since_message, latest - LOOK_BACK), upto=latest)
    found.mentions = [_mention_item(mention) for mention in mentions if mention.pk > since_mention][:MAX_ITEMS]
    return found


def _new_messages(user, numbers, *, after: int, upto: int) -> list[dict]:
    rows = (
        Message.objects.filter(_mine(user, "conversation__"), pk__gt=after, pk__lte=upto,
                               direction=Message.Direction.INBOUND, conversation__phone_number__in=numbers)
        .select_related("conversation__contact")
        .only("pk", "type", "text", "payload", "revoked_at", "conversation_id", "conversation__assigned_to_id",
              "conversation__contact__name", "conversation__contact__wa_id")
        .order_by("pk")[:MAX_ITEMS]
    )
    return [
        {
            "id": message.pk,
            "conversation": message.conversation_id,
            "from": _who(message.conversation.contact),
            "preview": message_preview(message)[:120],
            "mine": message.conversation.assigned_to_id == user.pk,
            "url": reverse("messaging:conversation-detail", args=[message.conversation_id]),
        }
        for message in rows
    ]


def _mention_item(mention: Mention) -> dict:
    conversation = mention.note.conversation
    author = mention.note.author.get_username() if mention.note.author else "Someone"
    return {"id": mention.pk, "conversation": conversation.pk, "from": author, "about": _who(conversation.contact),
            "url": reverse("messaging:conversation-detail", args=[conversation.pk])}


def _who(contact) -> str:
    return contact.name or f"+{contact.wa_id}"
