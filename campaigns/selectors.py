"""Reads of the campaign pages: which campaigns a user may see, the list's totals, the send rate
per second, the cost so far from the status webhooks' ``pricing``, and the rows of the CSV export.

Every read is bounded: the list by its page, the rate chart by its window of seconds (grouped in
the database), the cost and the export by the campaign's own recipients.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import phonenumbers
from django.db.models import Count, Exists, Max, Min, OuterRef, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncSecond
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import accessible_accounts, accessible_phone_numbers
from messaging.models import Message, MessageSendAttempt, MessageStatusEvent

from .models import Campaign, CampaignRecipient
from .services.pricing import Rate, rate_for
from .services.send_rate import send_rate

RATE_WINDOW_SECONDS = 120
DELIVERED = (Message.Status.DELIVERED, Message.Status.READ, Message.Status.PLAYED)
ACTIVE = (Campaign.State.SCHEDULED, Campaign.State.RUNNING, Campaign.State.PAUSED)
SETTLE_SECONDS = 3600  # after the last send, deliveries, reads and replies (and so the cost) keep coming


def still_moving(campaign: Campaign, now: datetime | None = None) -> bool:
    """Whether the campaign's funnel and cost can still change: while it can send, and for an hour
    after it ended (its messages' statuses arrive after the last send)."""
    if campaign.state in ACTIVE:
        return True
    finished = campaign.finished_at
    return finished is not None and (now or timezone.now()) - finished < timedelta(seconds=SETTLE_SECONDS)


def campaigns_for(user) -> QuerySet[Campaign]:
    """The campaigns of the accounts and numbers ``user`` may see."""
    return Campaign.objects.filter(account__in=accessible_accounts(user),
                                   phone_number__in=accessible_phone_numbers(user))


def campaign_for_user(user, pk: int) -> Campaign:
    """One campaign ``user`` may see, or 404."""
    queryset = campaigns_for(user).select_related("account", "phone_number", "template", "segment", "created_by")
    return get_object_or_404(queryset, pk=pk)


@dataclass(frozen=True)
class Totals:
    recipients: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0


def attach_totals(campaigns: list[Campaign]) -> list[Campaign]:
    """Set ``campaign.totals`` for a page of campaigns, in one grouped query. Cumulative, like the
    campaign page's funnel: sent counts every message WhatsApp accepted (or that went further),
    delivered includes read."""
    counts: dict[int, dict[str, int]] = {}
    rows = (CampaignRecipient.objects.filter(campaign__in=[c.pk for c in campaigns])
            .values_list("campaign_id", "message__status").annotate(n=Count("id")))
    for campaign_id, status, n in rows:
        counts.setdefault(campaign_id, {})[status or ""] = n
    for campaign in campaigns:
        by = counts.get(campaign.pk, {})
        read = by.get(Message.Status.READ, 0) + by.get(Message.Status.PLAYED, 0)
        delivered = read + by.get(Message.Status.DELIVERED, 0)
        sent = delivered + by.get(Message.Status.SENT, 0) + by.get(Message.Status.ACCEPTED, 0)
        campaign.totals = Totals(recipients=sum(by.values()), sent=sent,
                                 delivered=delivered, read=read, failed=by.get(Message.Status.FAILED, 0))
    return campaigns


def rate_series(campaign: Campaign, *, seconds: int = RATE_WINDOW_SECONDS) -> dict:
    """The chart spec (static/console/charts.js) of the messages Meta accepted per second, over the
    last ``seconds`` of sending, against the campaign's limit."""
    attempts = MessageSendAttempt.objects.filter(message__campaign_recipient__campaign=campaign,
                                                 outcome=MessageSendAttempt.Outcome.ACCEPTED)
    last = attempts.aggregate(last=Max("started_at"))["last"]
    limit = send_rate(campaign)
    labels, data, peak = [], [], 0
    if last is not None:
        end = last.replace(microsecond=0)
        start = end - timedelta(seconds=seconds - 1)
        counted = dict(attempts.filter(started_at__gte=start).annotate(second=TruncSecond("started_at"))
                       .values_list("second").annotate(n=Count("id")).values_list("second", "n"))
        by_second = {moment.replace(microsecond=0): n for moment, n in counted.items()}
        for offset in range(seconds):
            moment = start + timedelta(seconds=offset)
            labels.append(moment.strftime("%H:%M:%S"))
            data.append(by_second.get(moment, 0))
        peak = max(data)
    return {
        "kind": "bar", "labels": labels, "x_title": "Time (UTC)", "y_title": "Messages per second",
        "series": [
            {"label": "Accepted by WhatsApp", "data": data, "color": "#128c7e"},
            {"label": f"Limit ({limit}/s)", "data": [limit] * len(labels), "kind": "line", "color": "#c62828"},
        ],
        "peak": peak, "limit": limit,
    }


@dataclass(frozen=True)
class CostLine:
    category: str
    country: str
    count: int
    rate: Rate | None
    amount: Decimal | None
    currency: str


@dataclass(frozen=True)
class Cost:
    lines: list[CostLine]
    totals: dict[str, Decimal]
    free: int  # delivered but not charged (free customer-service or entry-point window)
    unpriced: int  # charged messages with no rate in the table


def cost_so_far(campaign: Campaign) -> Cost:
    """What the campaign's delivered messages cost, from their status webhooks' ``pricing`` (category,
    type) priced with the rate table on the day of the status: each message counted once (Meta repeats
    ``pricing`` on ``sent`` and on ``delivered`` or ``read``). One row per message, grouped in the database."""
    per_message = (MessageStatusEvent.objects.filter(message__campaign_recipient__campaign=campaign,
                                                     message__status__in=DELIVERED)
                   .exclude(pricing={}).values("message_id")
                   .annotate(category=Max(KeyTextTransform("category", "pricing")),
                             kind=Max(KeyTextTransform("type", "pricing")),
                             billable=Max(KeyTextTransform("billable", "pricing")),
                             first=Min("timestamp"), wa_id=Max("message__conversation__contact__wa_id"))
                   .values_list("category", "kind", "billable", "first", "wa_id").order_by())
    groups: dict[tuple, int] = {}
    free = 0
    for category, kind, billable, first, wa_id in per_message.iterator(chunk_size=2000):
        if not _charged(kind, billable):
            free += 1
            continue
        key = ((category or "").lower().replace("-", "_"), _region(wa_id), first.date())
        groups[key] = groups.get(key, 0) + 1
    by_line: dict[tuple, list] = {}
    for (category, country, day), count in groups.items():
        rate = rate_for(category=category, country=country, on=day)
        line = by_line.setdefault((category, country, rate), [0, rate])
        line[0] += count
    lines, totals, unpriced = [], {}, 0
    for (category, country, _), (count, rate) in sorted(by_line.items(), key=lambda item: item[0][:2]):
        amount = rate.price * count if rate else None
        if rate:
            totals[rate.currency] = totals.get(rate.currency, Decimal("0")) + amount
        else:
            unpriced += count
        lines.append(CostLine(category=category, country=country, count=count, rate=rate, amount=amount,
                              currency=rate.currency if rate else ""))
    return Cost(lines=lines, totals=totals, free=free, unpriced=unpriced)


def _charged(kind: str | None, billable) -> bool:
    """Charged: ``type`` regular (free_customer_service and free_entry_point are free); without a type,
    unless ``billable`` is false (as JSON text, whichever database: "false", "0", False)."""
    if kind:
        return kind == "regular"
    return str(billable).lower() not in ("false", "0")


_REGIONS: dict[str, str] = {}  # first digits → region, filled as numbers are seen
_REGIONS_MAX = 20_000


def _region(wa_id: str) -> str:
    """The number's ISO region (``GB``), as the rate table is keyed; "" when it can't be told. The
    region follows from the leading digits (country code and area), so numbers sharing their first
    seven digits are parsed once (pricing 100,000 deliveries is not 100,000 parses)."""
    digits = (wa_id or "").lstrip("+")
    prefix = digits[:7]
    if prefix not in _REGIONS:
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse("+" + digits)) or ""
        except phonenumbers.NumberParseException:
            region = ""
        if not region or len(_REGIONS) >= _REGIONS_MAX:
            return region  # an unparsable number says nothing about others sharing its digits
        _REGIONS[prefix] = region
    return _REGIONS[prefix]


EXPORT_HEADER = ("WhatsApp number", "Name", "Recipient", "Reason", "Message status", "Error code", "Error",
                 "Status at", "Replied", "Message id")


def export_rows(campaign: Campaign) -> Iterator[tuple]:
    """One row per recipient, in the order they were written: who, what happened and why."""
    replied = Message.objects.filter(conversation_id=OuterRef("message__conversation_id"),
                                     direction=Message.Direction.INBOUND, created_at__gt=OuterRef("message__created_at"))
    rows = (campaign.recipients.select_related("contact", "message").annotate(replied=Exists(replied))
            .order_by("id"))
    for recipient in rows.iterator(chunk_size=2000):
        message = recipient.message
        yield (
            f"+{recipient.contact.wa_id}", recipient.contact.name, recipient.get_state_display(), recipient.reason,
            message.get_status_display() if message else "",
            message.error_code if message and message.error_code is not None else "",
            message.error_title if message else "",
            message.status_at.isoformat() if message and message.status_at else "",
            "yes" if recipient.replied else "no",
            message.wamid or "" if message else "",
        )
