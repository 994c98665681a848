"""Who a campaign sends to, and who it doesn't and why: decided once, for the dry run and the launch.

Suppressed (never sent): a contact this campaign already messaged; anyone the console's template
send would refuse (``templates_mgr.services.eligibility``: opted out of marketing, a marketing
template to a US number); for marketing templates, anyone Meta refused with 131049 (its per-user
marketing limit) in the last 24 hours, since sending again within 24 h only extends the block.
Skipped: a recipient missing a value for a placeholder — listed, never sent a broken message.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import phonenumbers
from django.db.models import QuerySet
from django.utils import timezone

from messaging.models import Contact, Message
from templates_mgr.models import MessageTemplate
from templates_mgr.services.eligibility import template_send_refusal

from ..models import Campaign, CampaignRecipient
from .recipient_values import Placeholder, fill, placeholders_of
from .segments import contacts_in

ALREADY_MESSAGED = "Already messaged by this campaign"
OPTED_OUT = "Opted out of marketing"
US_MARKETING = "Marketing template to a US number (Meta no longer delivers them)"
MARKETING_LIMIT = "Reached Meta's marketing limit for this person in the last 24 h (131049)"
REFUSED = "Refused by the template send rules"
MARKETING_LIMIT_CODE = 131049
MARKETING_LIMIT_WAIT = timedelta(hours=24)

Pending, Suppressed, Skipped = (CampaignRecipient.State.PENDING, CampaignRecipient.State.SUPPRESSED,
                                CampaignRecipient.State.SKIPPED)


@dataclass
class Planned:
    contact: Contact
    state: str
    reason: str = ""
    values: dict = field(default_factory=dict)  # campaign key → value
    missing: list[tuple[str, str]] = field(default_factory=list)  # (campaign key, attribute)


def audience_of(campaign: Campaign) -> QuerySet[Contact]:
    """The campaign's contacts (its segment's), each once, in a stable order."""
    if campaign.segment_id is None:
        return Contact.objects.none()
    return contacts_in(campaign.segment).order_by("pk")


def plan(campaign: Campaign) -> Iterator[Planned]:
    """Each contact of the audience with what the campaign will do with it."""
    placeholders = placeholders_of(campaign.template)
    template = campaign.template
    already = set(campaign.recipients.filter(message__isnull=False).values_list("contact_id", flat=True))
    limited = marketing_limited(campaign) if template.category == MessageTemplate.Category.MARKETING else set()
    for contact in audience_of(campaign).iterator(chunk_size=2000):
        yield _plan_one(campaign, contact, placeholders, already=already, limited=limited)


def _plan_one(campaign, contact: Contact, placeholders: list[Placeholder], *, already, limited) -> Planned:
    if contact.pk in already:
        return Planned(contact, Suppressed, ALREADY_MESSAGED)
    refusal = template_send_refusal(template=campaign.template, contact=contact, wa_id=contact.wa_id)
    if refusal:
        return Planned(contact, Suppressed, refusal_reason(contact, refusal))
    if contact.pk in limited:
        return Planned(contact, Suppressed, MARKETING_LIMIT)
    values, missing = fill(contact, campaign.parameters or {}, placeholders)
    if missing:
        listed = ", ".join(f"{key} ({source or 'not mapped'})" for key, source in missing)
        return Planned(contact, Skipped, f"Missing values: {listed}"[:255], values, missing)
    return Planned(contact, Pending, "", values)


def refusal_reason(contact: Contact, refusal: str) -> str:
    """The eligibility service's sentence names the person; a campaign counts reasons, so it keeps the kind."""
    if contact.opted_out:
        return OPTED_OUT
    if country_of(contact.wa_id) == "US":
        return US_MARKETING
    return REFUSED


def country_of(wa_id: str) -> str:
    """The ISO region of a WhatsApp id (``GB``, ``US``; ``CA`` for Canada's +1), "" if unknown."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse("+" + wa_id.lstrip("+"))) or ""
    except phonenumbers.NumberParseException:
        return ""


def marketing_limited(campaign: Campaign) -> set[int]:
    """Contacts of the campaign's account Meta refused with 131049 within the last 24 hours."""
    since = timezone.now() - MARKETING_LIMIT_WAIT
    return set(
        Message.objects.filter(
            conversation__contact__account_id=campaign.account_id, direction=Message.Direction.OUTBOUND,
            status=Message.Status.FAILED, error_code=MARKETING_LIMIT_CODE, updated_at__gte=since,
        ).values_list("conversation__contact_id", flat=True)
    )


WRITE_BATCH = 1000


def write_recipients(campaign: Campaign) -> dict[str, int]:
    """One row per contact of the audience, before any send: pending, suppressed with the reason, or
    skipped with the missing values. Rows without a message are written again (a scheduled campaign
    edited); a row that has its message is never touched. Returns the count per state."""
    campaign.recipients.filter(message__isnull=True).delete()
    counts = {Pending: 0, Suppressed: 0, Skipped: 0}
    rows = []
    for planned in plan(campaign):
        if planned.reason == ALREADY_MESSAGED:
            continue  # its row, with its message, is there already
        counts[planned.state] += 1
        rows.append(CampaignRecipient(campaign=campaign, contact=planned.contact, state=planned.state,
                                      reason=planned.reason, parameters=planned.values))
        if len(rows) >= WRITE_BATCH:
            CampaignRecipient.objects.bulk_create(rows)
            rows = []
    CampaignRecipient.objects.bulk_create(rows)
    return counts
