"""Outbound messages: validate and queue, then deliver to Meta from a Celery task.

``send_draft`` (what an operator composed, see ``compose``) and templates_mgr's sends run in the
request through ``queue_message``: they refuse what Meta would refuse (closed window, limits of
each type), save the message as ``queued`` and enqueue delivery on commit. ``deliver_message`` runs in the worker: it claims the
message, turns a media library file (a media message's, or a template's header) into a Meta media id (uploading it again if Meta's id
expired), calls the Graph API, stores the wamid, and records each call to Meta as a
``MessageSendAttempt`` (see ``send_attempts``) in the same transaction. Our UUID travels as ``biz_opaque_callback_data``
so a status webhook can find the message even if the send call's answer was lost.
"""

import copy
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.graph import client_for
from accounts.services.audit import record_audit
from cloudapi.errors import CloudApiError
from media_lib.services import ensure_cloud_media_id, is_unknown_media_error, refresh_cloud_media_id

from ..error_explanations import LOCAL_FAILURE_TITLE, explain
from ..models import Conversation, Message
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
    support's resend the failed message it sends again (``resend_of``). A sender that paces its own
    messages (a campaign) names their ``rate_group`` and its ``rate_cap`` (messages per second).

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
    except NotSendable as refused:
        local = CloudApiError(message=str(refused), details=str(refused), title=LOCAL_FAILURE_TITLE)
        _record_attempt_failure(message, local, log)
        return
    except CloudApiError as error:
        _record_attempt_failure(message, error, log)
        if error.retryable:
            raise RetryLater(error) from None
        return
    except Exception:
        # A bug or an answer we could not read: the message stays "sending" until
        # requeue_stale_work takes it back, but the call it made is on record.
        _record_calls_only(message, log)
        raise
    _record_accepted(message, result.wamid, log)


def give_up(*, message_id: int, error: CloudApiError) -> None:
    """Retries are exhausted: the message failed, with the last error Meta (or the network) gave."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status == Message.Status.QUEUED and not message.wamid:
            _mark_failed(message, error)


def _record_accepted(message: Message, wamid: str, log: CallLog) -> None:
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        locked.attempts = record_attempts(message=locked, calls=log.calls)
        if not locked.wamid:
            locked.wamid = wamid
        if RANK[locked.status] < RANK[Message.Status.ACCEPTED]:
            locked.status = Message.Status.ACCEPTED
        locked.save(update_fields=["wamid", "status", "attempts", "updated_at"])
        attach_pending_statuses(locked)


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
    try:
        return log.timed(lambda: client.send_message(phone_number_id=phone.phone_number_id, payload=payload))
    except CloudApiError as error:
        if not _media_id_refused(message, error):
            raise
    # Meta no longer knows the library file's media id (deleted there, or expired early):
    # upload it again and send once more. Nothing was sent, so this cannot duplicate.
    fresh = _payload(message, fresh_media=True)
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
