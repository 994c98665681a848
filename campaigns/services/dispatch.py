"""Sending a running campaign: one dispatcher per campaign hands its pending recipients to the
message pipeline a little ahead of the rate, and a sweep every ~30 s recovers what a crash lost.

**One dispatcher.** ``start_dispatcher`` gives the campaign a new ``dispatcher_token`` only when no
dispatcher has beaten (``dispatcher_seen_at``) in the last 30 s; each tick first checks, under the
campaign row's lock, that its token is still the campaign's, so a second chain (a resume, the sweep,
a redelivered task) stops at once. Chatwoot's duplicates came from two workers looping over the same
campaign; here two ticks can't even overlap (the row lock), and if they could, each recipient's
message is created under the recipient's own UUID (``queue_message`` queues one message per UUID),
in the same transaction that marks the recipient queued.

**Not over-queueing.** A tick tops the campaign up to ``rate × AHEAD_SECONDS`` messages in the
pipeline (the shared rate limiter paces them), so a pause leaves only a few seconds' worth queued,
and pausing takes those back (``retract_queued``) before they leave.

**Queueing while the window is full.** A worker that queues recipients while the number's window
has room loses those moments for good (``messaging.services.while_waiting``). So when one of the
campaign's sends waits for the window, that worker tops the campaign up meanwhile
(``top_up_while_waiting``, a chunk at a time while one more fits in the wait): the ticks, which
run whenever the worker's queue gets to them, mostly find the pipeline full already.

**Exactly once across crashes.** A killed worker loses the tasks it had fetched (on the embedded
broker they are gone). The rows stay: a recipient is ``queued`` with its message ``queued`` and no
live task. The sweep re-enqueues such messages after ``LOST_AFTER`` — safe, because
``deliver_messages`` claims a message with a conditional UPDATE (queued → sending), so a task that
was not lost after all sends nothing the second time. A message left ``sending`` (the worker died
during the call to Meta) has an unknown outcome: Meta may have accepted it. It is *not* re-sent by
the campaign: its status webhook carries our UUID (``biz_opaque_callback_data``) and moves it on if
Meta took it, and messaging's own stale sweep puts it back in the queue only after 10 minutes, long
after that webhook had time to arrive. The rest of the campaign does not wait for them: after
``LOST_AFTER`` they no longer count in the lead.
"""

import logging
import math
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import PhoneNumber
from messaging.models import Conversation, Message
from messaging.services.last_message import refresh_last_messages
from messaging.services.sending import DELIVERY_BATCH, SendingBlocked, deliver_together, enqueue_delivery
from messaging.services.set_updates import update_from_values
from templates_mgr.models import MessageTemplate
from templates_mgr.services.eligibility import template_send_refusal
from templates_mgr.services.errors import TemplateInvalid
from templates_mgr.services.sending import TemplateSend, send_template_to_many

from ..models import Campaign, CampaignRecipient
from .audience import refusal_reason
from .recipient_values import placeholders_of, send_values
from .send_rate import send_rate

logger = logging.getLogger("campaigns.dispatch")

AHEAD_SECONDS = 3  # messages in the pipeline at most: rate × this
LOW_WATER_SECONDS = 1  # a tick hands over only when fewer than rate × this are in the pipeline
TICK_SECONDS = 1.0
CHUNK = 200  # recipients a helper hands over per transaction
HELPERS_ABOVE = 100  # msg/s: above, helper tasks hand over side by side (settings.CAMPAIGN_DISPATCH_HELPERS)
OWN_CHUNK = HELPERS_ABOVE * AHEAD_SECONDS  # recipients a tick hands over itself: the whole lead, below helpers' rates
DISPATCHER_STALE_AFTER = timedelta(seconds=10)  # it beats every tick (~1 s)
LOST_AFTER = timedelta(seconds=30)  # a queued message nobody claimed for this long lost its task
PACING_DROPPED = 132015
WHILE_WAITING_CHUNK = DELIVERY_BATCH  # recipients per transaction while a send waits: one send task

State, Recipient = Campaign.State, CampaignRecipient.State
IN_PIPELINE = (Message.Status.QUEUED, Message.Status.SENDING)


class Stop(Exception):
    """The campaign must pause: ``reason`` says why, in words for the administrator."""


def start_dispatcher(campaign_id: int, *, now=None) -> bool:
    """Make sure the running campaign has a dispatcher: a new one unless a live one beat recently."""
    now = now or timezone.now()
    token = uuid.uuid4()
    taken = Campaign.objects.filter(pk=campaign_id, state=State.RUNNING).filter(
        Q(dispatcher_token__isnull=True) | Q(dispatcher_seen_at__lt=now - DISPATCHER_STALE_AFTER)
    ).update(dispatcher_token=token, dispatcher_seen_at=now)
    if taken:
        transaction.on_commit(lambda: _enqueue_tick(campaign_id, token, countdown=0))
    return bool(taken)


def dispatch_tick(*, campaign_id: int, token: uuid.UUID | str) -> float | None:
    """Hand pending recipients to the pipeline up to the rate's lead; seconds until the next tick,
    or ``None`` when this dispatcher is done (the campaign finished, paused, or has another one)."""
    return _tick(campaign_id, uuid.UUID(str(token)))


def _tick(campaign_id: int, token: uuid.UUID) -> float | None:
    from .running import auto_pause  # running starts dispatchers: a cycle at module level

    with transaction.atomic():
        campaign = _locked(campaign_id)
        if campaign is None or campaign.state != State.RUNNING or campaign.dispatcher_token != token:
            return None
        Campaign.objects.filter(pk=campaign.pk).update(dispatcher_seen_at=timezone.now())
        try:
            check_can_send(campaign)
            advance_done(campaign)
            rate, room = _room(campaign)
            if rate > HELPERS_ABOVE and room > CHUNK and settings.CAMPAIGN_DISPATCH_HELPERS > 1:
                return _call_helpers(campaign, token, room)
            # Above the low-water mark the sends waiting for the window top the campaign up (see above).
            low = room > rate * (AHEAD_SECONDS - LOW_WATER_SECONDS)
            handed = hand_over(campaign, limit=min(room, OWN_CHUNK)) if low else 0
        except Stop as stop:
            auto_pause(campaign, reason=str(stop))
            return None
        if handed == 0 and finish_if_done(campaign):
            return None
    # More room: the next tick at once, as a task of its own, so the sends queued meanwhile go first.
    return 0.0 if handed == OWN_CHUNK and room - handed > rate * (AHEAD_SECONDS - LOW_WATER_SECONDS) else TICK_SECONDS


def _room(campaign: Campaign) -> tuple[int, int]:
    """The campaign's send rate, and how many more messages fit in the pipeline at that rate's lead."""
    rate = send_rate(campaign)
    # Its messages not yet sent, not its queued recipients: those stay queued until a tick's advance_done.
    # A message claimed (sending) for over LOST_AFTER was held by a worker that died: its outcome waits
    # for Meta's webhook or messaging's 10-minute sweep, and it holds no place in the lead meanwhile —
    # counted, a dead worker's claimed batch would stall a slow campaign for those 10 minutes.
    in_pipeline = _messages(campaign, Recipient.QUEUED).filter(
        Q(status=Message.Status.QUEUED)
        | Q(status=Message.Status.SENDING, updated_at__gte=timezone.now() - LOST_AFTER)).count()
    return rate, rate * AHEAD_SECONDS - in_pipeline


def _call_helpers(campaign: Campaign, token: uuid.UUID, room: int) -> float | None:
    """At high rates one process can't queue fast enough: helpers hand over chunks side by side,
    each taking recipients no other helper holds (skip locked). This tick's next turn waits for
    them (they share the campaign row's lock), so helpers never pile up."""
    if not campaign.recipients.filter(state=Recipient.PENDING).exists():
        return None if finish_if_done(campaign) else TICK_SECONDS
    parts = min(settings.CAMPAIGN_DISPATCH_HELPERS, math.ceil(room / CHUNK))
    share = min(CHUNK, math.ceil(room / parts))
    for _ in range(parts):
        transaction.on_commit(lambda: _enqueue_helper(campaign.pk, token, share))
    return TICK_SECONDS


def help_hand_over(*, campaign_id: int, token: uuid.UUID | str, limit: int) -> int:
    """One helper's chunk (see ``_call_helpers``); nothing when the campaign stopped meanwhile."""
    with transaction.atomic():
        campaign = _share_locked(campaign_id)
        if campaign is None or campaign.dispatcher_token != uuid.UUID(str(token)):
            return 0
        try:
            return hand_over(campaign, limit=limit)
        except Stop:
            return 0  # the dispatcher's next tick sees why and pauses


class _ChunkTime:
    """How long this process's last chunk queued while waiting took: the next starts only if it fits."""

    seconds = 0.05


def top_up_while_waiting(message: Message, seconds: float) -> None:
    """One of a campaign's sends waits ``seconds`` for the number's window (a ``while_waiting`` job):
    queue the campaign's next recipients meanwhile, up to the rate's lead, a chunk at a time while
    one more fits. Like a helper's chunk: under the dispatcher's token and the campaign row's share
    lock; skipped when a tick, pause or cancel holds the row, since the send must not wait for it."""
    campaign_id = Campaign.id_of_rate_group(message.rate_group)
    if campaign_id is None:
        return  # not a campaign's send
    until = time.monotonic() + seconds
    while time.monotonic() + _ChunkTime.seconds <= until:
        started = time.monotonic()
        if not _top_up(campaign_id):
            return
        _ChunkTime.seconds = time.monotonic() - started  # a chunk that queued (finding nothing is quicker)


def _top_up(campaign_id: int) -> int:
    with transaction.atomic():
        campaign = _share_locked(campaign_id, skip_locked=True)
        if campaign is None or campaign.dispatcher_token is None:
            return 0
        try:
            check_can_send(campaign, pacing=False)  # the tick checks 132015; a paused template must not skip anyone
            _, room = _room(campaign)
            return hand_over(campaign, limit=min(room, WHILE_WAITING_CHUNK)) if room > 0 else 0
        except Stop:
            return 0  # the dispatcher's next tick sees why and pauses


def _share_locked(campaign_id: int, *, skip_locked: bool = False) -> Campaign | None:
    """The running campaign, its row held against a pause or cancel (they lock it FOR UPDATE) while a
    chunk is queued, without blocking the other helpers or the heartbeat; None when it stopped
    meanwhile, or (``skip_locked``) a tick, pause or cancel holds the row now. SQLite runs one
    writing transaction at a time, which gives the same guarantee."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT 1 FROM "{Campaign._meta.db_table}" WHERE id = %s FOR KEY SHARE'
                           f'{" SKIP LOCKED" if skip_locked else ""}', [campaign_id])
            if cursor.fetchone() is None:
                return None
    return _with_sending_rows(Campaign.objects).filter(pk=campaign_id, state=State.RUNNING).first()


def _locked(campaign_id: int) -> Campaign | None:
    return _with_sending_rows(Campaign.objects.select_for_update(of=("self",))).filter(pk=campaign_id).first()


def _with_sending_rows(campaigns):
    """What a hand-over reads of the campaign: its template, its number and the number's account."""
    return campaigns.select_related("template", "phone_number__account", "account")


def check_can_send(campaign: Campaign, *, since=None, pacing: bool = True) -> None:
    """Raise :class:`Stop` when Meta said to stop: the template paused or disabled, the number's
    quality dropped to low (RED), portfolio pacing dropped messages (132015) since ``since`` (by
    default since the campaign last started or resumed; not looked for without ``pacing``: it
    reads the campaign's messages), the account blocked."""
    template = MessageTemplate.objects.get(pk=campaign.template_id)
    if template.status != MessageTemplate.Status.APPROVED:
        verb = {"PAUSED": "paused", "DISABLED": "disabled"}.get(template.status)
        raise Stop(f"Meta {verb} the template {template.name}." if verb else
                   f"The template {template.name} is no longer approved ({template.get_status_display().lower()}).")
    quality = PhoneNumber.objects.filter(pk=campaign.phone_number_id).values_list("quality_rating", flat=True).first()
    if quality == PhoneNumber.Quality.RED:
        raise Stop(f"The quality of +{campaign.phone_number.display_phone_number} dropped to low (RED): "
                   "sending more marketing now risks the number.")
    since = since or campaign.state_changed_at or campaign.started_at or campaign.created_at
    if pacing and _messages(campaign).filter(status=Message.Status.FAILED, error_code=PACING_DROPPED,
                                  updated_at__gte=since).exists():
        raise Stop("Meta's portfolio pacing held back and dropped messages of this campaign (132015): "
                   "its template's quality is being assessed.")
    blocked = campaign.phone_number.account.sending_blocked_reason()
    if blocked:
        raise Stop(blocked)


def hand_over(campaign: Campaign, *, limit: int) -> int:
    """Queue up to ``limit`` pending recipients' messages through the template send service, together;
    each recipient becomes ``queued`` with its message in the same transaction, or suppressed /
    skipped with the reason the send was refused. Returns how many recipients it took."""
    try:
        placeholders = placeholders_of(campaign.template)
    except ValueError as exc:
        raise Stop(str(exc)) from None
    recipients = list(campaign.recipients.filter(state=Recipient.PENDING).select_related("contact")
                      .select_for_update(of=("self",), skip_locked=True).order_by("pk")[:limit])
    conversations = _conversations(campaign, [r.contact for r in recipients])
    now, sending, sends = timezone.now(), [], []
    for recipient in recipients:
        contact, recipient.updated_at = recipient.contact, now
        refusal = template_send_refusal(template=campaign.template, contact=contact, wa_id=contact.wa_id)
        if refusal:  # they opted out since the launch
            recipient.state, recipient.reason = Recipient.SUPPRESSED, refusal_reason(contact, refusal)
            continue
        sending.append(recipient)
        sends.append(TemplateSend(conversation=conversations[recipient.contact_id], client_uuid=recipient.uuid,
                                  values=send_values(recipient.parameters or {}, placeholders)))
    try:
        with deliver_together():  # the chunk's messages go to the worker in batches
            # Nothing is written before every send's own checks pass.
            results = send_template_to_many(template=campaign.template, sends=sends,
                                            rate_group=campaign.rate_group, rate_cap=campaign.rate_cap)
    except SendingBlocked as exc:
        raise Stop(" ".join(exc.messages)) from None
    for recipient, result in zip(sending, results):
        if isinstance(result, TemplateInvalid):
            recipient.state, recipient.reason = Recipient.SKIPPED, ("Not sent: " + str(result))[:255]
        else:
            recipient.state, recipient.message = Recipient.QUEUED, result
    # In the tick's transaction with their messages: a recipient is queued exactly when its message exists.
    update_from_values(
        CampaignRecipient,
        columns={"id": "id", "state": "state", "reason": "reason", "message": "message", "updated_at": "updated_at"},
        rows=[(r.pk, r.state, r.reason, r.message_id, r.updated_at) for r in recipients],
        assignments={"state": "v.state", "reason": "v.reason", "message": "v.message", "updated_at": "v.updated_at"},
    )
    return len(recipients)


def _conversations(campaign: Campaign, contacts: list) -> dict[int, Conversation]:
    """Each contact's conversation with the campaign's number, the missing ones created at once
    (what ``conversation_for`` does one by one; the pair is unique, so a race creates nothing twice)."""
    phone = campaign.phone_number
    Conversation.objects.bulk_create([Conversation(contact=c, phone_number=phone) for c in contacts],
                                     ignore_conflicts=True)
    found = {}
    by_pk = {c.pk: c for c in contacts}
    for conversation in Conversation.objects.filter(phone_number=phone, contact_id__in=list(by_pk)):
        conversation.phone_number, conversation.contact = phone, by_pk[conversation.contact_id]  # loaded already
        found[conversation.contact_id] = conversation
    return found


def advance_done(campaign: Campaign) -> int:
    """Queued recipients whose message left our pipeline (accepted by Meta, or failed) are done."""
    return (CampaignRecipient.objects.filter(campaign=campaign, state=Recipient.QUEUED)
            .exclude(message__status__in=IN_PIPELINE).exclude(message__isnull=True)
            .update(state=Recipient.DONE, updated_at=timezone.now()))


def finish_if_done(campaign: Campaign) -> bool:
    """Completed once no recipient waits and every message left the pipeline."""
    if campaign.recipients.filter(state__in=[Recipient.PENDING, Recipient.QUEUED]).exists():
        return False
    now = timezone.now()
    done = Campaign.objects.filter(pk=campaign.pk, state=State.RUNNING).update(
        state=State.COMPLETED, finished_at=now, state_changed_at=now, dispatcher_token=None)
    if done:
        from accounts.services.audit import record_audit

        record_audit(actor=None, action="campaign.complete", obj=campaign, account=campaign.account_id,
                     details={"recipients": campaign.recipients.count()})
    return bool(done)


def retract_queued(campaign: Campaign) -> int:
    """Take back the campaign's messages still waiting in our queue, never tried (a pause or cancel):
    the recipients wait again, and a resume queues them under the same UUIDs. A message the worker
    already claimed, or one that was tried (Meta may have it), is left to finish."""
    waiting = _messages(campaign, Recipient.QUEUED).filter(status=Message.Status.QUEUED, wamid__isnull=True,
                                                           attempts=0)
    conversations = list(waiting.values_list("conversation_id", flat=True).distinct())
    # Claimed first with one conditional UPDATE, like deliver_messages' own claim (queued → sending):
    # whichever comes first wins, so a message a worker took meanwhile is never deleted mid-send.
    marker = f"Retracted by campaign {campaign.pk} ({uuid.uuid4().hex[:8]})"
    waiting.update(status=Message.Status.SENDING, error_title=marker)
    _, deleted = Message.objects.filter(campaign_recipient__campaign=campaign, status=Message.Status.SENDING,
                                        error_title=marker).delete()
    taken = deleted.get(Message._meta.label, 0)
    CampaignRecipient.objects.filter(campaign=campaign, state=Recipient.QUEUED, message__isnull=True).update(
        state=Recipient.PENDING, updated_at=timezone.now())
    if conversations:
        refresh_last_messages(conversations=Conversation.objects.filter(pk__in=conversations))
    return taken


def requeue_lost(campaign: Campaign, *, now=None) -> int:
    """Enqueue again the campaign's messages queued for ``LOST_AFTER`` that were never tried (their
    task was lost with a worker). Safe twice: the send task claims the message before sending."""
    now = now or timezone.now()
    lost = list(_messages(campaign, Recipient.QUEUED).filter(
        status=Message.Status.QUEUED, wamid__isnull=True, attempts=0, updated_at__lt=now - LOST_AFTER,
    ).values_list("pk", flat=True)[:5000])
    enqueue_delivery(lost)
    if lost:
        logger.info("campaign %s: re-enqueued %d messages whose task was lost", campaign.pk, len(lost))
    return len(lost)


def _messages(campaign: Campaign, recipient_state: str | None = None):
    """The campaign's messages, reached through its recipient rows (indexed by campaign and state)."""
    rows = {"campaign_recipient__campaign": campaign}
    if recipient_state:
        rows["campaign_recipient__state"] = recipient_state
    return Message.objects.filter(**rows)


def _enqueue_helper(campaign_id: int, token: uuid.UUID, limit: int) -> None:
    from ..tasks import help_hand_over_task

    help_hand_over_task.delay(campaign_id, str(token), limit)


def _enqueue_tick(campaign_id: int, token: uuid.UUID, *, countdown: float) -> None:
    from ..tasks import dispatch_campaign_task

    dispatch_campaign_task.apply_async(args=(campaign_id, str(token)), countdown=countdown)
