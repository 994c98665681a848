"""The campaign page in a real browser, at desktop and phone width: the progress bar and the counters
move on their own as recipient and message rows change (htmx polling), the send rate chart is drawn,
the cost so far follows the status webhooks' pricing, and nothing breaks the console's
Content-Security-Policy or the page's width."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import roles
from accounts.services import ensure_user
from campaigns.models import Campaign, CampaignRecipient, PricingRate
from messaging.models import Contact, Conversation, Message, MessageSendAttempt, MessageStatusEvent
from templates_mgr.models import MessageTemplate
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SECOND = timezone.now().replace(microsecond=0)
PRICING = {"billable": True, "pricing_model": "PMP", "category": "utility", "type": "regular"}


def _campaign(phone) -> tuple[Campaign, list[CampaignRecipient]]:
    template = MessageTemplate.objects.create(account=phone.account, name="spring_offer", language="en_GB",
                                              category="UTILITY", status="APPROVED",
                                              components=[{"type": "BODY", "text": "Your order is ready."}])
    campaign = Campaign.objects.create(account=phone.account, phone_number=phone, name="Spring offer",
                                       template=template, state=Campaign.State.RUNNING, started_at=timezone.now())
    rows = []
    for index in range(4):
        contact = Contact.objects.create(account=phone.account, wa_id=f"44740012340{index}", name=f"Customer {index}")
        rows.append(CampaignRecipient.objects.create(campaign=campaign, contact=contact))
    return campaign, rows


def _deliver(campaign, row, status=Message.Status.DELIVERED):
    """What the engine and the status webhooks leave behind: the recipient handed over, its message on."""
    conversation, _ = Conversation.objects.get_or_create(contact=row.contact, phone_number=campaign.phone_number)
    message = Message.objects.create(conversation=conversation, direction=Message.Direction.OUTBOUND, type="template",
                                     status=status, rate_group=campaign.rate_group)
    # All in one second (the chart counts per second), whenever the test runs.
    MessageSendAttempt.objects.create(message=message, number=1, started_at=SECOND, duration_ms=5,
                                      outcome="accepted")
    if status != Message.Status.FAILED:
        MessageStatusEvent.objects.create(message=message, wamid=f"wamid.{row.pk}", status=status,
                                          timestamp=timezone.now(), pricing=PRICING)
    row.message, row.state = message, CampaignRecipient.State.DONE
    row.save()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_the_progress_bar_moves_live(browser, live_server, phone, viewport):
    campaign, rows = _campaign(phone)
    PricingRate.objects.create(category="utility", country="GB", price=Decimal("0.0200"), currency="EUR",
                               valid_from=timezone.localdate() - timedelta(days=7))
    ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        log_in(page, live_server.url, "ada", "pw-ada-123")
        page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
        bar = page.locator("#progress-bar")
        assert bar.get_attribute("value") == "0"
        assert page.locator("#count-pending").inner_text() == "4"

        _deliver(campaign, rows[0])
        _deliver(campaign, rows[1], Message.Status.READ)
        page.locator('#progress-bar[value="50"]').wait_for()  # no reload: the partial was polled
        assert page.locator("#progress-percent").inner_text() == "50 % done"
        assert page.locator("#count-delivered").inner_text() == "2"
        assert page.locator("#count-read").inner_text() == "1"
        # The rate chart, polled less often, draws the two accepted sends against the 80/s limit.
        chart = page.locator('canvas[data-chart="rate-chart-data"][data-chart-drawn="true"]')
        chart.wait_for()
        assert chart.bounding_box()["x"] + chart.bounding_box()["width"] <= viewport["width"] + 1
        assert page.locator("#rate-peak").inner_text() == "2"
        # The cost so far too: two charged deliveries at the table's 0.02 EUR.
        page.locator("#cost-total", has_text="0.0400 EUR").wait_for()
        # Cancelling is there, and its label can be read (not red on red).
        text, background = page.locator("#cancel").evaluate(
            "button => [getComputedStyle(button).color, getComputedStyle(button).backgroundColor]")
        assert text != background and page.locator("#cancel").inner_text() == "Cancel the campaign"

        _deliver(campaign, rows[2])
        _deliver(campaign, rows[3], Message.Status.FAILED)
        Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.COMPLETED, finished_at=timezone.now())
        page.locator('#progress-bar[value="100"]').wait_for()
        page.locator("#cost-total", has_text="0.0600 EUR").wait_for()
        assert page.locator("#count-failed").inner_text() == "1"
        assert page.locator("#progress .cm-state").inner_text() == "Completed"

        # The bar is on screen and the page is no wider than the phone.
        box = bar.bounding_box()
        assert box["width"] > 100 and box["x"] + box["width"] <= viewport["width"] + 1
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
        assert problems == []
    finally:
        context.close()
