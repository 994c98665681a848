"""Materialise one number's figures per day (``DailyFigure``) from messages, conversation events and
status webhooks: a few grouped queries per batch of days, run by the beat task (today and the two
days before, every few minutes; older days once) and by ``seed_history``. Never in the webhook path.

What each figure means, and on which day it is counted, is in docs/insights.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import phonenumbers
from django.db import transaction
from django.db.models import Count, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.fields import BooleanField
from django.db.models.fields.json import KT
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import PhoneNumber
from messaging.models import ConversationEvent, Message, MessageStatusEvent

from ..models import DailyFigure
from .histogram import bucket_of

Metric = DailyFigure.Metric
# A reply or a resolution later than this after the start is not counted as one.
LOOK_BACK = timedelta(days=30)
# Statuses, replies and resolutions keep arriving for a while: these recent days are recomputed on
# every run; older days are computed once.
RECENT_DAYS = 3
# Days of older history computed per run and number (so one run stays short), and how far back.
BACKFILL_PER_RUN = 31
HISTORY_LIMIT_DAYS = 400
_STARTS = (ConversationEvent.Kind.OPENED, ConversationEvent.Kind.REOPENED)
_DELIVERED = (Message.Status.DELIVERED, Message.Status.READ, Message.Status.PLAYED)
_READ = (Message.Status.READ, Message.Status.PLAYED)
_HISTORY_START = "history-start"  # key of the COMPUTED row on the earliest day with history


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def refresh_figures(*, now: datetime | None = None) -> int:
    """Recompute the recent days of every number and backfill some older ones; returns days computed."""
    today = (now or timezone.now()).astimezone(UTC).date()
    computed = 0
    phones = list(PhoneNumber.objects.all())
    recent = [today - timedelta(days=n) for n in range(RECENT_DAYS)]
    # Every number's recent days in one pass (each collector scans the recent history once, not per number).
    compute_days(phones, recent)
    computed = len(recent) * len(phones)
    for phone in phones:
        older = _days_to_backfill(phone, before=recent[-1])
        compute_days([phone], older)
        computed += len(older)
    return computed


def _days_to_backfill(phone: PhoneNumber, *, before: date) -> list[date]:
    """Older days not computed yet: gaps above the earliest computed day (a beat that didn't run for a
    while), then the days below it while the number has history there, at most BACKFILL_PER_RUN."""
    marked = DailyFigure.objects.filter(phone_number=phone, metric=Metric.COMPUTED, day__lt=before)
    computed = set(marked.values_list("day", flat=True))
    earliest = min(computed, default=before)
    limit = before - timedelta(days=HISTORY_LIMIT_DAYS)
    missing = [before - timedelta(days=n) for n in range(1, (before - earliest).days)]
    missing = [day for day in missing if day not in computed]
    reached = marked.filter(key=_HISTORY_START).exists()
    if not reached and len(missing) < BACKFILL_PER_RUN and earliest > limit:
        older = Message.objects.filter(conversation__phone_number=phone, created_at__lt=day_start(earliest))
        if older.exists():
            missing += [earliest - timedelta(days=n) for n in range(1, BACKFILL_PER_RUN + 1)]
        elif earliest < before:
            # Nothing older: say so on the earliest day, so later runs don't look again.
            DailyFigure.objects.create(account_id=phone.account_id, phone_number=phone, day=earliest,
                                       metric=Metric.COMPUTED, key=_HISTORY_START, value=1)
    return [day for day in missing if day > limit][:BACKFILL_PER_RUN]


def compute_days(phones: PhoneNumber | Iterable[PhoneNumber], days: Iterable[date]) -> None:
    """Replace the numbers' figures of ``days`` with freshly computed ones (in one transaction)."""
    phones = [phones] if isinstance(phones, PhoneNumber) else list(phones)
    days = sorted(set(days))
    if not days or not phones:
        return
    accounts = {phone.pk: phone.account_id for phone in phones}
    start, end = day_start(days[0]), day_start(days[-1]) + timedelta(days=1)
    wanted = set(days)
    rows: list[DailyFigure] = []

    def add(phone, day, metric, value, **extra):
        if day in wanted and value:
            rows.append(DailyFigure(account_id=accounts[phone], phone_number_id=phone, day=day, metric=metric,
                                    value=value, **extra))

    for phone in accounts:
        for day in days:
            add(phone, day, Metric.COMPUTED, 1)
    for (phone, day, metric, key, detail, operator, bucket), value in _collect(list(accounts), start, end).items():
        add(phone, day, metric, value, key=key, detail=detail, operator_id=operator, bucket=bucket)
    with transaction.atomic():
        DailyFigure.objects.filter(phone_number__in=list(accounts), day__in=days).delete()
        DailyFigure.objects.bulk_create(rows, batch_size=2000)


def _collect(phone: list[int], start: datetime, end: datetime) -> Counter:
    """(number id, day, metric, key, detail, operator id, bucket) → value, for everything counted in [start, end)."""
    figures: Counter = Counter()
    _messages(figures, phone, start, end)
    _states(figures, phone, start, end)
    _durations(figures, phone, start, end)
    _templates(figures, phone, start, end)
    _pricing(figures, phone, start, end)
    return figures


def _messages(figures: Counter, phone, start, end) -> None:
    rows = (Message.objects.filter(conversation__phone_number__in=phone, created_at__gte=start, created_at__lt=end)
            .annotate(day=TruncDate("created_at", tzinfo=UTC), phone=F("conversation__phone_number_id"))
            .values("phone", "day", "direction")
            .annotate(n=Count("id")).order_by())
    for row in rows:
        metric = Metric.MESSAGES_IN if row["direction"] == Message.Direction.INBOUND else Metric.MESSAGES_OUT
        figures[(row["phone"], row["day"], metric, "", "", None, None)] += row["n"]


def _states(figures: Counter, phone, start, end) -> None:
    rows = (ConversationEvent.objects
            .filter(conversation__phone_number__in=phone, occurred_at__gte=start, occurred_at__lt=end,
                    kind__in=(*_STARTS, ConversationEvent.Kind.RESOLVED))
            .annotate(day=TruncDate("occurred_at", tzinfo=UTC), phone=F("conversation__phone_number_id"))
            .values("phone", "day", "kind").annotate(n=Count("id"))
            .order_by())
    for row in rows:
        metric = Metric.RESOLVED if row["kind"] == ConversationEvent.Kind.RESOLVED else Metric.OPENED
        figures[(row["phone"], row["day"], metric, "", "", None, None)] += row["n"]


def _durations(figures: Counter, phone, start, end) -> None:
    """First response and resolution times, each counted on the day the reply / resolution happened."""
    same = {"conversation": OuterRef("conversation_id")}
    later_starts = ConversationEvent.objects.filter(**same, kind__in=_STARTS, occurred_at__gt=OuterRef("occurred_at"))
    replies = (Message.objects.filter(**same, direction=Message.Direction.OUTBOUND, sent_by__isnull=False,
                                      created_at__gte=OuterRef("occurred_at"))
               .exclude(rate_group__startswith="campaign:").order_by("created_at", "id"))
    resolutions = ConversationEvent.objects.filter(**same, kind=ConversationEvent.Kind.RESOLVED,
                                                   occurred_at__gte=OuterRef("occurred_at")).order_by("occurred_at", "id")
    # Only conversations with a person's reply or a resolution in [start, end) can add a sample: the
    # correlated look-ups below then run for those, not for every start of the look-back.
    replied = Message.objects.filter(conversation__phone_number__in=phone, direction=Message.Direction.OUTBOUND,
                                     sent_by__isnull=False, created_at__gte=start, created_at__lt=end)
    resolved = ConversationEvent.objects.filter(conversation__phone_number__in=phone, kind=ConversationEvent.Kind.RESOLVED,
                                                occurred_at__gte=start, occurred_at__lt=end)
    active = Q(conversation_id__in=replied.values("conversation_id")) | Q(
        conversation_id__in=resolved.values("conversation_id"))
    starts = (ConversationEvent.objects
              .filter(active, kind__in=_STARTS, occurred_at__gte=start - LOOK_BACK,
                      occurred_at__lt=end)
              .annotate(next_start=Subquery(later_starts.order_by("occurred_at").values("occurred_at")[:1]),
                        reply_at=Subquery(replies.values("created_at")[:1]),
                        reply_by=Subquery(replies.values("sent_by_id")[:1]),
                        resolved_at=Subquery(resolutions.values("occurred_at")[:1]),
                        resolved_by=Subquery(resolutions.values("actor_id")[:1]))
              .values_list("conversation__phone_number_id", "occurred_at", "actor_id", "next_start", "reply_at",
                           "reply_by", "resolved_at", "resolved_by"))
    for number, at, actor, next_start, reply_at, reply_by, resolved_at, resolved_by in starts.iterator(chunk_size=5000):
        limit = min(next_start or at + LOOK_BACK, at + LOOK_BACK)
        # Only a customer's message starts the clock for a first response (an operator opening one does not).
        if actor is None and reply_at is not None and reply_at < limit and start <= reply_at < end:
            key = (number, reply_at.astimezone(UTC).date(), Metric.FIRST_RESPONSE, "", "", reply_by,
                   bucket_of((reply_at - at).total_seconds()))
            figures[key] += 1
        if resolved_at is not None and resolved_at < limit and start <= resolved_at < end:
            key = (number, resolved_at.astimezone(UTC).date(), Metric.RESOLUTION, "", "", resolved_by,
                   bucket_of((resolved_at - at).total_seconds()))
            figures[key] += 1


def _templates(figures: Counter, phone, start, end) -> None:
    """Per template and send day: sent (accepted, has a wamid), delivered, read, replied, failed by code."""
    answered = Message.objects.filter(conversation=OuterRef("conversation_id"), direction=Message.Direction.INBOUND,
                                      created_at__gt=OuterRef("created_at"),
                                      created_at__lt=OuterRef("created_at") + timedelta(hours=24))
    rows = (Message.objects
            .filter(conversation__phone_number__in=phone, direction=Message.Direction.OUTBOUND, type="template",
                    created_at__gte=start, created_at__lt=end)
            .annotate(day=TruncDate("created_at", tzinfo=UTC), phone=F("conversation__phone_number_id"),
                      name=KT("payload__name"),
                      language=KT("payload__language__code"), replied=Exists(answered),
                      accepted=ExpressionWrapper(Q(wamid__isnull=False), output_field=BooleanField()))
            .values("phone", "day", "name", "language", "status", "error_code", "replied", "accepted")
            .annotate(n=Count("id")).order_by())
    for row in rows:
        key = f"{row['name'] or '?'}|{row['language'] or ''}"
        at, n, status = (row["phone"], row["day"]), row["n"], row["status"]
        if row["accepted"]:
            figures[(*at, Metric.TEMPLATE_SENT, key, "", None, None)] += n
        if status in _DELIVERED:
            figures[(*at, Metric.TEMPLATE_DELIVERED, key, "", None, None)] += n
        if status in _READ:
            figures[(*at, Metric.TEMPLATE_READ, key, "", None, None)] += n
        if status == Message.Status.FAILED:
            figures[(*at, Metric.TEMPLATE_FAILED, key, str(row["error_code"] or ""), None, None)] += n
        elif row["replied"]:
            figures[(*at, Metric.TEMPLATE_REPLIED, key, "", None, None)] += n


def _pricing(figures: Counter, phone, start, end) -> None:
    """Messages Meta priced, from the ``pricing`` object of delivered (or read) statuses: once per
    message (Meta puts it on ``sent`` and on one of delivered / read), on the day of delivery."""
    rows = (MessageStatusEvent.objects
            .filter(message__conversation__phone_number__in=phone, status__in=("delivered", "read"),
                    timestamp__gte=start, timestamp__lt=end, pricing__has_key="category")
            .annotate(day=TruncDate("timestamp", tzinfo=UTC), category=KT("pricing__category"),
                      pricing_type=KT("pricing__type"), phone=F("message__conversation__phone_number_id"))
            .values("phone", "day", "category", "pricing_type", "recipient_id").annotate(n=Count("id")).order_by())
    for row in rows:
        category = (row["category"] or "").lower().replace("-", "_")
        detail = f"{row['pricing_type'] or 'regular'}|{country_of(row['recipient_id'])}"
        figures[(row["phone"], row["day"], Metric.PRICED, category, detail[:64], None, None)] += row["n"]


@lru_cache(maxsize=200_000)
def country_of(wa_id: str) -> str:
    """The ISO region of a WhatsApp id (``GB``), or "" when the number says none."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse("+" + (wa_id or "").lstrip("+"))) or ""
    except phonenumbers.NumberParseException:
        return ""
