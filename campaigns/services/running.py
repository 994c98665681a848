"""Running a campaign: launch, test send, pause, resume, cancel (each audited, each refusing what its
state doesn't allow), the automatic pause when Meta says to stop, and the sweep every ~30 s that
starts scheduled campaigns on time and recovers what a crashed worker lost (see ``dispatch``).

Pause stops the dispatcher (its token is cleared) and takes back the messages still waiting in our
queue, never tried (``dispatch.retract_queued``): they are deleted before they leave — conditionally,
so one a worker claimed meanwhile finishes — and their recipients wait again; a resume queues them
under the same UUIDs. Messaging needs to know nothing about campaigns for this.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import AccountEvent
from accounts.services.account_events import record_account_event, resolve_topic
from accounts.services.admin_notifications import administrator_emails
from accounts.services.audit import record_audit
from messaging.models import Contact, Message
from messaging.services.contacts import normalise_wa_id
from templates_mgr.services.errors import TemplateInvalid
from templates_mgr.services.sending import start_conversation

from ..models import Campaign
from . import dispatch
from .audience import write_recipients
from .planning import validate
from .recipient_values import placeholders_of, send_values, value_of

logger = logging.getLogger("campaigns.running")
State = Campaign.State
NOTICE_FIELD = "campaigns"


def launch(campaign: Campaign, *, user) -> Campaign:
    """Write every recipient's row (pending / suppressed with the reason / skipped with the missing
    values), then start sending — or wait, ``scheduled``, until ``scheduled_at`` (the sweep starts it)."""
    with transaction.atomic():
        locked = _locked(campaign)
        _refuse_unless(locked, (State.DRAFT,), "launched")
        validate(locked, check_schedule=False)
        if locked.segment_id is None:
            raise ValidationError({"segment": ["Choose who receives the campaign (a segment)."]})
        counts = write_recipients(locked)
        now = timezone.now()
        if locked.scheduled_at is not None and locked.scheduled_at > now:
            locked.state = State.SCHEDULED
        else:
            locked.state, locked.started_at = State.RUNNING, now
        locked.state_changed_at = now
        locked.save(update_fields=["state", "started_at", "state_changed_at"])
        record_audit(actor=user, action="campaign.launch", obj=locked, account=locked.account_id,
                     details={"state": locked.state, **counts})
        if locked.state == State.RUNNING:
            dispatch.start_dispatcher(locked.pk)
    return locked


def test_send(campaign: Campaign, *, user, to_wa_id: str) -> Message:
    """Send the campaign's template to one person first (a team member's WhatsApp), through the same
    template send as the console. Values come from that person's contact attributes when they have
    them, else from the template's examples. Meta refuses a number messaging itself (131021), so the
    sending number can't be the recipient."""
    if campaign.state in (State.COMPLETED, State.CANCELLED):
        raise ValidationError({"__all__": [f"The campaign is {campaign.get_state_display().lower()}."]})
    try:
        wa_id = normalise_wa_id(to_wa_id)
    except ValidationError as exc:
        raise ValidationError({"to_wa_id": exc.messages}) from None
    own = "".join(ch for ch in campaign.phone_number.display_phone_number if ch.isdigit())
    if wa_id == own:
        raise ValidationError({"to_wa_id": [
            "WhatsApp can't deliver a message from a number to itself (Meta error 131021): "
            "send the test to a team member's WhatsApp number."]})
    try:
        placeholders = placeholders_of(campaign.template)
    except ValueError as exc:
        raise ValidationError({"template": [str(exc)]}) from None
    contact = Contact.objects.filter(account_id=campaign.account_id, wa_id=wa_id).first()
    values = {}
    for placeholder in placeholders:
        source = (campaign.parameters or {}).get(placeholder.key, "")
        mine = value_of(contact, source) if contact is not None else ""
        values[placeholder.key] = mine or placeholder.slot.example or f"[{source or placeholder.key}]"
    try:
        message = start_conversation(phone_number=campaign.phone_number, to=wa_id, template=campaign.template,
                                     values=send_values(values, placeholders), user=user)
    except TemplateInvalid as exc:
        raise ValidationError({"to_wa_id" if "to" in exc.errors else "__all__":
                               [m for messages in exc.errors.values() for m in messages]}) from None
    record_audit(actor=user, action="campaign.test_send", obj=campaign, account=campaign.account_id,
                 details={"message_id": message.pk})
    return message


def pause(campaign: Campaign, *, user=None, reason: str = "") -> Campaign:
    """Stop sending: the dispatcher stops and messages still waiting in our queue are taken back."""
    with transaction.atomic():
        locked = _locked(campaign)
        _refuse_unless(locked, (State.RUNNING, State.SCHEDULED), "paused")
        now = timezone.now()
        who = getattr(user, "username", "") if user is not None else ""
        locked.state, locked.state_changed_at, locked.dispatcher_token = State.PAUSED, now, None
        locked.state_reason = (reason or (f"Paused by {who}." if who else "Paused."))[:500]
        locked.save(update_fields=["state", "state_reason", "state_changed_at", "dispatcher_token"])
        retracted = dispatch.retract_queued(locked)
        record_audit(actor=user, action="campaign.pause", obj=locked, account=locked.account_id,
                     details={"retracted": retracted}, reason=locked.state_reason)
    return locked


def auto_pause(campaign: Campaign, *, reason: str) -> Campaign:
    """Meta said to stop (see ``dispatch.check_can_send``): pause, and tell the administrators with a
    console banner (and an e-mail when e-mail is configured)."""
    paused = pause(campaign, user=None, reason=reason)
    event = record_account_event(
        account=paused.account, phone_number=paused.phone_number, field=NOTICE_FIELD, event="campaign_paused",
        topic=_topic(paused), title=f"Campaign “{paused.name}” paused: {reason}",
        details={"campaign_id": paused.pk, "reason": reason}, severity=AccountEvent.Severity.WARNING,
        active=True, audience=AccountEvent.Audience.ADMINISTRATORS, occurred_at=timezone.now(),
    )
    if settings.EMAIL_HOST:
        transaction.on_commit(lambda: _mail(event))
    logger.warning("campaign %s paused automatically", paused.pk)
    return paused


def resume(campaign: Campaign, *, user) -> Campaign:
    """Send again from where it stopped; refused while what paused it still holds."""
    with transaction.atomic():
        locked = _locked(campaign)
        _refuse_unless(locked, (State.PAUSED,), "resumed")
        try:
            dispatch.check_can_send(locked, since=timezone.now())
        except dispatch.Stop as stop:
            raise ValidationError({"__all__": [f"Can't resume yet: {stop}"]}) from None
        now = timezone.now()
        if locked.started_at is None and locked.scheduled_at is not None and locked.scheduled_at > now:
            locked.state = State.SCHEDULED
        else:
            locked.state, locked.started_at = State.RUNNING, locked.started_at or now
        locked.state_reason, locked.state_changed_at = "", now
        locked.save(update_fields=["state", "state_reason", "state_changed_at", "started_at"])
        resolve_topic(account=locked.account, topic=_topic(locked), resolved_at=now)
        record_audit(actor=user, action="campaign.resume", obj=locked, account=locked.account_id,
                     details={"state": locked.state})
        if locked.state == State.RUNNING:
            dispatch.start_dispatcher(locked.pk)
    return locked


def cancel(campaign: Campaign, *, user) -> Campaign:
    """Stop for good: nothing more is sent; waiting recipients stay as they are, unsent."""
    with transaction.atomic():
        locked = _locked(campaign)
        _refuse_unless(locked, (State.DRAFT, State.SCHEDULED, State.RUNNING, State.PAUSED), "cancelled")
        now = timezone.now()
        locked.state, locked.state_changed_at, locked.finished_at = State.CANCELLED, now, now
        locked.dispatcher_token = None
        locked.save(update_fields=["state", "state_changed_at", "finished_at", "dispatcher_token"])
        retracted = dispatch.retract_queued(locked)
        resolve_topic(account=locked.account, topic=_topic(locked), resolved_at=now)
        record_audit(actor=user, action="campaign.cancel", obj=locked, account=locked.account_id,
                     details={"retracted": retracted})
    return locked


def sweep_campaigns(*, now=None) -> dict[str, int]:
    """Every ~30 s (beat): start scheduled campaigns that are due; for running ones, pause if Meta
    said to stop, re-enqueue messages whose task was lost, finish completed ones, and restart a
    dispatcher that stopped beating. Returns counts, for the log."""
    now = now or timezone.now()
    counts = {"started": 0, "requeued": 0, "paused": 0, "completed": 0, "dispatchers": 0}
    for pk in Campaign.objects.filter(state=State.SCHEDULED, scheduled_at__lte=now).values_list("pk", flat=True):
        counts["started"] += start_scheduled(pk, now=now)
    running = Campaign.objects.filter(state=State.RUNNING).select_related("template", "phone_number__account")
    for campaign in running:
        try:
            dispatch.check_can_send(campaign)
        except dispatch.Stop as stop:
            auto_pause(campaign, reason=str(stop))
            counts["paused"] += 1
            continue
        counts["requeued"] += dispatch.requeue_lost(campaign, now=now)
        dispatch.advance_done(campaign)
        if dispatch.finish_if_done(campaign):
            counts["completed"] += 1
            continue
        counts["dispatchers"] += dispatch.start_dispatcher(campaign.pk, now=now)
    return counts


def start_scheduled(campaign_id: int, *, now=None) -> bool:
    """A scheduled campaign whose time came starts sending (once, however many sweeps see it)."""
    now = now or timezone.now()
    with transaction.atomic():
        started = Campaign.objects.filter(pk=campaign_id, state=State.SCHEDULED, scheduled_at__lte=now).update(
            state=State.RUNNING, started_at=now, state_changed_at=now)
        if started:
            campaign = Campaign.objects.get(pk=campaign_id)
            record_audit(actor=None, action="campaign.start", obj=campaign, account=campaign.account_id,
                         details={"scheduled_at": campaign.scheduled_at.isoformat()})
            dispatch.start_dispatcher(campaign_id, now=now)
    return bool(started)


def _locked(campaign: Campaign) -> Campaign:
    return (Campaign.objects.select_for_update(of=("self",))
            .select_related("template", "phone_number__account", "account", "segment").get(pk=campaign.pk))


def _refuse_unless(campaign: Campaign, states: tuple, verb: str) -> None:
    if campaign.state not in states:
        raise ValidationError({"__all__": [
            f"A {campaign.get_state_display().lower()} campaign can't be {verb}."]})


def _topic(campaign: Campaign) -> str:
    return f"campaign:{campaign.pk}:paused"


def _mail(event: AccountEvent) -> None:
    recipients = administrator_emails()
    if recipients:
        send_mail(subject=event.title[:150], message=event.title, from_email=None, recipient_list=recipients,
                  fail_silently=True)
