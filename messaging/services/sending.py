"""Outbound messages: validate and queue, then deliver to Meta from a Celery task.

``send_draft`` (what an operator composed, see ``compose``) and templates_mgr's sends run in the
request through ``queue_message``: they refuse what Meta would refuse (closed window, limits of
each type), save the message as ``queued`` and enqueue delivery on commit. ``deliver_message`` runs in the worker: it claims the
message, turns a media library file (a media message's, or a template's header) into a Meta media id (uploading it again if Meta's id
expired), calls the Graph API, stores the wamid, and records each call to Meta as a
``MessageSendAttempt`` (see ``send_attempts``) in the same transaction. Our UUID travels as ``biz_opaque_callback_data``
so a status webhook can find the message even if the send call's answer was lost.

Just before each call to Meta, the shared rate limiter (``rate_limit``) must grant the message a
place: a short wait is slept in the worker, a longer one puts the message back to ``queued`` and
raises ``WaitForLimit`` (the task re-schedules itself; that is not a failed try). Meta's own
"too fast" answers slow the number or the customer's pair down (``rate_limit.backoff``).
"""

import copy
import time
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.graph import client_for
from accounts.services.audit import record_audit
from cloudapi.errors import CloudApiError
from media_lib.services import ensure_cloud_media_id, is_unknown_media_error, refresh_cloud_media_id

from ..error_explanations import LOCAL_FAILURE_TITLE, explain
from ..models import Conversation, Message, MessageSendAttempt
from . import rate_limit
from .rate_limit import backoff
from .compose import MEDIA_KINDS, Draft
from .last_message import note_last_message
from .send_attempts import CallLog, record_attempts
from .statuses import RANK, attach_pending_statuses


# A message's payload may carry, beside the type's object, what its bubble shows (a template's
# header, body, footer and buttons as rendered when queued); it is ours, never sent to Meta.
DISPLAY_KEY = "display"


class WindowClosed(ValidationError):
    """The customer has not written in 24 hours: only an approved template may be sent."""


class SendingBlocked(ValidationError):
    """The business account is disconnected or its access token expired: nothing may be sent."""


class WaitForLimit(Exception):
    """The rate limiter (or Meta's "too fast") says wait ``seconds``; the message is ``queued`` again."""

    def __init__(self, seconds: float, reason: str, *, turn: bool = False) -> None:
        super().__init__(reason)
        self.seconds = max(0.0, seconds)
        self.reason = reason
        # True: ``seconds`` is this message's turn in a waiting line (come back exactly then);
        # otherwise many messages may have been told the same wait.
        self.turn = turn


HELD_FOR_QUALITY = "held_for_quality_assessment"
WAITING_PREFIX = "Waiting: "


class RetryLater(Exception):
    """Delivery hit a retryable error; the task should try again later."""

    def __init__(self, error: CloudApiError) -> None:
        super().__init__(str(error))
        self.error = error


def send_draft(
    *,
    conversation: Conversation,
    draft: Draft,
    reply_to: str = "",
    user=None,
    client_uuid: uuid.UUID | None = None,
) -> Message:
    """Queue what the operator composed (a :class:`~messaging.services.compose.Draft`).

    Same rules as every send: the 24-hour window, and one message per ``client_uuid``.
    """
    return queue_message(
        conversation=conversation,
        kind=draft.kind,
        content=draft.content,
        text=draft.text,
        reply_to=reply_to,
        user=user,
        client_uuid=client_uuid,
        media_asset=draft.media_asset,
        target=draft.target,
    )


def queue_message(
    *,
    conversation: Conversation,
    kind: str,
    content: dict,
    text: str = "",
    reply_to: str = "",
    user=None,
    client_uuid: uuid.UUID | None = None,
    requires_window: bool = True,
    media_asset=None,
    target: Message | None = None,
    resend_of: Message | None = None,
    rate_group: str = "",
    rate_cap: int | None = None,
) -> Message:
    """Save an outbound message as ``queued`` and enqueue its delivery after commit.

    ``kind`` is the Cloud API type and ``content`` its object (already validated by the caller's
    own rules). Everything but templates needs the 24-hour window (``requires_window``).
    The same ``client_uuid`` twice (a double submit) queues once and returns the first message.
    A media message sent from the library names its ``media_asset``; a reaction its ``target``;
    support's resend the failed message it sends again (``resend_of``). A campaign names its
    ``rate_group`` and ``rate_cap`` (messages/s shared by the group, see ``rate_limit``).

    A message a person sends (``user``) writes one audit entry, ``message.send``, naming the
    message by id and type, never its content; a resend is audited by ``resend_message`` instead,
    and a send with no person (a task, a campaign) by its own caller.
    """
    blocked = conversation.phone_number.account.sending_blocked_reason()
    if blocked:
        raise SendingBlocked(blocked)
    if requires_window and not conversation.window_is_open():
        raise WindowClosed(window_closed_reason(conversation))
    if client_uuid is not None:
        existing = Message.objects.filter(uuid=client_uuid).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            message = Message.objects.create(
                uuid=client_uuid or uuid.uuid4(),
                conversation=conversation,
                direction=Message.Direction.OUTBOUND,
                type=kind,
                payload=content,
                text=text,
                context_wamid=reply_to,
                target=target,
                target_wamid=target.wamid if target is not None and target.wamid else "",
                media_asset=media_asset,
                resend_of=resend_of,
                rate_group=rate_group,
                rate_cap=rate_cap,
                status=Message.Status.QUEUED,
                sent_by=user if getattr(user, "is_authenticated", False) else None,
            )
            note_last_message(message=message)
            if message.sent_by is not None and resend_of is None:
                _audit_send(message, conversation)
            transaction.on_commit(lambda: _enqueue(message.pk))
    except IntegrityError:
        return Message.objects.get(uuid=client_uuid)
    return message


def _audit_send(message: Message, conversation: Conversation) -> None:
    record_audit(
        actor=message.sent_by,
        action="message.send",
        obj=message,
        account=conversation.phone_number.account_id,
        details={"message_id": message.pk, "uuid": str(message.uuid), "type": message.type,
                 "conversation_id": conversation.pk},
    )


def deliver_message(*, message_id: int) -> None:
    """Send a queued message to Meta. Raises ``RetryLater`` for errors worth another try."""
    claimed = Message.objects.filter(pk=message_id, status=Message.Status.QUEUED, wamid__isnull=True).update(
        status=Message.Status.SENDING, updated_at=timezone.now()
    )
    if not claimed:
        return  # already sent, failed, or matched by a webhook: a repeated task changes nothing
    message = Message.objects.select_related(
        "conversation__contact", "conversation__phone_number__account", "media_asset"
    ).get(pk=message_id)
    phone = message.conversation.phone_number
    log = CallLog()
    try:
        blocked = phone.account.sending_blocked_reason()
        if blocked:  # queued before the account was disconnected (or its token ran out)
            raise NotSendable(blocked)
        result = _send(message, phone, log)
    except WaitForLimit as wait:
        _release(message, wait.reason, log)
        raise
    except NotSendable as refused:
        local = CloudApiError(message=str(refused), details=str(refused), title=LOCAL_FAILURE_TITLE)
        _record_attempt_failure(message, local, log)
        return
    except CloudApiError as error:
        _record_attempt_failure(message, error, log)
        pause = _throttled(message, error)
        if pause is not None:
            raise WaitForLimit(pause, WAITING_PREFIX + str(error)) from None
        if error.retryable:
            raise RetryLater(error) from None
        return
    except Exception:
        # A bug or an answer we could not read: the message stays "sending" until
        # requeue_stale_work takes it back, but the call it made is on record.
        _record_calls_only(message, log)
        raise
    _record_accepted(message, result, log)


def give_up(*, message_id: int, error: CloudApiError) -> None:
    """Retries are exhausted: the message failed, with the last error Meta (or the network) gave."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status == Message.Status.QUEUED and not message.wamid:
            _mark_failed(message, error)


def _record_accepted(message: Message, result, log: CallLog) -> None:
    # A template Meta holds for pacing answers ``held_for_quality_assessment``: its own state
    # until a status webhook moves it on (sent) or fails it (132015).
    taken = Message.Status.HELD if result.message_status == HELD_FOR_QUALITY else Message.Status.ACCEPTED
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        locked.attempts = record_attempts(message=locked, calls=log.calls)
        if not locked.wamid:
            locked.wamid = result.wamid
        if RANK[locked.status] < RANK[taken]:
            locked.status = taken
        fields = ["wamid", "status", "attempts", "updated_at"]
        if locked.error_code is None and locked.error_title.startswith(WAITING_PREFIX):
            locked.error_title = ""  # the wait is over
            fields.append("error_title")
        locked.save(update_fields=fields)
        attach_pending_statuses(locked)


def _take_turn(message: Message) -> None:
    """Wait for the rate limiter's grant (sleeping here if it comes soon), or raise ``WaitForLimit``."""
    longest = float(settings.RATE_LIMIT_MAX_SLEEP)
    give_up_at = time.monotonic() + longest
    while True:
        try:
            decision = rate_limit.acquire_for(message, patience=max(0.0, give_up_at - time.monotonic()))
        except rate_limit.LimiterUnavailable as exc:
            # Never send unmetered: Meta would throttle the number (or drop its quality).
            raise WaitForLimit(UNAVAILABLE_WAIT, f"{WAITING_PREFIX}the rate limiter is unreachable ({exc}).") from None
        if decision.granted:
            return
        if time.monotonic() + decision.wait > give_up_at:
            raise WaitForLimit(decision.wait, rate_limit.waiting_reason(message, decision), turn=decision.turn)
        time.sleep(decision.wait)


UNAVAILABLE_WAIT = 5.0


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


def _release(message: Message, reason: str, log: CallLog) -> None:
    """Back to ``queued`` (nothing was sent), saying why it waits."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        fields = ["updated_at"]
        if log.calls:
            locked.attempts = record_attempts(message=locked, calls=log.calls)
            fields.append("attempts")
        if locked.status == Message.Status.SENDING:
            # An earlier try's error stays on its attempt row; the message says why it waits now.
            locked.status, locked.error_code, locked.error_title = Message.Status.QUEUED, None, reason[:255]
            fields += ["status", "error_code", "error_title"]
        locked.save(update_fields=fields)


def _record_attempt_failure(message: Message, error: CloudApiError, log: CallLog) -> None:
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        locked.attempts = record_attempts(message=locked, calls=log.calls)
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
        locked.attempts = record_attempts(message=locked, calls=log.calls)
        locked.save(update_fields=["attempts", "updated_at"])


def _mark_failed(message: Message, error: CloudApiError) -> None:
    message.status = Message.Status.FAILED
    message.status_at = timezone.now()
    message.error_code = error.code
    message.error_title = (error.title or error.message)[:255]
    message.error_details = error.details or explain(error.code).plain
    message.save()


def _send(message: Message, phone, log: CallLog):
    client = client_for(phone.account)
    payload = _payload(message)  # outside the timing: building it may upload media, not a send
    _take_turn(message)  # after building it: the grant is used at once, not after an upload
    try:
        return log.timed(lambda: client.send_message(phone_number_id=phone.phone_number_id, payload=payload))
    except CloudApiError as error:
        if not _media_id_refused(message, error):
            raise
    # Meta no longer knows the library file's media id (deleted there, or expired early):
    # upload it again and send once more. Nothing was sent, so this cannot duplicate.
    fresh = _payload(message, fresh_media=True)
    _take_turn(message)
    return log.timed(lambda: client.send_message(phone_number_id=phone.phone_number_id, payload=fresh))


def _media_id_refused(message: Message, error: CloudApiError) -> bool:
    if message.media_asset_id is None or _library_media(message.type, message.payload) is None:
        return False

    return is_unknown_media_error(error)


class NotSendable(Exception):
    """Something on our side makes the message impossible to send (e.g. its file was deleted)."""


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


def window_closed_reason(conversation: Conversation) -> str:
    """Why only a template can be sent now, in words for the operator."""
    if conversation.last_inbound_at is None:
        return "This customer has never written to this number: start the conversation with an approved template."
    since = timezone.localtime(conversation.last_inbound_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"The customer last wrote at {since}, more than 24 hours ago. WhatsApp only allows an "
        "approved template until they write again."
    )


def _enqueue(message_id: int) -> None:
    from ..tasks import send_message_task  # tasks import services; import here to avoid a cycle

    send_message_task.delay(message_id)
