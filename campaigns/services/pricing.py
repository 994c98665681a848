"""What a delivered template costs, from the dated rate table (``PricingRate``) kept in Settings.

Meta's status webhooks say whether a message is billable and its category, never its price, so
every cost we show (a dry run's estimate, a campaign's cost so far, insights) comes from here.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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
