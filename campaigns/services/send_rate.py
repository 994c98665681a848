"""How fast a campaign sends: its cap, at most the number's throughput, as the shared rate limiter
sees it. The one place campaigns ask, so the dry run's estimate and the dispatcher agree."""

from accounts.models import PhoneNumber

from ..models import Campaign

# Meta's defaults (docs/cloudapi.md §9): 80 messages/s, 1,000 after the automatic upgrade.
STANDARD_THROUGHPUT = 80
HIGH_THROUGHPUT = 1000


def number_throughput(phone_number: PhoneNumber) -> int:
    """The most messages per second ``phone_number`` may send (a campaign's cap can't go above it)."""
    return _limit_for(phone_number, rate_cap=None)


def send_rate(campaign: Campaign) -> int:
    """Messages per second ``campaign`` will send at: its cap, never above its number's throughput."""
    return _limit_for(campaign.phone_number, rate_cap=campaign.rate_cap)


def _limit_for(phone_number: PhoneNumber, *, rate_cap: int | None) -> int:
    try:  # messaging's rate limiter knows the number's current limit (its own branch, merged separately)
        from messaging.services.rate_limit import limit_for
    except ImportError:
        throughput = HIGH_THROUGHPUT if phone_number.throughput_level == "HIGH" else STANDARD_THROUGHPUT
        return min(rate_cap, throughput) if rate_cap else throughput
    return limit_for(phone_number, rate_cap=rate_cap)
