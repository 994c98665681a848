"""Status changes, applied by Meta's rank and never by arrival order.

A late ``delivered`` never overwrites ``read``; ``failed`` keeps its error and only real proof of
delivery (``delivered``/``read``) moves a message past it; a ``failed`` after such proof is kept on
the timeline but leaves the message and its error fields alone; a status for a wamid we do not know
yet is kept and applied when the message gets that wamid.

Statuses are applied a batch at a time (the drain hands over every status of the events it
claimed): the timeline rows in one multi-row INSERT that skips the (wamid, status) pairs already
recorded, then every message moved in one UPDATE whose ``CASE`` is guarded by the status rank in
SQL, so the database never lets a lower status overwrite a higher one, whichever worker commits first.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import IntegerField
from django.utils import timezone

from accounts.webhook_scope import SignerScope
from cloudapi.webhook_payloads import InvalidPayload, as_dict, as_list, first_error, parse_timestamp, required_str, text_of

from ..models import Conversation, Message, MessageStatusEvent, WebhookEvent
from .marketing_limits import note_marketing_limits
from .consent import record_opt_out_failures
from .set_updates import update_from_values

Status = Message.Status
RANK = {
    Status.QUEUED: 0,
    Status.SENDING: 0,
    Status.ACCEPTED: 10,
    Status.HELD: 15,
    Status.SENT: 20,
    Status.FAILED: 25,
    Status.DELIVERED: 30,
    Status.READ: 40,
    Status.PLAYED: 50,
}


class NotStored(Exception):
    """The database skipped a row it should have taken: the batch is applied event by event."""


@dataclass
class StatusRow:
    """One parsed ``statuses[]`` object and the message it belongs to (``None``: not known yet)."""

    record: MessageStatusEvent
    message_id: int | None = None
    callback_uuid: uuid.UUID | None = field(default=None)


def parse_status(status: Any, *, event: WebhookEvent | None) -> StatusRow:
    """``InvalidPayload`` unless ``status`` has an id and a status name and a valid timestamp."""
    if not isinstance(status, dict):
        raise InvalidPayload("a status is not an object")
    wamid = required_str(status, "id")
    # A status name Meta adds later is kept on the timeline; having no rank, it moves nothing.
    name = required_str(status, "status", max_length=16)
    record = MessageStatusEvent(
        wamid=wamid,
        status=name,
        timestamp=parse_timestamp(status.get("timestamp")),
        recipient_id=text_of(status.get("recipient_id"), max_length=64),
        recipient_type=text_of(status.get("recipient_type"), max_length=16),
        recipient_participant_id=text_of(status.get("recipient_participant_id"), max_length=64),
        errors=as_list(status.get("errors")),
        pricing=as_dict(status.get("pricing")),
        conversation_info=as_dict(status.get("conversation")),
        webhook_event=event,
    )
    return StatusRow(record=record, callback_uuid=callback_uuid(status))


def callback_uuid(status: Any) -> uuid.UUID | None:
    """Our UUID, travelling as ``biz_opaque_callback_data``: it finds the message even when the
    send call's answer (with the wamid) was lost or has not come back yet."""
    data = text_of(as_dict(status).get("biz_opaque_callback_data"))
    try:
        return uuid.UUID(data) if data else None
    except ValueError:
        return None


def apply_statuses(rows: list[StatusRow]) -> list[MessageStatusEvent]:
    """Record the batch's statuses on the timeline and move their messages; returns the new rows.

    A (wamid, status) already recorded — redelivered, in another batch, by another app, or
    twice in this one — adds nothing and moves nothing. Three statements whatever the batch size.
    """
    fresh: dict[tuple[str, str], StatusRow] = {}
    for row in rows:
        fresh.setdefault((row.record.wamid, row.record.status), row)
    if not fresh:
        return []
    wamids = {wamid for wamid, _ in fresh}
    for key in MessageStatusEvent.objects.filter(wamid__in=wamids).values_list("wamid", "status"):
        fresh.pop(key, None)
    for row in fresh.values():
        row.record.message_id = row.message_id
    MessageStatusEvent.objects.bulk_create([row.record for row in fresh.values()], ignore_conflicts=True)
    # Another worker may have inserted one of them meanwhile: the stored row says whose it is.
    owners = dict(
        ((wamid, name), event_id)
        for wamid, name, event_id in MessageStatusEvent.objects.filter(wamid__in=wamids).values_list(
            "wamid", "status", "webhook_event_id"
        )
    )
    if any(key not in owners for key in fresh):  # SQLite's INSERT OR IGNORE skips a row breaking any constraint
        raise NotStored("a status was refused by the database")
    mine = [row.record for key, row in fresh.items() if owners.get(key) == row.record.webhook_event_id]
    known = [record for record in mine if record.message_id is not None]
    advance_messages(known)
    record_opt_out_failures(known)  # a 131050: the customer opted out of marketing
    return mine


def attach_pending_statuses_of(messages: list[Message]) -> int:
    """Apply statuses that arrived before these messages had their wamids; returns how many.

    Only those signed by a message's account (or a sister sharing its secret): a status another
    account signed for a wamid nobody had yet stays unattached, on nobody's timeline. A status
    without a webhook event (a direct caller, or its event purged) is trusted as before. One query
    when nothing is pending (the usual case: a status carrying our UUID found its message itself).
    """
    by_wamid = {message.wamid: message for message in messages if message.wamid}
    if not by_wamid:
        return 0
    pending = list(MessageStatusEvent.objects.filter(wamid__in=list(by_wamid), message__isnull=True)
                   .select_related("webhook_event"))
    if not pending:
        return 0
    with transaction.atomic():
        return _attach(pending, by_wamid)


def _attach(pending: list[MessageStatusEvent], by_wamid: dict[str, Message]) -> int:
    owners = dict(Conversation.objects.filter(pk__in={m.conversation_id for m in by_wamid.values()})
                  .values_list("pk", "phone_number__account_id"))
    scopes: dict[int | None, SignerScope] = {}
    mine = []
    for record in pending:
        message = by_wamid[record.wamid]
        if record.webhook_event is not None:
            signer = record.webhook_event.account_id
            scope = scopes.setdefault(signer, SignerScope.of_signer(signer))
            if owners.get(message.conversation_id) not in (scope.account_ids or ()):
                continue
        record.message_id = message.pk
        mine.append(record)
    if not mine:
        return 0
    records_of: dict[int, list[int]] = {}
    for record in mine:
        records_of.setdefault(record.message_id, []).append(record.pk)
    for message_id, pks in records_of.items():
        MessageStatusEvent.objects.filter(pk__in=pks).update(message_id=message_id)
    advance_messages(mine)
    record_opt_out_failures(mine)
    return len(mine)


_RANK_OF_CURRENT = "(CASE t.status " + " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in RANK.items()) + " ELSE -1 END)"
_ENDS_FAILED = (
    f"v.failed = 1 AND ((v.status = 'failed' AND {_RANK_OF_CURRENT} < v.rank)"
    f" OR (t.status = 'failed' AND v.rank <= {RANK[Status.FAILED]}))"
)
_SETS_TIME = f"t.meta_timestamp IS NULL AND v.sent_at IS NOT NULL AND {_RANK_OF_CURRENT} < {RANK[Status.SENT]}"
_ADVANCES = f"{_RANK_OF_CURRENT} < v.rank"
_TAKES_WAMID = "(t.wamid IS NULL OR t.wamid = '')"
_CHANGES = f"({_ADVANCES}) OR ({_SETS_TIME}) OR ({_ENDS_FAILED}) OR {_TAKES_WAMID}"


def advance_messages(records: Iterable[MessageStatusEvent]) -> int:
    """Move each message to the highest-ranked of its new ``records``, in one UPDATE.

    Every condition is evaluated by the database on the row as it is when the UPDATE takes it:
    the status only moves up (a status without a rank moves nothing); ``sent`` gives Meta's
    send time if there is none yet; a ``failed`` with errors shows its first error only when the
    message ends ``failed`` (a failed that ranks below what the message already proved —
    delivered, read — stays only on the timeline: the bubble must not show an error under a
    message the customer read); a message found by our UUID takes the wamid Meta gave it.
    """
    records = list(records)
    by_message: dict[int, list[MessageStatusEvent]] = {}
    for record in records:
        by_message.setdefault(record.message_id, []).append(record)
    now = timezone.now()
    rows = []
    for pk, mine in sorted(by_message.items()):  # in id order, like every batch that locks messages
        best = max((r for r in mine if r.status in RANK), key=lambda r: RANK[r.status], default=None)
        sent = next((r for r in mine if r.status == Status.SENT), None)
        failed = next((r for r in mine if r.status == Status.FAILED and r.errors), None)
        # Every error object stays on the timeline row; the first one is what the bubble shows.
        code, title, details = first_error(failed.errors) if failed else (None, "", "")
        rows.append((
            pk, best.status if best else None, best.timestamp if best else None, RANK[best.status] if best else -1,
            sent.timestamp if sent else None, int(failed is not None), code, title, details, mine[0].wamid, now,
        ))
    note_marketing_limits(records)  # 131049: no marketing to that customer for 24 h
    return update_from_values(
        Message,
        columns={"id": "id", "status": "status", "status_at": "status_at", "rank": _RANK_FIELD,
                 "sent_at": "meta_timestamp", "failed": _RANK_FIELD, "error_code": "error_code",
                 "error_title": "error_title", "error_details": "error_details", "wamid": "wamid", "now": "updated_at"},
        rows=rows,
        assignments={
            "status": f"CASE WHEN {_ADVANCES} THEN v.status ELSE t.status END",
            "status_at": f"CASE WHEN {_ADVANCES} THEN v.status_at ELSE t.status_at END",
            "meta_timestamp": f"CASE WHEN {_SETS_TIME} THEN v.sent_at ELSE t.meta_timestamp END",
            "error_code": f"CASE WHEN {_ENDS_FAILED} THEN v.error_code ELSE t.error_code END",
            "error_title": f"CASE WHEN {_ENDS_FAILED} THEN v.error_title ELSE t.error_title END",
            "error_details": f"CASE WHEN {_ENDS_FAILED} THEN v.error_details ELSE t.error_details END",
            "wamid": f"CASE WHEN {_TAKES_WAMID} THEN v.wamid ELSE t.wamid END",
            "updated_at": "v.now",
        },
        where=_CHANGES,
    )


_RANK_FIELD = IntegerField()


def find_messages(*, wamids: set[str], uuids: set[uuid.UUID]) -> tuple[dict[str, tuple[int, int]], dict[uuid.UUID, tuple[int, int]]]:
    """The stored messages with these wamids, and the outbound ones with these UUIDs of ours:
    ``{wamid: (message id, owner account id)}``, ``{uuid: (message id, owner account id)}``."""
    owner = "conversation__phone_number__account_id"
    by_wamid = {
        wamid: (pk, owner_id)
        for wamid, pk, owner_id in Message.objects.filter(wamid__in=wamids).values_list("wamid", "pk", owner)
    } if wamids else {}
    by_uuid = {
        our_uuid: (pk, owner_id)
        for our_uuid, pk, owner_id in Message.objects.filter(
            uuid__in=uuids, direction=Message.Direction.OUTBOUND
        ).values_list("uuid", "pk", owner)
    } if uuids else {}
    return by_wamid, by_uuid

