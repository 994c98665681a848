"""The beat's rollup: recent days on every run, older days once, and prices read as rate_for reads them."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import PricingRate
from campaigns.services.pricing import rate_for
from insights.models import DailyFigure
from insights.services.figures import RateBook
from insights.services.rollup import RECENT_DAYS
from insights.tasks import refresh_figures_task
from messaging.models import Message

from .. import factories

pytestmark = pytest.mark.django_db


def _days(phone) -> set:
    return set(DailyFigure.objects.filter(phone_number=phone, metric="computed").values_list("day", flat=True))


def test_it_recomputes_recent_days_and_backfills_older_ones_once(phone):
    today = timezone.now().astimezone(UTC).date()
    conv = factories.conversation(phone)
    old = today - timedelta(days=10)
    Message.objects.create(conversation=conv, direction="in", type="text", status="received",
                           created_at=datetime(old.year, old.month, old.day, 12, tzinfo=UTC))

    assert refresh_figures_task() > 0
    computed = _days(phone)
    assert {today - timedelta(days=n) for n in range(RECENT_DAYS)} <= computed
    assert old in computed  # backfilled down from the recent days
    assert DailyFigure.objects.get(phone_number=phone, day=old, metric="messages_in").value == 1

    # A message arriving today shows after the next run; the old day is not computed again.
    Message.objects.create(conversation=conv, direction="in", type="text", status="received")
    DailyFigure.objects.filter(phone_number=phone, day=old, metric="messages_in").update(value=99)
    refresh_figures_task()
    assert DailyFigure.objects.get(phone_number=phone, day=today, metric="messages_in").value == 1
    assert DailyFigure.objects.get(phone_number=phone, day=old, metric="messages_in").value == 99


def test_without_history_it_computes_only_the_recent_days(phone):
    refresh_figures_task()
    assert len(_days(phone)) == RECENT_DAYS


def test_the_rate_book_prices_exactly_as_rate_for(db):
    rows = [("marketing", "GB", "0.05", date(2025, 7, 1)), ("marketing", "", "0.02", date(2025, 7, 1)),
            ("marketing", "GB", "0.06", date(2026, 1, 1)), ("utility", "", "0.004", date(2026, 3, 1))]
    for category, country, price, valid_from in rows:
        PricingRate.objects.create(category=category, country=country, price=Decimal(price), valid_from=valid_from)
    book = RateBook()
    for category in ("marketing", "utility", "authentication"):
        for country in ("GB", "IN", ""):
            for on in (date(2025, 6, 30), date(2025, 7, 1), date(2025, 12, 31), date(2026, 1, 1), date(2026, 6, 1)):
                assert book.rate(category=category, country=country, on=on) == rate_for(
                    category=category, country=country, on=on), (category, country, on)
