"""A conversation's bubbles, a page at a time (keyset on ``(created_at, id)``).

A thread opens on its newest ``PAGE_SIZE`` messages; "load older" fetches the page before the
oldest shown; the open thread polls everything from its oldest shown message on, so ticks and
new messages move while older pages stay as loaded. Each page is a fixed number of queries:
the messages (with sender, flow response and media file joined), their status timelines,
the messages they quote, and our own reactions to them.
"""

from dataclasses import dataclass
from datetime import datetime

from ..error_explanations import explain_failure
from ..models import Conversation, Message
from ..services.message_updates import UPDATE_TYPES
from .cursors import encode_cursor

PAGE_SIZE = 50
# An open thread's polled part never grows past this: beyond it, it starts again from the newest page.
MAX_LIVE = 500


@dataclass
class ThreadPage:
    messages: list[Message]
    has_older: bool

    @property
    def cursor(self) -> str:
        """The oldest shown message as a URL-safe cursor ("" when empty)."""
        first = self.messages[0] if self.messages else None
        return encode_cursor(first.created_at, first.pk) if first else ""


def thread_latest(conversation: Conversation, *, limit: int = PAGE_SIZE) -> ThreadPage:
    """The newest ``limit`` messages, oldest first."""
    rows = list(_visible(conversation).order_by("-created_at", "-id")[: limit + 1])
    return ThreadPage(messages=_decorate(conversation, list(reversed(rows[:limit]))), has_older=len(rows) > limit)


def thread_before(conversation: Conversation, cursor: tuple[datetime, int], *, limit: int = PAGE_SIZE) -> ThreadPage:
    """The ``limit`` messages just older than ``cursor``, oldest first."""
    at, pk = cursor
    older = _visible(conversation).filter(created_at__lte=at).exclude(created_at=at, pk__gte=pk)
    rows = list(older.order_by("-created_at", "-id")[: limit + 1])
    return ThreadPage(messages=_decorate(conversation, list(reversed(rows[:limit]))), has_older=len(rows) > limit)


def thread_after(conversation: Conversation, cursor: tuple[datetime, int]) -> ThreadPage | None:
    """Everything from ``cursor`` on (the open thread's live part); ``None`` when it grew too long."""
    at, pk = cursor
    newer = _visible(conversation).filter(created_at__gte=at).exclude(created_at=at, pk__lt=pk)
    rows = list(newer.order_by("created_at", "id")[: MAX_LIVE + 1])
    if len(rows) > MAX_LIVE:
        return None
    return ThreadPage(messages=_decorate(conversation, rows), has_older=True)


def thread_messages(conversation: Conversation, *, limit: int = 200) -> list[Message]:
    """The newest ``limit`` messages, oldest first, decorated (for callers that want a list)."""
    return thread_latest(conversation, limit=limit).messages


def _visible(conversation: Conversation):
    # Reactions, edits and revokes applied to a message show on that message's bubble.
    return (
        conversation.messages.exclude(type__in=UPDATE_TYPES, target__isnull=False)
        .select_related("sent_by", "flow_response__flow", "media_asset")
        .prefetch_related("status_events")
    )


def _decorate(conversation: Conversation, thread: list[Message]) -> list[Message]:
    """Attach what a bubble shows besides its own row: quoted message, our reaction, failure help."""
    if not thread:
        return thread
    quoted_ids = {m.context_wamid for m in thread if m.context_wamid}
    quoted_rows = (
        Message.objects.filter(conversation=conversation, wamid__in=quoted_ids).only("pk", "wamid", "text", "type")
        if quoted_ids
        else []
    )
    quoted = {q.wamid: q for q in quoted_rows}
    ours = {}
    reactions = Message.objects.filter(
        target__in=[m.pk for m in thread], direction=Message.Direction.OUTBOUND, type="reaction"
    ).order_by("created_at", "id")
    for reaction in reactions.only("pk", "target_id", "payload", "status", "error_code"):
        ours[reaction.target_id] = reaction  # the newest wins, as on the customer's phone
    for message in thread:
        target = quoted.get(message.context_wamid)
        message.quoted = target if target is not None and target.pk != message.pk else None
        reaction = ours.get(message.pk)
        message.our_reaction = reaction if reaction is not None and (reaction.payload or {}).get("emoji") else None
        message.explanation = (
            explain_failure(code=message.error_code, title=message.error_title)
            if message.status == Message.Status.FAILED
            else None
        )
    return thread
