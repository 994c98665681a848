"""What an operator sees in a real browser: live inbox, reply, ticks moving to read, closed window."""

import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from ..conftest import PHONE_NUMBER_ID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER = "16505551234"


def _customer_writes(sim, body: str, **kwargs) -> None:
    sim.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=CUSTOMER, name="Sheena Nelson", message={"type": "text", "text": {"body": body}}, **kwargs)


def test_an_operator_replies_and_watches_the_ticks_reach_read(logged_in, live_simulator):
    page = logged_in
    # The inbox is open and empty; the customer's message appears without a reload.
    _customer_writes(live_simulator, "Does it come in another color?")
    page.locator(".conversation-list a", has_text="Sheena Nelson").click()
    page.wait_for_selector("text=Does it come in another color?")
    assert "Window open" in page.inner_text("#window-state")

    page.fill("textarea[name=body]", "Yes: blue and green.")
    page.click("button[name=send]")

    page.wait_for_selector('.bubble.out[data-status="read"]', timeout=20_000)
    bubble = page.locator(".bubble.out").last
    assert "Yes: blue and green." in bubble.inner_text()
    assert "Read" in bubble.locator(".status").inner_text()
    timeline = bubble.locator(".status").get_attribute("title")
    assert "sent" in timeline.lower() and "delivered" in timeline.lower() and "read" in timeline.lower()

    # A new message from the customer shows up in the open thread without a reload.
    _customer_writes(live_simulator, "Great, thanks!")
    page.wait_for_selector("text=Great, thanks!")
    if os.environ.get("SWITCHBOARD_SCREENSHOT"):
        page.screenshot(path=os.environ["SWITCHBOARD_SCREENSHOT"])


def test_free_text_is_refused_when_the_window_is_closed(logged_in, live_simulator):
    page = logged_in
    _customer_writes(live_simulator, "Hello, anyone?", timestamp=int((timezone.now() - timedelta(days=2)).timestamp()))
    link = page.locator(".conversation-list a", has_text="Sheena Nelson")
    link.wait_for()
    assert "window closed" in link.inner_text()
    link.click()
    assert "Window closed" in page.inner_text("#window-state")

    page.fill("textarea[name=body]", "Sorry for the wait")
    page.click("button[name=send]")

    alert = page.locator(".compose [role=alert]")
    alert.wait_for()
    assert "more than 24 hours ago" in alert.inner_text()
    time.sleep(0.5)
    assert live_simulator.sent_messages() == []
