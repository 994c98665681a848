"""Processing stored webhook events: parse the envelope, dispatch each change by ``field``.

The handler table lives in ``cloudapi.webhook_registry``; messaging registers the fields it owns
here (``messages``, ``flows``, ``user_preferences``), other apps from their own
``AppConfig.ready()``. The drain claims a batch of events and applies them together: each is
checked on its own, then the ``messages`` parts of all of them are applied with a few set-based
statements (``MessagesBatch``); if that fails, each event is applied alone by the same code, so a
poison event is isolated. An event of up to ``chunk_items()`` items is applied whole or not at
all; a larger one chunk by chunk (see ``chunks``), each chunk whole or not at all. A failure is
recorded on the event, which can be replayed.

Outcomes: ``processed``; ``rejected`` (the payload is malformed, or names an object of an
account that did not sign it: the reason is kept); ``unroutable`` (for a number or account we do
not have); ``failed`` (a bug of ours — the error is kept and the event can be replayed once it is
fixed).

Tenancy: the event may change only its signer accounts (``accounts.webhook_scope``). One scope is
built per signer and batch and passed to every handler as ``scope``; the WABA of each entry and
the number of each change's metadata are checked here, per event, before any handler runs.
"""

import logging
import time
import traceback
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import Length
from django.utils import timezone

from accounts.services.audit import record_audits
from accounts.webhook_scope import SignerScope
from cloudapi import webhook_registry
from cloudapi.webhook_payloads import ForeignObject, InvalidPayload, UnknownAccount, parse_json

from ..models import WebhookEvent
from ..services.set_updates import update_from_values
from .chunks import Item, chunk_items, event_items, pieces_of
from .errors import UnknownPhoneNumber
from .flows import handle_flows
from .messages import MessagesBatch, handle_messages
from .user_preferences import handle_user_preferences

__all__ = [
    "UnknownPhoneNumber",
    "handle_flows",
    "handle_messages",
    "handle_user_preferences",
    "drain_webhook_events",
    "process_webhook_event",
    "register_handlers",
    "replay_webhook_event",
]

logger = logging.getLogger(__name__)


def register_handlers() -> None:
    webhook_registry.register("messages", handle_messages)
    webhook_registry.register("flows", handle_flows)
    webhook_registry.register("user_preferences", handle_user_preferences)


def process_webhook_event(*, event_id: int) -> WebhookEvent:
    """Apply one stored event (idempotent: processing it again changes nothing).

    A large event is applied ``chunk_items()`` items at a time, each chunk in its own transaction
    under the event's row lock; the event records how many items are applied, so a crash or a
    failing chunk resumes where it stopped, and two workers never apply the same chunk.
    """
    plan: list[Item] | InvalidPayload | TamperedBody | None = None
    started = False
    size = 10  # grows to chunk_items() while chunks stay short
    while True:
        began = time.monotonic()
        with transaction.atomic():
            event = WebhookEvent.objects.select_for_update().get(pk=event_id)
            if event.state == WebhookEvent.State.PROCESSED or (started and event.state != WebhookEvent.State.PENDING):
                return event
            if plan is None:
                plan = _plan(event)
            if not started:
                event.attempts += 1
                started = True
            _apply_events([(event, plan)], size=size)
        size = _next_chunk_size(size, seconds=time.monotonic() - began)
        if event.state == WebhookEvent.State.PENDING:
            _let_other_writers_in()  # more chunks to come


# A chunk should hold the write lock about this long; on a busy machine an item costs 10× more
# than on an idle one, so the chunk size follows (progress is an offset: any size resumes).
CHUNK_SECONDS = 0.5


def _next_chunk_size(size: int, *, seconds: float) -> int:
    if seconds > CHUNK_SECONDS:
        return max(5, int(size * CHUNK_SECONDS / seconds))
    return min(chunk_items(), size * 2) if seconds < CHUNK_SECONDS / 2 else size


# Events claimed per transaction at most (fewer when their items pass chunk_items()): one
# durable commit per event was the drain's first bottleneck, queries per event the next.
DRAIN_COMMIT_EVERY = 200


def drain_webhook_events(*, limit: int, seconds: float | None = None) -> int:
    """Process pending events in arrival order; returns how many. With ``seconds``, no new batch
    starts after that long (the caller comes back for the rest, and its worker's other tasks go
    first); one batch always does.

    Events are claimed in batches (``SKIP LOCKED`` on PostgreSQL, so concurrent drains on
    several workers never take the same rows) and applied together, a few set-based statements
    for the whole batch (``_apply_events``). A batch holds at most ``chunk_items()`` items, so
    no write transaction is long; an event larger than that is applied on its own, chunk by
    chunk (``process_webhook_event``), in its turn.
    """
    done = 0
    deadline = None if seconds is None else time.monotonic() + seconds
    while done < limit:
        large = None
        wanted = min(DRAIN_COMMIT_EVERY, limit - done)
        with transaction.atomic():
            batch = list(
                WebhookEvent.objects.select_for_update(skip_locked=True)
                .filter(state=WebhookEvent.State.PENDING)
                .defer("body", "raw_body").annotate(body_length=Length("body"))
                .order_by("id")[:wanted]
            )
            readable = _read_bodies(batch)
            more = len(batch) == wanted or len(readable) < len(batch)
            items, work = 0, []
            for event in readable:
                plan = _plan(event)
                size = _items_left(event, plan)
                if items and items + size > chunk_items():
                    more = True
                    break  # the rest waits for the next, short, transaction
                if size > chunk_items():
                    large = event
                    break
                event.attempts += 1
                work.append((event, plan))
                items += size
            _apply_events(work)
            done += len(work)
        if large is not None:
            process_webhook_event(event_id=large.pk)
            done += 1
        if not batch or (deadline is not None and time.monotonic() >= deadline):
            break
        if more:
            _let_other_writers_in()
    return done


# SQLite has one write lock, and a writer waiting for it polls (up to every 100 ms): commits
# back to back would starve the receiver however short each transaction is.
SQLITE_PAUSE_BETWEEN_WRITES = 0.1


# Stored bytes per item, generously (a single status or message with its envelope is smaller):
# what may fit in one transaction is read, not every claimed event's body.
BODY_BYTES_PER_ITEM = 2_000


def _read_bodies(events: list[WebhookEvent]) -> list[WebhookEvent]:
    """The first events whose stored bytes may fit in one transaction (at least one), with those
    bytes read in one query: claiming many of Meta's hundred-status events to apply one of them
    must not read them all (that was most of the drain's time)."""
    budget, taken, size = chunk_items() * BODY_BYTES_PER_ITEM, [], 0
    for event in events:
        if taken and size + event.body_length > budget:
            break
        taken.append(event)
        size += event.body_length
    stored = {pk: (body, raw) for pk, body, raw in
              WebhookEvent.objects.filter(pk__in=[e.pk for e in taken]).values_list("pk", "body", "raw_body")}
    for event in taken:
        event.body, event.raw_body = stored[event.pk]
    return taken


def _let_other_writers_in() -> None:
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        time.sleep(SQLITE_PAUSE_BETWEEN_WRITES)


class TamperedBody(Exception):
    """The stored bytes no longer hash to ``body_sha256``: nothing of them is applied."""


def _plan(event: WebhookEvent) -> list[Item] | InvalidPayload | TamperedBody:
    """The event's items in order, or why they cannot be applied (a malformed envelope, or
    bytes altered since they were received — history is never rewritten by a replay)."""
    tampered = event.tampered()
    if tampered:
        return TamperedBody(tampered)
    try:
        return event_items(_parse_envelope(event.stored_text()))
    except InvalidPayload as exc:
        return exc


def _items_left(event: WebhookEvent, plan: list[Item] | InvalidPayload | TamperedBody) -> int:
    if isinstance(plan, (InvalidPayload, TamperedBody)):
        return 1
    return max(1, len(plan) - event.applied_items)


Plan = list[Item] | InvalidPayload | TamperedBody
_EVENT_FIELDS = ["state", "error", "attempts", "unhandled_fields", "applied_items", "processed_at"]


def _apply_events(work: list[tuple[WebhookEvent, Plan]], *, size: int | None = None) -> None:
    """Apply each event's next chunk inside the caller's transaction, then save the events.

    Together first: every event checked on its own, the ``messages`` parts of all of them then
    applied with a few set-based statements (``MessagesBatch``). If that fails (a bug, a row the
    database refuses), nothing of it stays and each event is applied alone, the same way, in its
    own savepoint: the poison one is marked ``failed`` with its error, the others applied. An
    event ends ``processed`` once its last chunk is applied; a failing chunk marks it (rejected /
    unroutable / failed) and leaves the chunks before it applied.
    """
    ready = []
    for event, plan in work:
        if isinstance(plan, TamperedBody):
            _mark(event, WebhookEvent.State.REJECTED, str(plan))
        elif isinstance(plan, InvalidPayload):
            _mark(event, WebhookEvent.State.REJECTED, f"Malformed payload: {plan}")
        else:
            start = event.applied_items
            ready.append((event, plan, plan[start : start + (size or chunk_items())]))
    together = len(ready) > 1
    if together:
        try:
            with transaction.atomic():
                _apply_together(ready)
        except Exception as exc:  # noqa: BLE001 — find the poison event: one by one below
            logger.warning("A batch of %d webhook events failed (%s); applying them one by one", len(ready),
                           type(exc).__name__)
            together = False
    if not together:
        for item in ready:
            _apply_alone(item)
    if len(work) == 1:
        work[0][0].save(update_fields=_EVENT_FIELDS)
    elif work:
        update_from_values(
            WebhookEvent,
            columns={"id": "id", **{name: name for name in _EVENT_FIELDS}},
            rows=[(event.pk, *(getattr(event, name) for name in _EVENT_FIELDS)) for event, _ in work],
            assignments={name: f"v.{name}" for name in _EVENT_FIELDS},
        )


def _apply_alone(item: tuple[WebhookEvent, list[Item], list[Item]]) -> None:
    event = item[0]
    try:
        with transaction.atomic():
            _apply_together([item])
    except Exception as exc:  # noqa: BLE001 — any bug must mark the event, never lose it
        # Where it failed, not the exception's text: a database error's text can quote the row (a body).
        logger.error("Webhook event %s failed: %s\n%s", event.pk, type(exc).__name__,
                     "".join(traceback.format_tb(exc.__traceback__)))
        _mark(event, WebhookEvent.State.FAILED, f"{type(exc).__name__}: {exc}")


def _apply_together(ready: list[tuple[WebhookEvent, list[Item], list[Item]]]) -> None:
    """Check and collect each event (its outcome set on it, not saved), then apply the batch.

    Tenancy is per event: a foreign number, WABA or message rejects that event and nothing of
    it joins the batch. Raises only for a bug or a database error (the caller's fallback)."""
    scopes: dict[int | None, SignerScope] = {}
    batch = MessagesBatch()
    chunks = [(event, plan, chunk, pieces_of(chunk)) for event, plan, chunk in ready]
    batch.prefetch([piece.value for *_, pieces in chunks for piece in pieces if piece.field == "messages"])
    applied = []
    for event, plan, chunk, pieces in chunks:
        if event.account_id not in scopes:
            scopes[event.account_id] = SignerScope.of_signer(event.account_id)
        scope = scopes[event.account_id]
        checkpoint = batch.checkpoint()
        try:
            if event.applied_items == 0 and len(chunk) < len(plan):
                # Tenancy is all or nothing: a foreign number or WABA in a later chunk rejects the
                # event before its first chunk is applied.
                _check_scope(scope, pieces_of(plan))
            _check_scope(scope, pieces)
            # Other fields' handlers (and value.errors) write at once: a savepoint undoes them if
            # the event turns out bad; a plain messages change writes nothing until the batch does.
            with transaction.atomic() if _writes_at_once(pieces) else nullcontext():
                unhandled = _dispatch(event, pieces, scope=scope, batch=batch)
        except InvalidPayload as exc:
            batch.rollback(checkpoint)
            _mark(event, WebhookEvent.State.REJECTED, f"Malformed payload: {exc}")
        except ForeignObject as exc:
            batch.rollback(checkpoint)
            _mark(event, WebhookEvent.State.REJECTED, str(exc))
        except UnknownAccount as exc:
            batch.rollback(checkpoint)
            _mark(event, WebhookEvent.State.UNROUTABLE, str(exc))
        else:
            applied.append((event, plan, chunk, unhandled))
    batch.apply()
    for event, plan, chunk, unhandled in applied:
        start = event.applied_items
        event.unhandled_fields = sorted(set(unhandled) | (set(event.unhandled_fields) if start else set()))
        event.applied_items = start + len(chunk)
        if event.applied_items >= len(plan):
            _mark(event, WebhookEvent.State.PROCESSED, "")
        else:
            event.state = WebhookEvent.State.PENDING
            event.error = ""


def _writes_at_once(pieces) -> bool:
    return any(piece.field != "messages" or piece.value.get("errors") for piece in pieces)


def replay_webhook_event(*, event_id: int, actor=None, reason: str = "") -> WebhookEvent:
    """Process an event again from its stored bytes, resuming after its applied chunks (support's
    replay). Bytes that no longer match their hash are refused: the event ends ``rejected`` with
    the reason. Audited (``webhook_event.replay``) with ``actor`` and ``reason``."""
    return _replay_inline([event_id], actor=actor, reason=reason)[0]


# Replaying more than this many events in one request would time out: the rest go to Celery.
REPLAY_INLINE_LIMIT = 100


@dataclass(frozen=True)
class Replay:
    """What a replay of several events did: ``queued`` for the worker, or ``replayed`` now;
    ``refused`` are the events whose stored bytes do not match their hash (id, reason)."""

    queued: int = 0
    replayed: int = 0
    processed: int = 0
    refused: tuple[tuple[int, str], ...] = ()


def replay_webhook_events(*, event_ids: list[int], actor=None, reason: str = "") -> Replay:
    """Replay events in the given order (the admin's action): inline up to ``REPLAY_INLINE_LIMIT``,
    else reset to pending and handed to the worker once the transaction commits. Each event gets
    an audit entry; a tampered one is refused (inline: reported here; queued: by its state)."""
    if len(event_ids) > REPLAY_INLINE_LIMIT:
        from ..services.webhook_inbox import enqueue_processing  # the inbox enqueues through the tasks

        _audit_replay(event_ids, actor=actor, reason=reason, queued=True)
        _reset_to_pending(event_ids)
        for pk in event_ids:
            transaction.on_commit(lambda pk=pk: enqueue_processing(pk))
        return Replay(queued=len(event_ids))
    events = _replay_inline(event_ids, actor=actor, reason=reason)
    states = [event.state for event in events]
    refused = tuple((event.pk, why) for event in events if (why := event.tampered()))
    return Replay(replayed=len(states), processed=states.count(WebhookEvent.State.PROCESSED), refused=refused)


def _replay_inline(event_ids: list[int], *, actor, reason: str) -> list[WebhookEvent]:
    _audit_replay(event_ids, actor=actor, reason=reason, queued=False)
    events = []
    for pk in event_ids:
        _reset_to_pending([pk])
        events.append(process_webhook_event(event_id=pk))
    return events


def _audit_replay(event_ids: list[int], *, actor, reason: str, queued: bool) -> None:
    rows = WebhookEvent.objects.filter(pk__in=event_ids).only("pk", "field", "state", "account_id")
    record_audits(
        actor=actor,
        action="webhook_event.replay",
        objects=[(event, event.account_id) for event in rows],
        details={"queued": queued},
        reason=reason,
    )


def _reset_to_pending(event_ids: list[int]) -> None:
    WebhookEvent.objects.filter(pk__in=event_ids).exclude(state=WebhookEvent.State.PROCESSED).update(
        state=WebhookEvent.State.PENDING
    )


def _dispatch(event: WebhookEvent, pieces, *, scope: SignerScope, batch: MessagesBatch) -> list[str]:
    """Run each piece's handler (``messages`` pieces join the batch); returns what no handler
    took (kept on the event, never an error). A handler may return a list of parts it kept
    without applying (e.g. ``messages:system``)."""
    unhandled: list[str] = []
    for piece in pieces:
        if piece.field == "messages":
            kept = batch.add(value=piece.value, entry=piece.entry, event=event, scope=scope)
        else:
            handler = webhook_registry.handler_for(piece.field)
            if handler is None:
                unhandled.append(piece.field[:64])
                continue
            kept = handler(value=piece.value, entry=piece.entry, event=event, scope=scope)
        if isinstance(kept, list):
            unhandled.extend(str(part)[:64] for part in kept)
    return sorted(set(unhandled))


def _check_scope(scope: SignerScope, pieces) -> None:
    """Each entry's WABA and each change's number, when connected, must be a signer's."""
    checked: list[dict[str, Any]] = []
    for piece in pieces:
        if not any(piece.entry is entry for entry in checked):
            scope.entry_account(piece.entry)
            checked.append(piece.entry)
        scope.check_change(piece.value)


def _parse_envelope(body: str) -> dict[str, Any]:
    payload = parse_json(body)
    if not isinstance(payload, dict):
        raise InvalidPayload("the body is not a JSON object")
    if payload.get("object") != "whatsapp_business_account":
        raise InvalidPayload(f"unexpected object {str(payload.get('object'))[:64]!r}")
    if not isinstance(payload.get("entry"), list):
        raise InvalidPayload("no entry list")
    return payload


def _mark(event: WebhookEvent, state: str, error: str) -> None:
    """The event's outcome, saved with the others of its batch."""
    event.state = state
    event.error = error
    event.processed_at = timezone.now()
