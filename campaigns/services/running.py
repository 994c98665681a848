"""Launching, test-sending, pausing, resuming and cancelling campaigns.

PLACEHOLDER from the campaign-ui branch: the contract's names (CONTRACT18.md point 4), implemented
simply so the pages can be built and tested: a launch writes every recipient row and moves the
state, but nothing here sends the recipients' messages (the engine's tasks do). The
campaign-engine branch's version replaces this file at merge.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import record_audit
from messaging.models import Contact, Message
from templates_mgr.services.errors import TemplateInvalid
from templates_mgr.services.sending import start_conversation

from ..mapping import placeholders_of, value_for
from ..models import Campaign, CampaignRecipient
from .planning import audience, classify

State = Campaign.State


def launch(campaign: Campaign, *, user) -> Campaign:
    """Write every recipient row, then start (or schedule) the campaign."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state != State.DRAFT:
            raise ValidationError({"__all__": [f"A {campaign.get_state_display().lower()} campaign can't be launched."]})
        if campaign.segment is None:
            raise ValidationError({"segment": ["Choose the audience segment first."]})
        already = set(campaign.recipients.values_list("contact_id", flat=True))
        rows = []
        for contact in audience(campaign).iterator():
            if contact.pk in already:
                continue
            state, reason, values, _ = classify(campaign, contact, already=set())
            rows.append(CampaignRecipient(campaign=campaign, contact=contact, state=state, reason=reason[:255],
                                          parameters=values))
        CampaignRecipient.objects.bulk_create(rows, batch_size=500)
        scheduled = campaign.scheduled_at is not None and campaign.scheduled_at > timezone.now()
        campaign.state = State.SCHEDULED if scheduled else State.RUNNING
        campaign.started_at = None if scheduled else timezone.now()
        campaign.save(update_fields=["state", "started_at"])
        record_audit(actor=user, action="campaign.launch", obj=campaign, account=campaign.account_id,
                     details={"recipients": len(rows)})
    return campaign


def test_send(campaign: Campaign, *, user, to_wa_id: str) -> Message:
    """Send the campaign's template once to ``to_wa_id`` (the sender's own phone), filled from that
    contact's attributes when we know them, else from the template's examples."""
    contact = Contact.objects.filter(account_id=campaign.account_id, wa_id=(to_wa_id or "").lstrip("+")).first()
    values = {}
    for placeholder in placeholders_of(campaign.template):
        source = campaign.parameters.get(placeholder.key, "")
        value = value_for(contact, source) if contact is not None else ""
        component, _, name = placeholder.key.partition(".")
        slot_key = ("otp_code" if component == "otp" else f"button_{name}_url" if component == "button"
                    else f"{component}_{name}")
        values[slot_key] = value or placeholder.example or source
    try:
        message = start_conversation(phone_number=campaign.phone_number, to=to_wa_id, template=campaign.template,
                                     values=values, user=user)
    except TemplateInvalid as exc:
        raise ValidationError({"to_wa_id" if key == "to" else "__all__": messages
                               for key, messages in exc.errors.items()}) from None
    record_audit(actor=user, action="campaign.test_send", obj=campaign, account=campaign.account_id,
                 details={"message_id": message.pk})
    return message


def pause(campaign: Campaign, *, user=None, reason: str = "") -> Campaign:
    who = getattr(user, "username", "") if user is not None else ""
    return _move(campaign, user=user, allowed=(State.RUNNING, State.SCHEDULED), to=State.PAUSED, action="pause",
                 reason=reason or (f"Paused by {who}." if who else "Paused."))


def resume(campaign: Campaign, *, user) -> Campaign:
    return _move(campaign, user=user, allowed=(State.PAUSED,), to=State.RUNNING, action="resume", reason="")


def cancel(campaign: Campaign, *, user) -> Campaign:
    return _move(campaign, user=user, allowed=(State.DRAFT, State.SCHEDULED, State.RUNNING, State.PAUSED),
                 to=State.CANCELLED, action="cancel", reason="")


def _move(campaign: Campaign, *, user, allowed, to, action: str, reason: str) -> Campaign:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state not in allowed:
            done = {"pause": "paused", "resume": "resumed", "cancel": "cancelled"}[action]
            raise ValidationError({"__all__": [f"A {campaign.get_state_display().lower()} campaign can't be {done}."]})
        campaign.state = to
        campaign.state_reason = reason[:500]
        fields = ["state", "state_reason"]
        if to == State.CANCELLED:
            campaign.finished_at = timezone.now()
            fields.append("finished_at")
        campaign.save(update_fields=fields)
        record_audit(actor=user, action=f"campaign.{action}", obj=campaign, account=campaign.account_id,
                     details={"state": to}, reason=reason)
    return campaign
