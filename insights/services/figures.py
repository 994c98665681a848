"""Read a period's figures for a set of numbers from ``DailyFigure``: sums and merged histograms,
ready for the pages' charts and tables. A 90-day period is a few thousand rows per number at most."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Sum

from campaigns.models import PricingRate
from campaigns.services.pricing import Rate

from ..models import DailyFigure, MetaPricingDay
from . import histogram

Metric = DailyFigure.Metric


@dataclass(frozen=True)
class Period:
    since: date
    until: date

    @property
    def days(self) -> list[date]:
        return [self.since + timedelta(days=n) for n in range((self.until - self.since).days + 1)]


def _figures(numbers, period: Period, metrics):
    return DailyFigure.objects.filter(phone_number__in=numbers, metric__in=metrics, day__gte=period.since,
                                      day__lte=period.until).order_by()


def _rows(numbers, period: Period, metrics, *fields):
    return _figures(numbers, period, metrics).values_list("day", "metric", *fields)


# -- conversations -------------------------------------------------------------------------------

@dataclass
class Timing:
    who: str
    count: int
    median: float | None  # seconds
    p90: float | None


@dataclass
class ConversationFigures:
    days: list[dict]  # day, opened, resolved, messages_in, messages_out, first_median, first_p90
    first_response: list[Timing]  # per operator, "Overall" last
    resolution: list[Timing]


def conversation_figures(numbers, period: Period) -> ConversationFigures:
    counts = defaultdict(lambda: defaultdict(int))
    plain = (Metric.OPENED, Metric.RESOLVED, Metric.MESSAGES_IN, Metric.MESSAGES_OUT)
    for day, metric, value in _rows(numbers, period, plain, "value"):
        counts[day][metric] += value
    # The histograms summed in the database: per operator over the period, and per day (first responses).
    per_day = defaultdict(dict)
    per_operator = {Metric.FIRST_RESPONSE: defaultdict(dict), Metric.RESOLUTION: defaultdict(dict)}
    durations = _figures(numbers, period, (Metric.FIRST_RESPONSE, Metric.RESOLUTION))
    for metric, operator, bucket, value in (durations.values_list("metric", "operator_id", "bucket")
                                            .annotate(total=Sum("value")).values_list("metric", "operator_id",
                                                                                     "bucket", "total")):
        _add(per_operator[metric][operator], bucket, value)
    daily = _figures(numbers, period, (Metric.FIRST_RESPONSE,)).values("day", "bucket").annotate(total=Sum("value"))
    for day, bucket, value in daily.values_list("day", "bucket", "total"):
        _add(per_day[day], bucket, value)
    days = []
    for day in period.days:
        row = {"day": day, **{metric: counts[day][metric] for metric in plain}}
        row["first_median"] = histogram.percentile(per_day[day], 0.5)
        row["first_p90"] = histogram.percentile(per_day[day], 0.9)
        days.append(row)
    return ConversationFigures(days, _timings(per_operator[Metric.FIRST_RESPONSE]),
                               _timings(per_operator[Metric.RESOLUTION]))


def _add(counts: dict, bucket: int, value: int) -> None:
    counts[bucket] = counts.get(bucket, 0) + value


def _timings(by_operator: dict) -> list[Timing]:
    names = dict(get_user_model().objects.filter(pk__in=[pk for pk in by_operator if pk]).values_list(
        "pk", "username"))
    overall: dict[int, int] = {}
    timings = []
    for operator, counts in by_operator.items():
        for bucket, value in counts.items():
            _add(overall, bucket, value)
        timings.append(_timing(names.get(operator, "Nobody (unassigned)"), counts))
    timings.sort(key=lambda timing: timing.who)
    timings.append(_timing("Overall", overall))
    return timings


def _timing(who: str, counts: dict) -> Timing:
    return Timing(who, sum(counts.values()), histogram.percentile(counts, 0.5), histogram.percentile(counts, 0.9))


# -- templates -----------------------------------------------------------------------------------

_TEMPLATE_METRICS = (Metric.TEMPLATE_SENT, Metric.TEMPLATE_DELIVERED, Metric.TEMPLATE_READ, Metric.TEMPLATE_REPLIED,
                     Metric.TEMPLATE_FAILED)


@dataclass
class TemplateLine:
    name: str
    language: str
    sent: int = 0
    delivered: int = 0
    read: int = 0
    replied: int = 0
    failed: int = 0

    @property
    def read_rate(self) -> float | None:
        return self.read / self.delivered if self.delivered else None

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.delivered if self.delivered else None


@dataclass
class TemplateFigures:
    templates: list[TemplateLine]
    failures: list[tuple[str, str, str, int]]  # name, language, error code, count


def template_figures(numbers, period: Period) -> TemplateFigures:
    lines: dict[str, TemplateLine] = {}
    failures: dict[tuple[str, str], int] = defaultdict(int)
    short = {Metric.TEMPLATE_SENT: "sent", Metric.TEMPLATE_DELIVERED: "delivered", Metric.TEMPLATE_READ: "read",
             Metric.TEMPLATE_REPLIED: "replied", Metric.TEMPLATE_FAILED: "failed"}
    for _day, metric, key, detail, value in _rows(numbers, period, _TEMPLATE_METRICS, "key", "detail", "value"):
        name, _, language = key.partition("|")
        line = lines.setdefault(key, TemplateLine(name, language))
        setattr(line, short[metric], getattr(line, short[metric]) + value)
        if metric == Metric.TEMPLATE_FAILED:
            failures[(key, detail)] += value
    templates = sorted(lines.values(), key=lambda line: (-line.sent, line.name, line.language))
    failed = sorted(((*key.partition("|")[::2], code, n) for (key, code), n in failures.items()),
                    key=lambda row: (-row[3], row[0], row[2]))
    return TemplateFigures(templates, failed)


# -- cost ----------------------------------------------------------------------------------------

class RateBook:
    """The price table loaded once, answering exactly as ``campaigns.services.pricing.rate_for`` does
    (the country's own row before the "every other country" row, the newest dated on or before the day):
    a page prices hundreds of (category, country, day) triples and must not ask the database for each."""

    def __init__(self) -> None:
        self._rows = defaultdict(list)
        for row in PricingRate.objects.order_by("-valid_from"):
            self._rows[(row.category, row.country)].append(row)

    def rate(self, *, category: str, country: str, on: date) -> Rate | None:
        for key in ((category.lower(), country.upper()), (category.lower(), "")):
            for row in self._rows.get(key, ()):
                if row.valid_from <= on:
                    return Rate(price=row.price, currency=row.currency, valid_from=row.valid_from, country=row.country)
        return None


@dataclass
class CostLine:
    category: str
    country: str
    pricing_type: str
    count: int = 0
    amount: Decimal | None = Decimal(0)  # None: some of them had no rate
    currency: str = ""
    unpriced: int = 0


@dataclass
class CostFigures:
    days: list[dict]  # day, category → amount, billed count, free count
    categories: list[str]
    lines: list[CostLine]  # per category × country × type
    totals: dict[str, Decimal]  # currency → amount
    reconciliation: list[dict] = field(default_factory=list)
    meta_fetched_at: object = None


FREE_TYPES = ("free_customer_service", "free_entry_point")


def cost_figures(numbers, period: Period, *, accounts) -> CostFigures:
    book = RateBook()
    lines: dict[tuple, CostLine] = {}
    by_day = defaultdict(lambda: {"billed": 0, "free": 0, "amount": defaultdict(Decimal), "unpriced": 0})
    categories = set()
    for day, _metric, category, detail, value in _rows(numbers, period, (Metric.PRICED,), "key", "detail", "value"):
        pricing_type, _, country = detail.partition("|")
        line = lines.setdefault((category, country, pricing_type), CostLine(category, country, pricing_type))
        line.count += value
        slot = by_day[day]
        if pricing_type in FREE_TYPES:
            slot["free"] += value
            continue
        slot["billed"] += value
        categories.add(category)
        rate = book.rate(category=category, country=country, on=day)
        if rate is None:
            line.unpriced += value
            slot["unpriced"] += value
            continue
        amount = rate.price * value
        line.currency = rate.currency
        if line.amount is not None:
            line.amount += amount
        slot["amount"][category] += amount
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines.values():
        if line.pricing_type in FREE_TYPES:
            line.amount = Decimal(0)
        elif line.unpriced:
            line.amount = None
        if line.amount and line.currency:
            totals[line.currency] += line.amount
    days = []
    for day in period.days:
        slot = by_day[day]
        days.append({"day": day, "billed": slot["billed"], "free": slot["free"], "unpriced": slot["unpriced"],
                     "amounts": {c: slot["amount"].get(c, Decimal(0)) for c in sorted(categories)},
                     "amount": sum(slot["amount"].values(), Decimal(0))})
    ordered = sorted(lines.values(), key=lambda line: (line.category, line.country, line.pricing_type))
    figures = CostFigures(days, sorted(categories), ordered, dict(totals))
    _reconcile(figures, numbers, period, accounts)
    return figures


def _reconcile(figures: CostFigures, numbers, period: Period, accounts) -> None:
    """Our billed count and estimate per day beside what Meta's pricing_analytics reported (stored rows)."""
    meta = defaultdict(lambda: {"volume": 0, "cost": Decimal(0)})
    rows = (MetaPricingDay.objects.filter(account__in=accounts, phone_number__in=numbers, day__gte=period.since,
                                          day__lte=period.until)
            .exclude(pricing_type__in=[t.upper() for t in FREE_TYPES] + list(FREE_TYPES)))
    fetched = None
    for row in rows:
        meta[row.day]["volume"] += row.volume
        meta[row.day]["cost"] += row.cost
        fetched = max(fetched or row.fetched_at, row.fetched_at)
    figures.meta_fetched_at = fetched
    for day in figures.days:
        theirs = meta.get(day["day"])
        figures.reconciliation.append({
            "day": day["day"], "ours": day["billed"], "our_amount": day["amount"],
            "meta": theirs["volume"] if theirs else None, "meta_cost": theirs["cost"] if theirs else None,
            "difference": (day["billed"] - theirs["volume"]) if theirs else None,
        })
