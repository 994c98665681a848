from datetime import date
from decimal import Decimal

import pytest

from campaigns.models import PricingRate
from campaigns.services.pricing import rate_for

pytestmark = pytest.mark.django_db


def _rate(country: str, price: str, valid_from: date, category: str = "marketing") -> PricingRate:
    return PricingRate.objects.create(category=category, country=country, price=Decimal(price), valid_from=valid_from)


def test_a_countrys_own_rate_wins_over_every_other_country():
    _rate("", "0.0500", date(2025, 7, 1))
    _rate("GB", "0.0529", date(2025, 7, 1))

    assert rate_for(category="MARKETING", country="gb", on=date(2026, 1, 1)).price == Decimal("0.0529")
    assert rate_for(category="marketing", country="IN", on=date(2026, 1, 1)).price == Decimal("0.0500")


def test_the_newest_rate_dated_on_or_before_the_day_is_in_force():
    _rate("GB", "0.0500", date(2025, 7, 1))
    _rate("GB", "0.0600", date(2026, 1, 1))

    assert rate_for(category="marketing", country="GB", on=date(2025, 12, 31)).price == Decimal("0.0500")
    assert rate_for(category="marketing", country="GB", on=date(2026, 1, 1)).price == Decimal("0.0600")


def test_no_rate_is_none_never_zero():
    _rate("GB", "0.0500", date(2026, 1, 1), category="utility")

    assert rate_for(category="marketing", country="GB", on=date(2026, 6, 1)) is None
    assert rate_for(category="utility", country="GB", on=date(2025, 12, 31)) is None
