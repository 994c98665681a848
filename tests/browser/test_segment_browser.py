"""Building a segment: the count of matching contacts follows the rules as they are chosen."""

import pytest
from playwright.sync_api import expect

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from campaigns.models import Segment
from messaging.models import Contact

from .conftest import DEADLINE_MS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_live_count_follows_the_rules_and_the_segment_saves(browser, live_server, phone):
    user = ensure_user(username="ada", password="pw-ada-12345", role=roles.ADMINISTRATOR)
    grant_phone_number(user=user, phone_number=phone)
    Contact.objects.create(account=phone.account, wa_id="447700900001", name="Ana", attributes={"city": "Leeds"})
    Contact.objects.create(account=phone.account, wa_id="447700900002", name="Ben", opted_out=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(DEADLINE_MS)
    log_in(page, live_server.url, "ada", "pw-ada-12345")

    page.goto(f"{live_server.url}/campaigns/segments/new/")
    assert page.inner_text("#segment-count") == "2"
    page.fill("input[name=name]", "Subscribed")
    page.select_option("select[name=rule-0-type]", "opted_in")
    expect(page.locator("#segment-count")).to_have_text("1")
    assert "Ana" in page.inner_text("#segment-preview") and "Ben" not in page.inner_text("#segment-preview")
    page.select_option("select[name=rule-1-type]", "wrote_within")  # no days yet: says so, counts nothing
    page.wait_for_selector("#segment-preview .error")
    assert "Rule 2: give a number of days." in page.inner_text("#segment-preview")
    page.select_option("select[name=rule-1-type]", "")
    page.wait_for_selector("#segment-count")
    page.click("#segment-form button[type=submit]")

    page.wait_for_selector("text=Segment “Subscribed” saved.")
    assert Segment.objects.get().rules == [{"type": "opted_in"}]
    context.close()
