"""A conversation's bubbles, a page at a time (keyset on ``(created_at, id)``).

A thread opens on its newest ``PAGE_SIZE`` messages; "load older" fetches the page before the
oldest shown; the open thread polls everything from its oldest shown message on, so ticks and
new messages move while older pages stay as loaded. Each page is a fixed number of queries:
the messages (with sender, flow response and media file joined), their status timelines,
the messages they quote, our own reactions to them, and — only when a shown message needed more
than one try or has not gone through — its send attempts.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from ..error_explanations import explain_attempt, explain_failure
from ..models import Conversation, Message, MessageSendAttempt
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
    """Attach what a bubble shows besides its own row: quoted message, our reaction, failure help,
    and the send attempts of a message that did not go through at the first try."""
    if not thread:
        return thread
    quoted_ids = {m.context_wamid for m in thread if m.context_wamid}
    quoted_rows = (
        Message.objects.filter(conversation=conversation, wamid__in=quoted_ids).only("pk", "wamid", "text", "type")
        if quoted_ids
        else []
    )
    quoted = {q.wamid: q for q in quoted_rows}
    attempts = _send_attempts([m for m in thread if _worth_showing_attempts(m)])
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
        message.send_attempt_rows = attempts.get(message.pk, [])
        message.troubled_attempts = _troubled(message.send_attempt_rows)
    return thread



def _worth_showing_attempts(message: Message) -> bool:
    # One accepted try is the common case and needs no query; a retry, a failure or a message
    # still waiting to go out is what support asks about.
    if message.direction != Message.Direction.OUTBOUND or not message.attempts:
        return False
    waiting = message.status in (Message.Status.QUEUED, Message.Status.SENDING, Message.Status.FAILED)
    return message.attempts > 1 or waiting


def _send_attempts(messages: list[Message]) -> dict[int, list[MessageSendAttempt]]:
    found: dict[int, list[MessageSendAttempt]] = defaultdict(list)
    if messages:
        for attempt in MessageSendAttempt.objects.filter(message__in=[m.pk for m in messages]).order_by("message", "number"):
            found[attempt.message_id].append(attempt)
    return found


def _troubled(attempts: list[MessageSendAttempt]) -> list[MessageSendAttempt]:
    """The attempts, each with its plain-words explanation, when any of them failed; else none."""
    if all(a.outcome == MessageSendAttempt.Outcome.ACCEPTED for a in attempts):
        return []
    for attempt in attempts:
        attempt.explanation = explain_attempt(outcome=attempt.outcome, code=attempt.error_code)
    return attempts
