"""seed_history leaves the insights pages something to show: states, replies, templates, prices, a campaign."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts import roles
from accounts.services import ensure_user
from campaigns.models import Campaign, PricingRate
from insights.models import DailyFigure
from messaging.models import ConversationEvent, MessageStatusEvent

pytestmark = pytest.mark.django_db


def test_seeded_history_fills_every_insights_page(client):
    call_command("seed_history", conversations=60, messages=600, verbosity=0)
    assert ConversationEvent.objects.filter(kind="reopened").exists()
    assert ConversationEvent.objects.filter(kind="resolved").exists()
    assert MessageStatusEvent.objects.exclude(pricing={}).exists()
    assert PricingRate.objects.count() == 3 and Campaign.objects.filter(state="completed").exists()
    metrics = set(DailyFigure.objects.values_list("metric", flat=True))
    assert {"opened", "resolved", "first_response", "resolution", "tpl_sent", "priced"} <= metrics
    client.force_login(ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR))
    page = client.get(reverse("insights:templates"), {"period": "90"}).content.decode()
    assert "spring_sale" in page
    cost = client.get(reverse("insights:cost"), {"period": "90"}).content.decode()
    assert "marketing" in cost and "USD" in cost


def test_make_run_seeds_once():
    call_command("seed_history", conversations=5, messages=20, if_empty=True, verbosity=0)
    call_command("seed_history", conversations=5, messages=20, if_empty=True, verbosity=0)
    assert ConversationEvent.objects.filter(kind="opened").count() <= 5
    from messaging.models import Conversation

    assert Conversation.objects.count() == 5
