"""Creating and editing campaigns, and their dry run (what a launch would do, written nowhere).

PLACEHOLDER from the campaign-ui branch: the contract's names and return types (CONTRACT18.md
point 4), implemented simply so the pages can be built and tested. The campaign-engine branch's
version replaces this file at merge.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import BusinessAccount, PhoneNumber
from accounts.services import record_audit
from messaging.models import Contact, Message
from templates_mgr.models import MessageTemplate
from templates_mgr.services.eligibility import template_send_refusal

from ..mapping import NotFillable, placeholders_of, value_for
from ..models import Campaign, CampaignRecipient, Segment
from ..selectors import number_throughput
from .pricing import Rate, rate_for
from .segments import contacts_in

TIER_LIMITS = {"TIER_50": 50, "TIER_250": 250, "TIER_1K": 1000, "TIER_2K": 2000, "TIER_10K": 10_000,
               "TIER_100K": 100_000, "TIER_UNLIMITED": None, "UNLIMITED": None}
EDITABLE = (Campaign.State.DRAFT, Campaign.State.SCHEDULED)


@dataclass(frozen=True)
class Missing:
    contact: Contact
    parameter: str
    attribute: str


@dataclass(frozen=True)
class CostLine:
    category: str
    country: str
    count: int
    rate: Rate | None
    amount: Decimal | None
    currency: str


@dataclass(frozen=True)
class LimitCheck:
    tier: str
    limit: int | None
    used_24h: int
    needed: int
    will_reach: bool
    explanation: str


@dataclass(frozen=True)
class DryRun:
    to_send: int
    suppressed: dict[str, int]
    missing: list[Missing]
    cost_lines: list[CostLine]
    total_cost: dict[str, Decimal]
    rate: int
    seconds_to_finish: int
    limit: LimitCheck


def create_campaign(*, account: BusinessAccount, phone_number: PhoneNumber, name: str, template: MessageTemplate,
                    segment: Segment | None = None, parameters: dict, rate_cap: int | None = None,
                    scheduled_at=None, user=None) -> Campaign:
    """A draft campaign; raises ``ValidationError`` keyed by field."""
    campaign = Campaign(account=account, phone_number=phone_number, name=(name or "").strip(), template=template,
                        segment=segment, parameters=dict(parameters or {}), rate_cap=rate_cap,
                        scheduled_at=scheduled_at, created_by=user if getattr(user, "is_authenticated", False) else None)
    _validate(campaign)
    with transaction.atomic():
        campaign.save()
        record_audit(actor=user, action="campaign.create", obj=campaign, account=account.pk,
                     details={"campaign_id": campaign.pk})
    return campaign


def update_campaign(campaign: Campaign, *, user=None, **fields) -> Campaign:
    """Change a draft or scheduled campaign's fields; raises ``ValidationError`` keyed by field."""
    if campaign.state not in EDITABLE:
        raise ValidationError({"__all__": [f"A {campaign.get_state_display().lower()} campaign can't be edited."]})
    for name, value in fields.items():
        setattr(campaign, name, value)
    _validate(campaign)
    with transaction.atomic():
        campaign.save()
        record_audit(actor=user, action="campaign.update", obj=campaign, account=campaign.account_id,
                     details={"fields": sorted(fields)})
    return campaign


def _validate(campaign: Campaign) -> None:
    errors: dict[str, list[str]] = {}
    if not campaign.name:
        errors["name"] = ["Give the campaign a name."]
    if campaign.phone_number.account_id != campaign.account_id:
        errors["phone_number"] = ["The number belongs to another business account."]
    template = campaign.template
    if template.account_id != campaign.account_id:
        errors["template"] = ["The template belongs to another business account."]
    elif template.status != MessageTemplate.Status.APPROVED:
        errors["template"] = [f"Only approved templates can be sent; {template} is {template.get_status_display().lower()}."]
    else:
        try:
            keys = {p.key for p in placeholders_of(template)}
        except NotFillable as exc:
            errors["template"] = [str(exc)]
        else:
            unmapped = sorted(keys - {k for k, v in campaign.parameters.items() if v})
            if unmapped:
                errors["parameters"] = [f"Choose where {', '.join(unmapped)} comes from."]
            elif set(campaign.parameters) - keys:
                errors["parameters"] = ["The mapping names parameters the template doesn't have."]
    if campaign.segment is not None and campaign.segment.account_id != campaign.account_id:
        errors["segment"] = ["The segment belongs to another business account."]
    if campaign.rate_cap is not None:
        limit = number_throughput(campaign.phone_number)
        if not 1 <= campaign.rate_cap <= limit:
            errors["rate_cap"] = [f"The rate cap must be from 1 to the number's throughput, {limit} messages per second."]
    if campaign.scheduled_at is not None and campaign.scheduled_at <= timezone.now() and campaign.state == Campaign.State.DRAFT:
        errors["scheduled_at"] = ["The schedule must be in the future."]
    if errors:
        raise ValidationError(errors)


def audience(campaign: Campaign):
    """The contacts a launch considers: the segment's (nobody without a segment)."""
    if campaign.segment is None:
        return Contact.objects.none()
    return contacts_in(campaign.segment)


def classify(campaign: Campaign, contact: Contact, *, already: set[int]) -> tuple[str, str, dict, list[Missing]]:
    """(recipient state, reason, parameters, missing) for one contact, as a launch writes it."""
    if contact.pk in already:
        return CampaignRecipient.State.SUPPRESSED, "Already messaged by this campaign", {}, []
    refusal = template_send_refusal(template=campaign.template, contact=contact, wa_id=contact.wa_id)
    if refusal:
        reason = "Opted out of marketing" if contact.opted_out else "Marketing to a US number"
        return CampaignRecipient.State.SUPPRESSED, reason, {}, []
    values, missing = {}, []
    for key, source in sorted(campaign.parameters.items()):
        value = value_for(contact, source)
        if value:
            values[key] = value
        else:
            missing.append(Missing(contact=contact, parameter=key, attribute=source))
    if missing:
        reason = "Missing " + ", ".join(f"{m.attribute} (for {m.parameter})" for m in missing)
        return CampaignRecipient.State.SKIPPED, reason, values, missing
    return CampaignRecipient.State.PENDING, "", values, []


def dry_run(campaign: Campaign) -> DryRun:
    """What a launch would do now: who would be sent, suppressed or skipped, the cost, the time, the limit."""
    already = set(campaign.recipients.exclude(message=None).values_list("contact_id", flat=True))
    suppressed: dict[str, int] = {}
    missing: list[Missing] = []
    countries: dict[str, int] = {}
    to_send = 0
    for contact in audience(campaign).iterator():
        state, reason, _, lacking = classify(campaign, contact, already=already)
        if state == CampaignRecipient.State.SUPPRESSED:
            suppressed[reason] = suppressed.get(reason, 0) + 1
        elif state == CampaignRecipient.State.SKIPPED:
            missing.extend(lacking)
        else:
            to_send += 1
            country = _region(contact.wa_id)
            countries[country] = countries.get(country, 0) + 1
    category = (campaign.template.category or "").lower()
    today = timezone.localdate()
    lines, total = [], {}
    for country, count in sorted(countries.items()):
        rate = rate_for(category=category, country=country, on=today)
        amount = rate.price * count if rate else None
        currency = rate.currency if rate else ""
        if rate:
            total[currency] = total.get(currency, Decimal("0")) + amount
        lines.append(CostLine(category=category, country=country, count=count, rate=rate, amount=amount,
                              currency=currency))
    rate = min(campaign.rate_cap or number_throughput(campaign.phone_number), number_throughput(campaign.phone_number))
    seconds = -(-to_send // rate) if to_send else 0
    return DryRun(to_send=to_send, suppressed=suppressed, missing=missing, cost_lines=lines, total_cost=total,
                  rate=rate, seconds_to_finish=seconds, limit=_limit_check(campaign, to_send))


def _limit_check(campaign: Campaign, needed: int) -> LimitCheck:
    tier = campaign.phone_number.messaging_limit_tier or ""
    limit = TIER_LIMITS.get(tier.upper(), None) if tier else None
    since = timezone.now() - timedelta(hours=24)
    used = (Message.objects.filter(conversation__phone_number__account_id=campaign.account_id,
                                   direction=Message.Direction.OUTBOUND, type="template", created_at__gte=since)
            .values("conversation__contact_id").distinct().count())
    if limit is None:
        explanation = ("The portfolio's messaging limit is unlimited." if tier else
                       "The portfolio's messaging limit is not known yet (sync the numbers in Settings).")
        return LimitCheck(tier=tier or "unknown", limit=None, used_24h=used, needed=needed, will_reach=False,
                          explanation=explanation)
    will_reach = used + needed > limit
    explanation = (f"{used} of {limit} unique customers reached in the last 24 hours; this campaign needs {needed} more"
                   + (": the limit will be reached, and the rest waits." if will_reach else "."))
    return LimitCheck(tier=tier, limit=limit, used_24h=used, needed=needed, will_reach=will_reach,
                      explanation=explanation)


def _region(wa_id: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse("+" + wa_id.lstrip("+"))) or ""
    except phonenumbers.NumberParseException:
        return ""
