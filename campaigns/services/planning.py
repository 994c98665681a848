"""Planning a campaign: create and edit it (everything checked, keyed by field), and the dry run —
who will get it, who won't and why, what it will cost, how long it takes, and whether the
portfolio's messaging limit will be reached. Nothing here sends anything."""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.meta_terms import UNLIMITED, tier_label, tier_size
from accounts.models import BusinessAccount, PhoneNumber
from accounts.services.audit import record_audit
from messaging.models import Contact, Conversation, Message
from templates_mgr.models import MessageTemplate

from ..models import Campaign, Segment
from . import audience
from .pricing import Rate, rate_for
from .recipient_values import placeholders_of
from .send_rate import number_throughput, send_rate

State = Campaign.State
EDITABLE_STATES = (State.DRAFT, State.SCHEDULED)
AUDIENCE_FIELDS = {"phone_number", "template", "segment", "parameters"}
EDITABLE_FIELDS = ("name", "phone_number", "template", "segment", "parameters", "rate_cap", "scheduled_at")


def create_campaign(
    *, account: BusinessAccount, phone_number: PhoneNumber, name: str, template: MessageTemplate,
    segment: Segment | None = None, parameters: dict, rate_cap: int | None = None,
    scheduled_at: datetime | None = None, user=None,
) -> Campaign:
    """A draft campaign; ``ValidationError`` (a message dict keyed by field) if anything is wrong."""
    campaign = Campaign(account=account, phone_number=phone_number, name=(name or "").strip(), template=template,
                        segment=segment, parameters=parameters, rate_cap=rate_cap, scheduled_at=scheduled_at,
                        created_by=user if getattr(user, "is_authenticated", False) else None)
    validate(campaign)
    with transaction.atomic():
        campaign.save()
        record_audit(actor=user, action="campaign.create", obj=campaign, account=account.pk,
                     details=_summary(campaign))
    return campaign


def update_campaign(campaign: Campaign, *, user=None, **fields) -> Campaign:
    """Change a draft or scheduled campaign's ``fields`` (see ``EDITABLE_FIELDS``); checked like a new one."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: ["This can't be changed."] for name in unknown})
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.state not in EDITABLE_STATES:
            raise ValidationError({"__all__": [f"A {locked.get_state_display().lower()} campaign can't be edited."]})
        if "name" in fields:
            fields["name"] = (fields["name"] or "").strip()
        for name, value in fields.items():
            setattr(locked, name, value)
        validate(locked, check_schedule="scheduled_at" in fields)
        locked.save()
        if locked.state == State.SCHEDULED and set(fields) & AUDIENCE_FIELDS:
            audience.write_recipients(locked)  # its rows were written at launch: write them again
        record_audit(actor=user, action="campaign.update", obj=locked, account=locked.account_id,
                     details={"fields": sorted(fields), **_summary(locked)})
    return locked


def validate(campaign: Campaign, *, check_schedule: bool = True) -> None:
    """Every rule a campaign must keep before it is saved or launched; raises ``ValidationError``.
    ``check_schedule``: the schedule must be in the future (not when launching a due one)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not campaign.name:
        add("name", "Give the campaign a name.")
    elif len(campaign.name) > 200:
        add("name", "Keep the name under 200 characters.")
    phone, template = campaign.phone_number, campaign.template
    if phone.account_id != campaign.account_id:
        add("phone_number", f"+{phone.display_phone_number} is not a number of {campaign.account.name}.")
    if template.account_id != campaign.account_id or template.account_id != phone.account_id:
        add("template", f"{template} belongs to another business account.")
    elif template.status != MessageTemplate.Status.APPROVED:
        add("template", f"Only approved templates can be sent; {template} is {template.get_status_display().lower()}.")
    else:
        _validate_parameters(campaign, add)
    if campaign.segment_id is not None and campaign.segment.account_id != campaign.account_id:
        add("segment", "That segment belongs to another business account.")
    _validate_rate(campaign, add)
    if campaign.scheduled_at is not None and check_schedule and campaign.scheduled_at <= timezone.now():
        add("scheduled_at", "Choose a time in the future (or leave it empty to start when launched).")
    if errors:
        raise ValidationError(errors)


def _validate_parameters(campaign: Campaign, add) -> None:
    try:
        placeholders = placeholders_of(campaign.template)
    except ValueError as exc:
        add("template", str(exc))
        return
    mapping = campaign.parameters
    if not isinstance(mapping, dict):
        add("parameters", "Map each placeholder to a contact attribute, e.g. body.1 → first_name.")
        return
    keys = {p.key for p in placeholders}
    for key in sorted(set(mapping) - keys):
        add("parameters", f"{campaign.template.name} has no placeholder {key}"
                          + (f" (it has {', '.join(sorted(keys))})." if keys else " (it has none)."))
    for placeholder in placeholders:
        source = mapping.get(placeholder.key)
        if placeholder.slot.required and (not isinstance(source, str) or not source.strip()):
            add("parameters", f"Choose the attribute that fills {placeholder.key} ({placeholder.slot.label}).")
        elif source is not None and not isinstance(source, str):
            add("parameters", f"{placeholder.key} must name an attribute.")


def _validate_rate(campaign: Campaign, add) -> None:
    cap = campaign.rate_cap
    if cap is None:
        return
    if isinstance(cap, bool) or not isinstance(cap, int):
        add("rate_cap", "The rate cap is a whole number of messages per second.")
        return
    most = number_throughput(campaign.phone_number)
    if not 1 <= cap <= most:
        add("rate_cap", f"Choose between 1 and {most} messages per second (the number's throughput).")


def _summary(campaign: Campaign) -> dict:
    return {"name": campaign.name, "phone_number_id": campaign.phone_number.phone_number_id,
            "template_id": campaign.template_id, "segment_id": campaign.segment_id,
            "parameters": sorted(campaign.parameters or {}), "rate_cap": campaign.rate_cap,
            "scheduled_at": campaign.scheduled_at.isoformat() if campaign.scheduled_at else None}


# The dry run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    contact: Contact
    parameter: str  # the campaign's key, e.g. body.1
    attribute: str  # the attribute it maps to ("" when not mapped)


@dataclass(frozen=True)
class CostLine:
    category: str
    country: str  # ISO region code; "" when the number's country is unknown
    count: int
    rate: Rate | None  # None: no rate in the table ("no rate", never zero)
    amount: Decimal | None
    currency: str


@dataclass(frozen=True)
class LimitCheck:
    tier: str  # in words, e.g. "2,000 customers / 24 h"
    limit: int | None  # None: unlimited, or not known yet
    used_24h: int
    needed: int
    will_reach: bool
    known: bool  # False: Meta hasn't told us the limit, so nothing could be checked
    explanation: str

    @property
    def verdict(self) -> str:
        if not self.known:
            return "can't be checked."
        return "will be reached." if self.will_reach else "will not be reached."


@dataclass
class DryRun:
    to_send: int
    suppressed: dict[str, int] = field(default_factory=dict)
    missing: list[Missing] = field(default_factory=list)
    cost_lines: list[CostLine] = field(default_factory=list)
    total_cost: dict[str, Decimal] = field(default_factory=dict)
    rate: int = 0
    seconds_to_finish: int = 0
    limit: LimitCheck | None = None


def dry_run(campaign: Campaign) -> DryRun:
    """What launching ``campaign`` now would do; sends nothing and writes nothing."""
    suppressed: dict[str, int] = {}
    missing: list[Missing] = []
    sending: list[Contact] = []
    for planned in audience.plan(campaign):
        if planned.state == audience.Suppressed:
            suppressed[planned.reason] = suppressed.get(planned.reason, 0) + 1
        elif planned.state == audience.Skipped:
            missing += [Missing(planned.contact, key, source) for key, source in planned.missing]
        else:
            sending.append(planned.contact)
    lines = _cost_lines(campaign, sending)
    totals: dict[str, Decimal] = {}
    for line in lines:
        if line.amount is not None:
            totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.amount
    rate = send_rate(campaign)
    return DryRun(
        to_send=len(sending), suppressed=suppressed, missing=missing, cost_lines=lines, total_cost=totals,
        rate=rate, seconds_to_finish=math.ceil(len(sending) / rate) if rate else 0,
        limit=limit_check(campaign, sending),
    )


def _cost_lines(campaign: Campaign, contacts: list[Contact]) -> list[CostLine]:
    category = campaign.template.category.lower()
    on = (campaign.scheduled_at or timezone.now()).date()
    counts: dict[str, int] = {}
    for contact in contacts:
        country = audience.country_of(contact.wa_id)
        counts[country] = counts.get(country, 0) + 1
    lines = []
    for country, count in sorted(counts.items()):
        rate = rate_for(category=category, country=country, on=on)  # no country: the every-other-country row
        lines.append(CostLine(
            category=category, country=country, count=count, rate=rate,
            amount=rate.price * count if rate else None, currency=rate.currency if rate else "",
        ))
    return lines


def limit_check(campaign: Campaign, contacts: list[Contact]) -> LimitCheck:
    """Whether sending to ``contacts`` reaches the portfolio's messaging limit: unique customers
    reached outside a service window in a moving 24 hours, shared by every number of the portfolio.

    Used: the distinct customers our templates reached (not failed) in the last 24 hours from any
    account of the portfolio. Needed: the campaign's customers not among them whose service window
    is closed (a customer who wrote in the last 24 hours doesn't count against the limit)."""
    account = campaign.account
    accounts = (BusinessAccount.objects.filter(owner_business_id=account.owner_business_id)
                if account.owner_business_id else BusinessAccount.objects.filter(pk=account.pk))
    since = timezone.now() - timedelta(hours=24)
    reached = set(
        Message.objects.filter(
            conversation__phone_number__account__in=accounts, direction=Message.Direction.OUTBOUND, type="template",
            created_at__gte=since,
        ).exclude(status__in=[Message.Status.FAILED, Message.Status.QUEUED])
        .values_list("conversation__contact__wa_id", flat=True).distinct()
    )
    open_windows = set(
        Conversation.objects.filter(contact__in=audience.audience_of(campaign).values("pk"),
                                    phone_number=campaign.phone_number, last_inbound_at__gt=since)
        .values_list("contact_id", flat=True)
    )
    needed = sum(1 for c in contacts if c.wa_id not in reached and c.pk not in open_windows)
    tier = account.messaging_limit_tier
    limit = tier_size(tier) if tier else None
    words = tier_label(tier) if tier else "not known yet"
    will_reach = limit is not None and len(reached) + needed > limit
    known = limit is not None or tier == UNLIMITED
    if tier == UNLIMITED:
        explanation = "The portfolio's messaging limit is unlimited: nothing to check against."
    elif not known:
        told = f"is {words}" if tier else "has not been told by Meta yet"
        explanation = (f"The portfolio's messaging limit {told}, so the {needed:,} customers this campaign "
                       f"reaches outside their service window can't be checked against it (Meta holds back "
                       f"those past the limit). Sync the numbers (Settings → Phone numbers) to learn it.")
    elif will_reach:
        explanation = (f"{len(reached):,} customers reached in the last 24 h plus {needed:,} new ones exceed the "
                       f"limit of {limit:,}: Meta will hold back the rest until the 24 hours move on.")
    else:
        explanation = (f"{len(reached):,} customers reached in the last 24 h plus {needed:,} new ones stay within "
                       f"the limit of {limit:,}.")
    return LimitCheck(tier=words, limit=limit, used_24h=len(reached), needed=needed, will_reach=will_reach,
                      known=known, explanation=explanation)
