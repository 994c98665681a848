"""Delivering queued messages to Meta, in the worker: a batch at a time, one Graph call per message.

``deliver_messages`` loads the batch's queued messages in one query and claims them with one
conditional UPDATE (queued → sending: a message another task took, or a status webhook moved on, is
left alone), then for each message in turn: waits for the shared rate limiter's grant
(``rate_limit``: a short wait is slept here, a longer one puts it and the rest of the batch back to
``queued`` for the task to bring back later), turns a media library file into a Meta media id
(uploading it again if Meta's id expired), and calls the Graph API. Our UUID travels as
``biz_opaque_callback_data`` so a status webhook finds the message even if the call's answer is lost.

What Meta accepted is recorded in bulk — the wamid, the state and a ``MessageSendAttempt`` per call
(see ``send_attempts``), with the rows locked — whenever the batch would sleep for the limiter, and
at its end: a few statements per batch instead of a dozen per message, which is what lets one
worker keep up with a number's 80 messages a second. A failure is recorded for its message at
once. A worker killed between a call and its record leaves the message ``sending``: its status
webhook (carrying our UUID) moves it on, and messaging's stale sweep takes it back only after 10
minutes, long after that webhook had time to arrive — so nothing is sent twice. The batch's claimed
messages it had not called yet wait for that sweep too: nothing tells them apart from the one whose
call was under way.

Meta's own "too fast" answers slow the number or the customer's pair down (``rate_limit.backoff``).
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.graph import client_for
from cloudapi.errors import CloudApiError
from media_lib.services import ensure_cloud_media_id, is_unknown_media_error, refresh_cloud_media_id

from ..error_explanations import LOCAL_FAILURE_TITLE, explain
from ..models import Message, MessageSendAttempt
from . import rate_limit
from .compose import MEDIA_KINDS
from .rate_limit import backoff
from .send_attempts import Call, CallLog, record_attempts
from .set_updates import update_from_values
from .sending import DISPLAY_KEY
from .statuses import RANK, attach_pending_statuses_of
from .while_waiting import use_wait

logger = logging.getLogger("messaging.delivery")

HELD_FOR_QUALITY = "held_for_quality_assessment"
WAITING_PREFIX = "Waiting: "
UNAVAILABLE_WAIT = 5.0  # seconds a message waits when the limiter's store can't be reached
RECORD_BEFORE_SLEEPING = 0.05  # s: a wait at least this long is used to record what was accepted


class WaitForLimit(Exception):
    """The rate limiter (or Meta's "too fast") says wait ``seconds``; the message is ``queued`` again."""

    def __init__(self, seconds: float, reason: str, *, turn: bool = False) -> None:
        super().__init__(reason)
        self.seconds = max(0.0, seconds)
        self.reason = reason
        # True: ``seconds`` is this message's turn in a waiting line (come back exactly then);
        # otherwise many messages may have been told the same wait.
        self.turn = turn


class NotSendable(Exception):
    """Something on our side makes the message impossible to send (e.g. its file was deleted)."""


@dataclass
class Delivery:
    """What a batch left for its task: messages to bring back after the limiter's ``wait``, and
    messages to retry (Meta's retryable error for each), and an unexpected error to report."""

    waiting: list[int] = field(default_factory=list)
    wait: WaitForLimit | None = None
    retry: dict[int, CloudApiError] = field(default_factory=dict)
    unexpected: Exception | None = None


def deliver_messages(*, message_ids: list[int]) -> Delivery:
    """Send the queued ones of ``message_ids`` to Meta, in order; see the module's docstring."""
    outcome = Delivery()
    accepted = _Accepted()
    claimed = _claim(_load(message_ids))
    try:
        stopped = _deliver_claimed(claimed, accepted, {}, outcome)
        if stopped is not None:
            outcome.waiting = [m.pk for m in claimed[stopped:]]
    finally:
        accepted.record()
    return outcome


def _deliver_claimed(messages: list[Message], accepted: "_Accepted", clients: dict, outcome: Delivery) -> int | None:
    """Send claimed messages in turn; the index of the one the limiter (or Meta's "too fast") made
    wait — it and the rest are back to ``queued`` — or None when every one was tried."""
    for index, message in enumerate(messages):
        log = CallLog()
        phone = message.conversation.phone_number
        try:
            blocked = phone.account.sending_blocked_reason()
            if blocked:  # queued before the account was disconnected (or its token ran out)
                raise NotSendable(blocked)
            client = clients.get(phone.account_id) or clients.setdefault(phone.account_id, client_for(phone.account))
            result = _send(message, phone, client, log, before_sleep=accepted.record)
        except WaitForLimit as wait:
            accepted.record()
            _release(message, messages[index + 1:], wait.reason, log)
            outcome.wait = wait
            return index
        except NotSendable as refused:
            local = CloudApiError(message=str(refused), details=str(refused), title=LOCAL_FAILURE_TITLE)
            _record_attempt_failure(message, local, log)
        except CloudApiError as error:
            _record_attempt_failure(message, error, log)
            pause = _throttled(message, error)
            if pause is not None:
                accepted.record()
                outcome.wait = WaitForLimit(pause, WAITING_PREFIX + str(error))
                _release(message, messages[index + 1:], outcome.wait.reason, CallLog())
                return index
            if error.retryable:
                outcome.retry[message.pk] = error
        except Exception as exc:  # noqa: BLE001 - one message's bug must not strand the batch
            # A bug or an answer we could not read: the message stays "sending" until
            # requeue_stale_work takes it back, but the call it made is on record.
            logger.exception("delivering message %s failed unexpectedly", message.pk)
            _record_calls_only(message, log)
            outcome.unexpected = outcome.unexpected or exc
        else:
            accepted.add(message, result, log.calls)
    return None


def give_up(*, message_id: int, error: CloudApiError) -> None:
    """Retries are exhausted: the message failed, with the last error Meta (or the network) gave."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status == Message.Status.QUEUED and not message.wamid:
            _mark_failed(message, error)


def _load(message_ids: list[int]) -> list[Message]:
    """The batch's messages that are queued now, with what a send needs, in the batch's order."""
    order = {pk: n for n, pk in enumerate(message_ids)}
    messages = Message.objects.select_related(
        "conversation__contact", "conversation__phone_number__account", "media_asset",
    ).filter(pk__in=message_ids, status=Message.Status.QUEUED, wamid__isnull=True)
    return sorted(messages, key=lambda m: order[m.pk])


def _claim(messages: list[Message]) -> list[Message]:
    """Take those still queued (queued → sending) with one conditional UPDATE: a message another
    task claimed, or a webhook moved on, meanwhile is not ours, so a repeated task sends nothing twice."""
    if not messages:
        return []
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(Message._meta.db_table)} SET {quote('status')} = %s, {quote('updated_at')} = %s "
           f"WHERE {quote('id')} IN ({', '.join(['%s'] * len(messages))}) AND {quote('status')} = %s "
           f"AND {quote('wamid')} IS NULL RETURNING {quote('id')}")
    updated_at = Message._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [Message.Status.SENDING, updated_at, *(m.pk for m in messages), Message.Status.QUEUED])
        taken = {pk for (pk,) in cursor.fetchall()}
    claimed = [message for message in messages if message.pk in taken]
    for message in claimed:
        message.status = Message.Status.SENDING
    return claimed


class _Accepted:
    """What Meta accepted in this batch and is not recorded yet."""

    def __init__(self) -> None:
        self._pending: list[tuple[Message, object, list[Call]]] = []

    def add(self, message: Message, result, calls: list[Call]) -> None:
        self._pending.append((message, result, list(calls)))

    def record(self) -> None:
        """Store the wamids, states and attempts of what is pending, in one transaction."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        _record_accepted(pending)


def _record_accepted(pending: list[tuple[Message, object, list[Call]]]) -> None:
    # A template Meta holds for pacing answers ``held_for_quality_assessment``: its own state
    # until a status webhook moves it on (sent) or fails it (132015).
    now = timezone.now()
    with transaction.atomic():
        # Locked in id order (as the webhook path's updates take them), so the two never deadlock.
        locked = {m.pk: m for m in Message.objects.select_for_update().filter(
            pk__in=[message.pk for message, _, _ in pending]).order_by("pk")}
        counts = record_attempts({locked[m.pk]: calls for m, _, calls in pending if m.pk in locked})
        changed = []
        for message, result, _ in pending:
            row = locked.get(message.pk)
            if row is None:
                continue  # deleted meanwhile (its conversation erased): nothing to record on
            taken = Message.Status.HELD if result.message_status == HELD_FOR_QUALITY else Message.Status.ACCEPTED
            row.attempts, row.updated_at = counts[row.pk], now
            if not row.wamid:
                row.wamid = result.wamid
            if RANK[row.status] < RANK[taken]:
                row.status = taken
            if row.error_code is None and row.error_title.startswith(WAITING_PREFIX):
                row.error_title = ""  # the wait is over
            changed.append(row)
        update_from_values(
            Message,
            columns={"id": "id", "wamid": "wamid", "status": "status", "attempts": "attempts",
                     "error_title": "error_title", "updated_at": "updated_at"},
            rows=[(m.pk, m.wamid, m.status, m.attempts, m.error_title, m.updated_at) for m in changed],
            assignments={"wamid": "v.wamid", "status": "v.status", "attempts": "v.attempts",
                         "error_title": "v.error_title", "updated_at": "v.updated_at"},
        )
        attach_pending_statuses_of(changed)


def _take_turn(message: Message, *, before_sleep) -> rate_limit.Decision:
    """Wait for the rate limiter's grant (sleeping here if it comes soon), or raise ``WaitForLimit``.
    ``before_sleep`` runs before a sleep long enough to use: the batch records what Meta accepted."""
    longest = float(settings.RATE_LIMIT_MAX_SLEEP)
    give_up_at = time.monotonic() + longest
    while True:
        try:
            decision = rate_limit.acquire_for(message, patience=max(0.0, give_up_at - time.monotonic()))
        except rate_limit.LimiterUnavailable as exc:
            # Never send unmetered: Meta would throttle the number (or drop its quality).
            raise WaitForLimit(UNAVAILABLE_WAIT, f"{WAITING_PREFIX}the rate limiter is unreachable ({exc}).") from None
        if decision.granted:
            return decision
        if time.monotonic() + decision.wait > give_up_at:
            raise WaitForLimit(decision.wait, rate_limit.waiting_reason(message, decision), turn=decision.turn)
        slept_from = time.monotonic()
        if decision.wait >= RECORD_BEFORE_SLEEPING:
            before_sleep()
            use_wait(message, decision.wait - (time.monotonic() - slept_from))  # the worker's other work
        time.sleep(max(0.0, decision.wait - (time.monotonic() - slept_from)))


def _throttled(message: Message, error: CloudApiError) -> float | None:
    """Meta said "too fast" (or "upgrading"): slow the number or the pair down, and return how long
    this message waits; None when it is not that kind of answer, or Meta has said it too often."""
    kind = backoff.classify(error)
    if kind not in backoff.PAUSES:
        return None
    throttled = MessageSendAttempt.objects.filter(message=message, error_code__in=backoff.THROTTLE_CODES).count()
    if throttled > backoff.MAX_THROTTLED:
        return None  # the retry budget decides from here
    pause = backoff.PAUSES[kind]
    phone = message.conversation.phone_number
    shape = dict(base=pause.base, factor=pause.factor, cap=pause.cap, memory=pause.memory)
    try:
        if kind == backoff.SLOW_PAIR:
            return rate_limit.penalise_pair(phone, message.conversation.contact.wa_id, **shape)
        return rate_limit.penalise_number(phone, **shape)
    except rate_limit.LimiterUnavailable:
        return pause.base


def _release(message: Message, untried: list[Message], reason: str, log: CallLog) -> None:
    """Back to ``queued`` (the message and the batch's untried rest), saying why they wait. The
    message's calls (if any) are on record; an earlier try's error stays on its attempt row."""
    with transaction.atomic():
        if log.calls:
            locked = Message.objects.select_for_update().get(pk=message.pk)
            locked.attempts = record_attempts({locked: log.calls})[locked.pk]
            locked.save(update_fields=["attempts", "updated_at"])
        Message.objects.filter(pk__in=[message.pk, *(m.pk for m in untried)], status=Message.Status.SENDING).update(
            status=Message.Status.QUEUED, error_code=None, error_title=reason[:255], updated_at=timezone.now())


def _record_attempt_failure(message: Message, error: CloudApiError, log: CallLog) -> None:
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        locked.attempts = record_attempts({locked: log.calls})[locked.pk]
        if locked.status != Message.Status.SENDING:
            locked.save(update_fields=["attempts", "updated_at"])  # a webhook got here first
            return
        if error.retryable:
            # Back to the queue; if Meta did accept it, its status webhook (carrying our UUID)
            # moves it on and the retry finds nothing to do.
            locked.status = Message.Status.QUEUED
            locked.error_code, locked.error_title = error.code, "Retrying: " + str(error)[:240]
            locked.save(update_fields=["status", "attempts", "error_code", "error_title", "updated_at"])
        else:
            _mark_failed(locked, error)


def _record_calls_only(message: Message, log: CallLog) -> None:
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        locked.attempts = record_attempts({locked: log.calls})[locked.pk]
        locked.save(update_fields=["attempts", "updated_at"])


def _mark_failed(message: Message, error: CloudApiError) -> None:
    message.status = Message.Status.FAILED
    message.status_at = timezone.now()
    message.error_code = error.code
    message.error_title = (error.title or error.message)[:255]
    message.error_details = error.details or explain(error.code).plain
    message.save()


def _send(message: Message, phone, client, log: CallLog, *, before_sleep):
    payload = _payload(message)  # outside the timing: building it may upload media, not a send
    try:
        return _call(message, phone, client, log, payload, before_sleep=before_sleep)
    except CloudApiError as error:
        if not _media_id_refused(message, error):
            raise
    # Meta no longer knows the library file's media id (deleted there, or expired early):
    # upload it again and send once more. Nothing was sent, so this cannot duplicate.
    fresh = _payload(message, fresh_media=True)
    return _call(message, phone, client, log, fresh, before_sleep=before_sleep)


def _call(message: Message, phone, client, log: CallLog, payload: dict, *, before_sleep):
    """One send: the limiter's grant (after building the payload: it is used at once), the call,
    and the grant's places moved to when Meta answered (``rate_limit.answered``)."""
    decision = _take_turn(message, before_sleep=before_sleep)
    try:
        return log.timed(lambda: client.send_message(phone_number_id=phone.phone_number_id, payload=payload))
    finally:
        try:
            rate_limit.answered(decision)
        except rate_limit.LimiterUnavailable:
            logger.warning("the rate limiter could not note when Meta answered message %s", message.pk)


def _media_id_refused(message: Message, error: CloudApiError) -> bool:
    if message.media_asset_id is None or _library_media(message.type, message.payload) is None:
        return False
    return is_unknown_media_error(error)


def _payload(message: Message, *, fresh_media: bool = False) -> dict:
    payload: dict = {
        "to": "+" + message.conversation.contact.wa_id,
        "type": message.type,
        message.type: _content(message, fresh_media=fresh_media),
        "biz_opaque_callback_data": str(message.uuid),
    }
    if message.context_wamid:
        payload["context"] = {"message_id": message.context_wamid}
    return payload


def _content(message: Message, *, fresh_media: bool = False):
    """The type's object as Meta wants it: a library file becomes ``{"id": <Meta media id>}``."""
    content = copy.deepcopy(message.payload)
    if isinstance(content, dict):
        content.pop(DISPLAY_KEY, None)
    media = _library_media(message.type, content)
    if media is None:
        return content
    del media["asset"]
    asset = message.media_asset
    if asset is None:
        raise NotSendable("The file was deleted from the media library before the message was sent.")

    media_id_for = refresh_cloud_media_id if fresh_media else ensure_cloud_media_id
    try:
        media["id"] = str(media_id_for(asset=asset, phone_number=message.conversation.phone_number))
    except ValidationError as exc:  # the stored file is missing or no longer acceptable
        raise NotSendable(" ".join(exc.messages)) from None
    return content


def _library_media(message_type: str, content) -> dict | None:
    """The object in ``content`` that names a library file (``{"asset": <pk>, …}``), or None.

    A media message's own object, or the media parameter of a template's header.
    """
    candidates = [content]
    if message_type == "template":
        candidates = [
            parameter.get(parameter.get("type"))
            for part in (content.get("components") or [] if isinstance(content, dict) else [])
            if isinstance(part, dict) and part.get("type") == "header"
            for parameter in part.get("parameters") or []
            if isinstance(parameter, dict)
        ]
    elif message_type not in MEDIA_KINDS:
        return None
    return next((item for item in candidates if isinstance(item, dict) and "asset" in item), None)
