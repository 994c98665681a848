"""A row per call to Meta for an outbound message, so support sees every try and why it failed.

``deliver_messages`` times each Graph call with a :class:`CallLog`, then hands the calls to
:func:`record_attempts` inside the transaction that changes the messages' state, with their
rows locked: the numbers continue from the rows already there, and only the task that claimed a
message is recording, so two tasks never share a number.
"""

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, TypeVar

from django.db.models import Count
from django.utils import timezone

from cloudapi.errors import CloudApiError, ServerError

from ..models import Message, MessageSendAttempt

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One timed Graph call: no ``error`` means Meta accepted it."""

    started_at: datetime
    duration_ms: int
    error: CloudApiError | None = None


class CallLog:
    """The calls of one delivery, in order, until they are recorded."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def timed(self, send: Callable[[], T]) -> T:
        """Run ``send`` (one Graph call) and note when it started, how long it took and how it ended."""
        started_at, clock = timezone.now(), time.monotonic()
        try:
            result = send()
        except CloudApiError as error:
            self._note(started_at, clock, error)
            raise
        except Exception as exc:
            # Not an answer we understand: the request may have gone out, so treat it as unknown.
            unknown = ServerError(message=f"Unexpected failure ({type(exc).__name__})", retryable=True, outcome_unknown=True)
            self._note(started_at, clock, unknown)
            raise
        self._note(started_at, clock, None)
        return result

    def _note(self, started_at: datetime, clock: float, error: CloudApiError | None) -> None:
        elapsed = max(0, round((time.monotonic() - clock) * 1000))
        self.calls.append(Call(started_at=started_at, duration_ms=elapsed, error=error))


def outcome_of(error: CloudApiError | None) -> str:
    """Accepted, retryable, permanent or unknown, as ``cloudapi.errors`` classified the error."""
    if error is None:
        return MessageSendAttempt.Outcome.ACCEPTED
    if error.outcome_unknown:
        return MessageSendAttempt.Outcome.UNKNOWN
    if error.retryable:
        return MessageSendAttempt.Outcome.RETRYABLE
    return MessageSendAttempt.Outcome.PERMANENT


def record_attempts(calls_of: dict[Message, list[Call]]) -> dict[int, int]:
    """Store each message's ``calls`` as its next attempt rows; returns how many attempts each
    message has now, by id. One count and one insert, however many messages.

    Call it in the transaction that changes the messages, with their rows locked
    (``select_for_update``) by the task that claimed them.
    """
    if not calls_of:
        return {}
    before = dict(
        MessageSendAttempt.objects.filter(message__in=list(calls_of)).values("message").annotate(n=Count("pk"))
        .values_list("message", "n")
    )
    rows = [
        _row(message, number, call)
        for message, calls in calls_of.items()
        for number, call in enumerate(calls, start=before.get(message.pk, 0) + 1)
    ]
    MessageSendAttempt.objects.bulk_create(rows)
    return {message.pk: before.get(message.pk, 0) + len(calls) for message, calls in calls_of.items()}


def _row(message: Message, number: int, call: Call) -> MessageSendAttempt:
    error = call.error
    return MessageSendAttempt(
        message=message,
        number=number,
        started_at=call.started_at,
        duration_ms=call.duration_ms,
        outcome=outcome_of(error),
        http_status=error.http_status if error else None,
        error_code=error.code if error else None,
        error_subcode=error.error_subcode if error else None,
        # Meta's error text and ids only: the message body is never part of an error.
        error_title=(error.title if error else "")[:255],
        error_message=(error.message if error else "")[:500],
        error_details=error.details if error else "",
        fbtrace_id=(error.fbtrace_id if error else "")[:64],
    )
