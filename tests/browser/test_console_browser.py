"""What an operator sees in a real browser: live inbox, reply, ticks moving to read; a closed window
switching the composer to templates; an interactive list checked as it is typed and sent; a picture."""

import io
import os
from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import Conversation, Message

from ..conftest import PHONE_NUMBER_ID
from .conftest import SLOW_DEADLINE_MS, log_in, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER = "16505551234"


def _customer_writes(sim, body: str, **kwargs) -> None:
    sim.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=CUSTOMER, name="Sheena Nelson", message={"type": "text", "text": {"body": body}}, **kwargs)


def _open_conversation(page):
    link = page.locator(".conversation-list a", has_text="Sheena Nelson")
    link.wait_for()
    link.click()
    page.wait_for_selector("#thread")


def test_an_operator_replies_and_watches_the_ticks_reach_read(logged_in, live_simulator):
    page = logged_in
    # The inbox is open and empty; the customer's message appears without a reload.
    _customer_writes(live_simulator, "Does it come in another color?")
    page.locator(".conversation-list a", has_text="Sheena Nelson").click()
    page.wait_for_selector("text=Does it come in another color?")
    assert "Window open" in page.inner_text("#window-state")
    # The open thread marks itself read by the script's POST (the GET that showed it marked nothing).
    wait_until(lambda: Conversation.objects.get().unread_count == 0, what="the page to mark the thread read")
    wait_until(lambda: Message.objects.get(direction="in").read_at_meta, what="the read receipt to reach Meta")

    page.type("textarea[name=body]", "Yes: blue and green.")
    # Typing showed "typing…" to the customer (the script's POST, rate-limited on the server).
    wait_until(lambda: Conversation.objects.get().typing_sent_at, what="the typing indicator to be sent")
    page.click("button[name=send]")

    page.wait_for_selector('.bubble.out[data-status="read"]', timeout=SLOW_DEADLINE_MS)
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


def test_a_closed_window_switches_the_composer_to_templates(logged_in, live_simulator, account):
    from templates_mgr.models import MessageTemplate

    live_simulator.add_template(name="we_are_back", components=[{"type": "BODY", "text": "We are back: how can we help?"}])
    MessageTemplate.objects.create(account=account, template_id="1", name="we_are_back", language="en_US",
                                   category="UTILITY", status="APPROVED",
                                   components=[{"type": "BODY", "text": "We are back: how can we help?"}])
    page = logged_in
    _customer_writes(live_simulator, "Hello, anyone?", timestamp=int((timezone.now() - timedelta(days=2)).timestamp()))
    link = page.locator(".conversation-list a", has_text="Sheena Nelson")
    link.wait_for()
    assert "window closed" in link.inner_text()
    link.click()

    assert "Window closed" in page.inner_text("#window-state")
    assert "more than 24 hours ago" in page.inner_text("#window-closed-notice")
    assert page.locator("textarea[name=body]").count() == 0
    picker = page.locator("#template-picker select[name=template]")
    picker.wait_for()
    # The picker arrives by htmx; a robot must let htmx wire it (its settle step) before choosing.
    page.wait_for_function("() => document.querySelector('#send-template')?.['htmx-internal-data']?.listenerInfos?.length > 0")
    picker.select_option(label="we_are_back (en_US) · Utility")
    page.locator("#template-picker button[name=send]").click()

    page.wait_for_selector('.bubble.out[data-type="template"]', timeout=SLOW_DEADLINE_MS)
    assert [m["type"] for m in live_simulator.sent_messages()] == ["template"]


def test_a_page_left_open_past_the_window_refuses_free_text_and_offers_templates(logged_in, live_simulator):
    page = logged_in
    _customer_writes(live_simulator, "Is the shop open?")
    _open_conversation(page)
    page.fill("textarea[name=body]", "Sorry for the wait")
    # Meanwhile a day goes by (the page was left open): the server, not the page, decides.
    Conversation.objects.update(last_inbound_at=timezone.now() - timedelta(hours=30))
    page.click("button[name=send]")

    alert = page.locator(".compose [role=alert]")
    alert.wait_for()
    assert "more than 24 hours ago" in alert.inner_text()
    assert page.locator("#template-picker").count() == 1
    # The refusal came with the server's answer, after which nothing more happens: no message row,
    # nothing at Meta.
    assert not Message.objects.filter(direction="out").exists()
    assert live_simulator.sent_messages() == []


def test_an_interactive_list_is_checked_as_typed_and_sent(logged_in, live_simulator):
    page = logged_in
    _customer_writes(live_simulator, "Which delivery slots do you have?")
    _open_conversation(page)
    page.click(".compose-tabs a[data-kind=list]")
    page.wait_for_selector("form[data-kind=list]")

    page.fill("textarea[name=body]", "Pick a delivery slot")
    page.fill("input[name=list_button]", "Slots")
    page.fill("input[name=row_1_section]", "Today")
    page.fill("input[name=row_1_title]", "Between nine and twelve oclock")  # 30 characters: over 24
    hint = page.locator("input[name=row_1_title] + .live-check")
    assert "at most 24 characters; this has 30" in hint.inner_text()
    assert page.locator("button[name=send]").is_disabled()

    page.fill("input[name=row_1_title]", "9:00-12:00")
    page.fill("input[name=row_1_description]", "Morning")
    page.fill("input[name=row_2_section]", "Today")
    page.fill("input[name=row_2_title]", "12:00-18:00")
    assert page.locator("button[name=send]").is_enabled()
    page.click("button[name=send]")

    bubble = page.locator('.bubble.out[data-type="interactive"]')
    bubble.wait_for()
    assert "Pick a delivery slot" in bubble.inner_text() and "☰ Slots" in bubble.inner_text()
    page.wait_for_selector('.bubble.out[data-type="interactive"][data-status="read"]', timeout=SLOW_DEADLINE_MS)
    sent = live_simulator.sent_messages()[-1]["body"]["interactive"]
    assert sent["type"] == "list"
    assert [row["title"] for row in sent["action"]["sections"][0]["rows"]] == ["9:00-12:00", "12:00-18:00"]


def test_a_picture_from_the_customer_shows_in_the_thread(logged_in, live_simulator):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 120, 200)).save(out, "PNG")
    page = logged_in
    _customer_writes(live_simulator, "I have a photo of the damage")
    _open_conversation(page)

    live_simulator.customer_media(wa_id=CUSTOMER, kind="image", data=out.getvalue(), mime_type="image/png",
                                  caption="The scratch on the lid")

    image = page.locator('.bubble.in[data-type="image"] img')
    image.wait_for(timeout=SLOW_DEADLINE_MS)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=SLOW_DEADLINE_MS)
    assert "The scratch on the lid" in page.locator('.bubble.in[data-type="image"]').inner_text()


def test_chromium_reports_no_content_security_policy_violation(page, live_server, live_simulator, operator):
    # A CSP violation is logged to the console by Chromium; collect them from the login on.
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    log_in(page, live_server.url, "olivia", "pw-olivia-123")
    _customer_writes(live_simulator, "Is my order ready?")
    _open_conversation(page)
    page.wait_for_selector("#live")
    for path in ("/contacts/", "/templates/", "/media/"):
        page.goto(f"{live_server.url}{path}")

    assert violations == []
