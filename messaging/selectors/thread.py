"""A conversation's bubbles, a page at a time (keyset on ``(created_at, id)``).

A thread opens on its newest ``PAGE_SIZE`` messages; "load older" fetches the page before the
oldest shown; the open thread polls everything from its oldest shown message on, so ticks and
new messages move while older pages stay as loaded. Each page is a fixed number of queries:
the messages (with sender, flow response and media file joined), their status timelines,
the messages they quote, our own reactions to them, and — only when a shown message needed more
than one try or has not gone through — its send attempts.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from ..error_explanations import explain_attempt, explain_failure
from ..models import Conversation, ConversationEvent, Message, MessageSendAttempt, Note
from ..services.message_updates import UPDATE_TYPES
from .cursors import encode_cursor

PAGE_SIZE = 50
_CUSTOMER_KINDS = (ConversationEvent.Kind.OPENED, ConversationEvent.Kind.REOPENED)
# An open thread's polled part never grows past this: beyond it, it starts again from the newest page.
MAX_LIVE = 500


@dataclass
class ThreadPage:
    messages: list[Message]
    has_older: bool
    # The messages with the team's notes and the system lines (state changes, assignments,
    # labels) of the same stretch of time, in time order: ("message" | "note" | "event", row).
    items: list[tuple[str, object]] = field(default_factory=list)

    @property
    def cursor(self) -> str:
        """The oldest shown message as a URL-safe cursor ("" when empty)."""
        first = self.messages[0] if self.messages else None
        return encode_cursor(first.created_at, first.pk) if first else ""


def thread_latest(conversation: Conversation, *, limit: int = PAGE_SIZE) -> ThreadPage:
    """The newest ``limit`` messages, oldest first."""
    rows = list(_visible(conversation).order_by("-created_at", "-id")[: limit + 1])
    messages, has_older = _decorate(conversation, list(reversed(rows[:limit]))), len(rows) > limit
    return _page(conversation, messages, has_older, since=messages[0].created_at if has_older else None)


def thread_before(conversation: Conversation, cursor: tuple[datetime, int], *, limit: int = PAGE_SIZE) -> ThreadPage:
    """The ``limit`` messages just older than ``cursor``, oldest first."""
    at, pk = cursor
    older = _visible(conversation).filter(created_at__lte=at).exclude(created_at=at, pk__gte=pk)
    rows = list(older.order_by("-created_at", "-id")[: limit + 1])
    messages, has_older = _decorate(conversation, list(reversed(rows[:limit]))), len(rows) > limit
    return _page(conversation, messages, has_older, since=messages[0].created_at if has_older and messages else None,
                 until=at)


def thread_after(conversation: Conversation, cursor: tuple[datetime, int]) -> ThreadPage | None:
    """Everything from ``cursor`` on (the open thread's live part); ``None`` when it grew too long."""
    at, pk = cursor
    newer = _visible(conversation).filter(created_at__gte=at).exclude(created_at=at, pk__lt=pk)
    rows = list(newer.order_by("created_at", "id")[: MAX_LIVE + 1])
    if len(rows) > MAX_LIVE:
        return None
    return _page(conversation, _decorate(conversation, rows), True, since=at)


def thread_messages(conversation: Conversation, *, limit: int = 200) -> list[Message]:
    """The newest ``limit`` messages, oldest first, decorated (for callers that want a list)."""
    return thread_latest(conversation, limit=limit).messages


def _page(conversation: Conversation, messages: list[Message], has_older: bool, *, since=None, until=None) -> ThreadPage:
    """The page with the notes and system lines of its stretch of time: from its oldest message on
    (from the start when nothing is older), up to ``until`` (excluded: the newer page's). Pages
    meet without a gap or an overlap, whatever is added, because the bounds are the messages'."""
    notes = Note.objects.filter(conversation=conversation).select_related("author")
    events = ConversationEvent.objects.filter(conversation=conversation).select_related("actor")
    if since is not None:
        notes, events = notes.filter(created_at__gte=since), events.filter(occurred_at__gte=since)
    if until is not None:
        notes, events = notes.filter(created_at__lt=until), events.filter(occurred_at__lt=until)
    items = [(m.created_at, 0, m.pk, "message", m) for m in messages]
    items += [(n.created_at, 1, n.pk, "note", n) for n in notes.order_by("created_at", "id")[:MAX_LIVE]]
    # A customer's message that opens or reopens the thread says so just above itself.
    items += [(e.occurred_at, -1 if e.kind in _CUSTOMER_KINDS else 2, e.pk, "event", e) for e in events.order_by("occurred_at", "id")[:MAX_LIVE]]
    items.sort(key=lambda item: item[:3])
    return ThreadPage(messages=messages, has_older=has_older, items=[(kind, row) for *_, kind, row in items])


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
