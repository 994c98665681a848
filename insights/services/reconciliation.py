"""The other side of the cost figures: Meta's own count and charge (``pricing_analytics``), stored
per number, day, category, type and country so the cost page compares without calling Meta."""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.graph import client_for
from accounts.models import BusinessAccount

from ..models import MetaPricingDay
from .figures import Period
from .rollup import day_start


def fetch_meta_pricing(*, account: BusinessAccount, period: Period) -> int:
    """Ask Meta for the account's daily pricing analytics over ``period`` and replace the stored rows of
    those days; returns how many cells Meta gave. Raises ``CloudApiError`` when Meta refuses."""
    start = int(day_start(period.since).timestamp())
    end = int((day_start(period.until) + timedelta(days=1)).timestamp())
    points = client_for(account).pricing_analytics(waba_id=account.waba_id, start=start, end=end)
    phones = {phone.display_phone_number.lstrip("+"): phone for phone in account.phone_numbers.all()}
    now = timezone.now()
    rows = [
        MetaPricingDay(account=account, phone_number=phones.get(point.phone_number.lstrip("+")),
                       day=datetime.fromtimestamp(point.start, UTC).date(),
                       category=point.pricing_category.lower().replace("-", "_"),
                       pricing_type=point.pricing_type.lower(), country=point.country[:8], volume=point.volume,
                       cost=point.cost, fetched_at=now)
        for point in points
    ]
    with transaction.atomic():
        MetaPricingDay.objects.filter(account=account, day__gte=period.since, day__lte=period.until).delete()
        MetaPricingDay.objects.bulk_create(rows)
    return len(rows)
