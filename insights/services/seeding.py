"""What ``seed_history`` adds for insights (through messaging's seed extension hook): the seeded
templates as approved templates, a price table, a completed campaign over the spring_sale sends, and
every seeded day's figures, so the charts show something on a fresh install."""

from datetime import UTC, date, timedelta

from django.db import connection

from campaigns.models import Campaign, CampaignRecipient, PricingRate
from messaging.models import Message
from messaging.services.seeding import SEED_TEMPLATES
from templates_mgr.models import MessageTemplate

from .rollup import compute_days

# Meta's list prices are per country; the seeded numbers (+1 999 …) are in no country, so the
# "every other country" row prices them. Editable in Settings like any rate.
SEED_RATES = {"marketing": "0.0250", "utility": "0.0040", "authentication": "0.0035"}
SEED_RATES_FROM = date(2025, 7, 1)
_CHUNK_DAYS = 31


def seed_insights(result, *, rng, now, progress) -> None:
    for category, price in SEED_RATES.items():
        PricingRate.objects.get_or_create(category=category, country="", valid_from=SEED_RATES_FROM,
                                          defaults={"price": price, "currency": "USD"})
    templates = {}
    for name, language, category in SEED_TEMPLATES:
        templates[name], _ = MessageTemplate.objects.get_or_create(
            account=result.account, name=name, language=language,
            defaults={"status": "APPROVED", "category": category.upper(),
                      "components": [{"type": "BODY", "text": f"{name.replace('_', ' ').capitalize()}."}]},
        )
    _campaign(result, templates["spring_sale"], now)
    if connection.vendor == "postgresql":
        # Rows just bulk-inserted have no statistics yet: without them the planner takes the new
        # events table for a tiny one and scans it once per start (minutes instead of seconds).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE messaging_message, messaging_conversationevent, messaging_messagestatusevent")
    first = (now - timedelta(days=92)).astimezone(UTC).date()
    today = now.astimezone(UTC).date()
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    for start in range(0, len(days), _CHUNK_DAYS):
        compute_days(result.phone_numbers, days[start:start + _CHUNK_DAYS])
        progress(f"insights: figures of {min(start + _CHUNK_DAYS, len(days))} / {len(days)} days")


def _campaign(result, template, now) -> None:
    """One completed campaign per number whose recipients are the spring_sale sends not yet in one."""
    for phone in result.phone_numbers:
        sends = (Message.objects.filter(conversation__phone_number=phone, type="template", payload__name=template.name,
                                        campaign_recipient__isnull=True)
                 .values_list("pk", "conversation__contact_id", "created_at"))
        rows = list(sends)
        if not rows:
            continue
        campaign = Campaign.objects.create(
            account=result.account, phone_number=phone, name=f"Spring sale (+{phone.display_phone_number})",
            template=template, state=Campaign.State.COMPLETED, started_at=min(at for _, _, at in rows),
            finished_at=max(at for _, _, at in rows),
        )
        CampaignRecipient.objects.bulk_create(
            [CampaignRecipient(campaign=campaign, contact_id=contact, message_id=pk, state=CampaignRecipient.State.DONE)
             for pk, contact, _ in rows], batch_size=5000, ignore_conflicts=True,
        )
        Message.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(rate_group=campaign.rate_group)
