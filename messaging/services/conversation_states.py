"""Conversation states: open, pending (waiting on the customer), snoozed until a time, resolved.

A person sets a state (one conversation, or many from the inbox's bulk actions); a customer's
message reopens a pending, snoozed or resolved conversation (``customer_wrote``, called by the
batched inbound path with the rows it holds locked); the beat wakes snoozed conversations whose
time has come (``wake_snoozed_conversations``). Every change is a ``ConversationEvent`` (the
thread's small system lines, insights' timings) and, when a person made it, an audit entry.

Event kinds: ``opened`` and ``reopened`` only for a customer's message (response times start
there); ``marked_open`` when a person reopens, or the timer ends a snooze; ``pending``,
``snoozed``, ``resolved`` when a person sets them.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services.audit import record_audits

from ..models import Conversation, ConversationEvent

State = Conversation.State
Kind = ConversationEvent.Kind

_KIND_OF_STATE = {State.OPEN: Kind.MARKED_OPEN, State.PENDING: Kind.PENDING, State.SNOOZED: Kind.SNOOZED,
                  State.RESOLVED: Kind.RESOLVED}
# Wakes per beat run at most: the rest wake at the next run (a minute later).
WAKE_BATCH = 1000


def set_conversation_state(*, conversation: Conversation, state: str, actor, snoozed_until: datetime | None = None
                           ) -> Conversation:
    """Set one conversation's state (see :func:`set_conversation_states`)."""
    changed = set_conversation_states(conversations=[conversation], state=state, actor=actor,
                                      snoozed_until=snoozed_until)
    return changed[0] if changed else conversation


@transaction.atomic
def set_conversation_states(*, conversations: list[Conversation], state: str, actor,
                            snoozed_until: datetime | None = None) -> list[Conversation]:
    """Move ``conversations`` (already scoped to what ``actor`` may see) to ``state``; returns those
    that changed. Snoozing needs a time in the future; the others take none. A conversation already
    in that state (and, snoozed, until that time) is left as it is: no event, no audit entry.

    One UPDATE, one INSERT of events and one of audit entries, however many conversations."""
    if state not in State.values:
        raise ValidationError("Choose open, pending, snoozed or resolved.")
    now = timezone.now()
    if state == State.SNOOZED:
        if snoozed_until is None:
            raise ValidationError("Say until when to snooze.")
        if snoozed_until <= now:
            raise ValidationError("Snooze until a time in the future.")
    else:
        snoozed_until = None
    changing = [c for c in conversations if (c.state, c.snoozed_until) != (state, snoozed_until)]
    if not changing:
        return []
    Conversation.objects.filter(pk__in=[c.pk for c in changing]).update(
        state=state, snoozed_until=snoozed_until, state_changed_at=now
    )
    events = []
    for conversation in changing:
        details = {"from": conversation.state}
        if snoozed_until is not None:
            details["until"] = snoozed_until.isoformat()
        events.append(ConversationEvent(conversation=conversation, kind=_KIND_OF_STATE[state], actor=_person(actor),
                                        details=details, occurred_at=now))
        conversation.state, conversation.snoozed_until, conversation.state_changed_at = state, snoozed_until, now
    ConversationEvent.objects.bulk_create(events)
    record_audits(
        actor=actor, action=f"conversation.{state}",
        objects=[(c, c.phone_number.account_id) for c in changing],
        details={"until": snoozed_until.isoformat()} if snoozed_until else None,
    )
    return changing


@dataclass(frozen=True)
class Current:
    """What the inbound path read of a conversation it holds locked."""

    state: str
    state_changed_at: datetime | None
    last_inbound_at: datetime | None


def customer_wrote(current: Current, written: list[datetime]) -> tuple[str, ConversationEvent | None]:
    """The state a conversation takes after its customer wrote at ``written`` (their messages of
    one batch), and the event to record (unsaved, no conversation set), if any.

    The first message of a conversation the customer never wrote to before is ``opened``; a
    message newer than the last state change reopens a pending, snoozed or resolved one. A late
    message, older than the change (a webhook delivered late, a replay), reopens nothing.
    """
    if not written:
        return current.state, None
    newest = max(written)
    if current.state != State.OPEN:
        changed = current.state_changed_at
        # Meta's times are whole seconds: a message of the same second as the change is after it.
        if changed is None or newest >= changed.replace(microsecond=0):
            return State.OPEN, ConversationEvent(kind=Kind.REOPENED, details={"from": current.state},
                                                 occurred_at=newest)
        return current.state, None
    if current.last_inbound_at is None:
        return State.OPEN, ConversationEvent(kind=Kind.OPENED, details={}, occurred_at=min(written))
    return current.state, None


def wake_snoozed_conversations(*, now: datetime | None = None) -> int:
    """Reopen snoozed conversations whose time has come (the beat, every minute): a few statements
    for up to ``WAKE_BATCH`` of them; returns how many woke."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Conversation.objects.select_for_update(skip_locked=True)
            .filter(state=State.SNOOZED, snoozed_until__lte=now)
            .order_by("snoozed_until")
            .values_list("pk", "snoozed_until")[:WAKE_BATCH]
        )
        if not due:
            return 0
        Conversation.objects.filter(pk__in=[pk for pk, _ in due], state=State.SNOOZED).update(
            state=State.OPEN, snoozed_until=None, state_changed_at=now
        )
        ConversationEvent.objects.bulk_create([
            ConversationEvent(conversation_id=pk, kind=Kind.MARKED_OPEN, occurred_at=now,
                              details={"from": State.SNOOZED, "snooze_ended": True, "until": until.isoformat()})
            for pk, until in due
        ])
    return len(due)


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
