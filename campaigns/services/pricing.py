"""What a delivered template costs, from the dated rate table (``PricingRate``) kept in Settings.

Meta's status webhooks say whether a message is billable and its category, never its price, so
every cost we show (a dry run's estimate, a campaign's cost so far, insights) comes from here.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services.audit import record_audit

from ..models import PricingRate


@dataclass(frozen=True)
class Rate:
    price: Decimal
    currency: str
    valid_from: date
    country: str  # "" when the "every other country" row priced it


def rate_for(*, category: str, country: str, on: date) -> Rate | None:
    """The rate in force ``on`` a day for one template of ``category`` to ``country`` (ISO region code).

    The country's own row wins over the "every other country" row; the newest row dated on or before
    ``on`` is in force. ``None`` when the table has no rate: callers show "no rate", never zero.
    """
    rows = PricingRate.objects.filter(category=category.lower(), country__in=[country.upper(), ""],
                                      valid_from__lte=on)
    for row in rows.order_by("-country", "-valid_from")[:1]:  # "GB" sorts after "": own row first
        return Rate(price=row.price, currency=row.currency, valid_from=row.valid_from, country=row.country)
    return None


def add_rate(*, category: str, country: str, price: Decimal, currency: str, valid_from: date, user) -> PricingRate:
    """A new dated row: a price changes from ``valid_from`` on, and what was priced before keeps its
    price. ``ValidationError`` (keyed by field) for a bad value or a second row for the same
    category, country and day; audited."""
    country, currency = (country or "").strip().upper(), (currency or "").strip().upper()
    errors = {}
    if category not in PricingRate.Category.values:
        errors["category"] = "Choose a pricing category."
    if country and not (len(country) == 2 and country.isalpha()):
        errors["country"] = "A two-letter ISO region code (GB, IN, BR), or empty for every other country."
    if not (len(currency) == 3 and currency.isalpha()):
        errors["currency"] = "A three-letter currency code, e.g. USD."
    if price is None or price < 0:
        errors["price"] = "A price of zero or more."
    if not errors and PricingRate.objects.filter(category=category, country=country, valid_from=valid_from).exists():
        errors["valid_from"] = "There is already a rate for this category and country from that day: delete it or pick another day."
    if errors:
        raise ValidationError(errors)
    rate = PricingRate.objects.create(category=category, country=country, price=price, currency=currency,
                                      valid_from=valid_from, created_by=user)
    record_audit(actor=user, action="pricing_rate.add", obj=rate, details={
        "category": category, "country": country or "*", "price": str(price), "currency": currency,
        "valid_from": valid_from.isoformat()})
    return rate


def delete_rate(*, rate: PricingRate, user, today: date | None = None) -> None:
    """Delete a rate that has not come into force yet; one in force or past priced messages and stays.
    ``ValidationError`` otherwise; audited."""
    today = today or timezone.localdate()
    if rate.valid_from <= today:
        raise ValidationError("This rate has priced messages already: add a new dated rate instead of deleting it.")
    record_audit(actor=user, action="pricing_rate.delete", obj=rate, details={
        "category": rate.category, "country": rate.country or "*", "price": str(rate.price),
        "valid_from": rate.valid_from.isoformat()})
    rate.delete()


def rates_in_force(*, on: date) -> set[int]:
    """Ids of the rows in force ``on`` a day: the newest dated on or before it, per category × country."""
    in_force, seen = set(), set()
    for pk, category, country in PricingRate.objects.filter(valid_from__lte=on).order_by(
            "category", "country", "-valid_from").values_list("pk", "category", "country"):
        if (category, country) not in seen:
            seen.add((category, country))
            in_force.add(pk)
    return in_force


RATE_COLUMNS = ("category", "country", "price", "currency", "valid_from")
RATE_IMPORT_MAX_ROWS = 5000


def import_rates(*, file, user) -> int:
    """Add the rows of a CSV (``category,country,price,currency,valid_from``; ``currency`` may be
    left out for USD) to the table, all or none: ``ValidationError`` listing every bad line.
    Returns how many rows were added; each is audited as if added by hand."""
    try:
        text = io.TextIOWrapper(getattr(file, "file", file), encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        header = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [name for name in RATE_COLUMNS if name not in header and name != "currency"]
        if missing:
            raise ValidationError(f"The first line must name the columns {', '.join(RATE_COLUMNS)}; "
                                  f"missing: {', '.join(missing)}.")
        reader.fieldnames = header
        rows = []
        for row in reader:
            if len(rows) >= RATE_IMPORT_MAX_ROWS:
                raise ValidationError(f"More than {RATE_IMPORT_MAX_ROWS} rates in one file.")
            rows.append((reader.line_num, row))
    except (UnicodeDecodeError, csv.Error):
        raise ValidationError("Not a UTF-8 CSV file.") from None
    errors, added = [], 0
    with transaction.atomic():
        for line, row in rows:
            try:
                with transaction.atomic():
                    add_rate(user=user, category=(row.get("category") or "").strip().lower(),
                             country=row.get("country") or "", currency=row.get("currency") or "USD",
                             price=_decimal(row.get("price")), valid_from=_day(row.get("valid_from")))
                added += 1
            except ValidationError as exc:
                errors.append(f"Line {line}: " + " ".join(exc.messages))
        if errors:
            transaction.set_rollback(True)
            raise ValidationError(errors[:20] + ([f"… and {len(errors) - 20} more."] if len(errors) > 20 else []))
    return added


def _decimal(text) -> Decimal:
    try:
        value = Decimal(str(text or "").strip())
    except InvalidOperation:
        raise ValidationError(f"“{str(text)[:20]}” is not a price.") from None
    if not value.is_finite() or value != value.quantize(Decimal("0.0001")) or value >= Decimal("1000000"):
        raise ValidationError(f"“{text}” is not a price with at most 4 decimals.")
    return value


def _day(text) -> date:
    try:
        return date.fromisoformat(str(text or "").strip())
    except ValueError:
        raise ValidationError(f"“{str(text)[:20]}” is not a date (YYYY-MM-DD).") from None
