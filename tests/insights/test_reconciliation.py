"""Our cost figures against Meta's pricing_analytics, as the simulator serves it from what it delivered."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.graph import client_for
from campaigns.models import PricingRate
from insights.models import MetaPricingDay
from insights.services.figures import Period, cost_figures
from insights.services.rollup import compute_days
from messaging.models import Contact, Conversation, Message, MessageStatusEvent

from ..conftest import PHONE_NUMBER_ID

pytestmark = pytest.mark.django_db


def _send_template(account, phone, wa_id: str) -> Message:
    """hello_world (utility) through the simulator, recorded as our pipeline records a send."""
    result = client_for(account).send_template(phone_number_id=PHONE_NUMBER_ID, to=wa_id, name="hello_world",
                                               language="en_US")
    contact, _ = Contact.objects.get_or_create(account=account, wa_id=wa_id)
    conversation, _ = Conversation.objects.get_or_create(contact=contact, phone_number=phone)
    return Message.objects.create(conversation=conversation, direction="out", type="template", wamid=result.wamid,
                                  payload={"name": "hello_world", "language": {"code": "en_US"}}, status="accepted")


def test_our_billed_count_matches_what_meta_reports(client, simulator, deliver_webhooks, account, phone, manager):
    PricingRate.objects.create(category="utility", country="", price=Decimal("0.0040"),
                               valid_from=timezone.now().date() - timedelta(days=30))
    for wa_id in ("447400123456", "16505551234"):
        _send_template(account, phone, wa_id)
    assert all(code == 200 for code in deliver_webhooks(simulator))
    assert MessageStatusEvent.objects.filter(status="delivered").exclude(pricing={}).count() == 2
    today = timezone.now().date()
    compute_days(phone, [today])
    client.force_login(manager)

    fetched = client.post(f"{reverse('insights:cost-refresh')}?period=7")
    assert fetched.status_code == 302
    assert MetaPricingDay.objects.filter(account=account, day=today).count() == 2  # GB and US

    figures = cost_figures([phone], Period(today, today), accounts=[account])
    line = figures.reconciliation[-1]
    assert (line["ours"], line["meta"], line["difference"]) == (2, 2, 0)
    assert line["our_amount"] == line["meta_cost"] == Decimal("0.0080")
    page = client.get(reverse("insights:cost"), {"period": "7"}).content.decode()
    assert "fetched" in page and "not fetched" not in page


def test_meta_refusing_is_said_and_changes_nothing(client, simulator, account, phone, manager, settings):
    settings.GRAPH_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    client.force_login(manager)
    response = client.post(f"{reverse('insights:cost-refresh')}?period=7", follow=True)
    assert "refused the pricing analytics" in response.content.decode()
    assert not MetaPricingDay.objects.exists()


def test_refreshing_needs_a_period(client, phone, manager):
    client.force_login(manager)
    assert client.post(reverse("insights:cost-refresh")).status_code == 400
