"""How fast a campaign sends: its cap, at most the number's throughput, as the shared rate limiter
sees it. The one place campaigns ask, so the dry run's estimate and the dispatcher agree."""

from accounts.models import PhoneNumber
from messaging.services.rate_limit import limit_for

from ..models import Campaign


def number_throughput(phone_number: PhoneNumber) -> int:
    """The most messages per second ``phone_number`` may send (a campaign's cap can't go above it)."""
    return limit_for(phone_number, rate_cap=None)


def send_rate(campaign: Campaign) -> int:
    """Messages per second ``campaign`` will send at: its cap, never above its number's throughput."""
    return limit_for(campaign.phone_number, rate_cap=campaign.rate_cap)
