"""The inbox as an operator watches it: the first conversation arrives without a reload, the right
pane stops saying "No conversations yet", and the row reads like a chat list (initials, last
message, "You:" once we answer)."""

import pytest

from ..conftest import PHONE_NUMBER_ID
from .conftest import SLOW_DEADLINE_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_first_conversation_arrives_in_the_list_and_the_pane(logged_in, live_simulator):
    page = logged_in
    assert "No conversations yet" in page.inner_text("#inbox-pane")

    live_simulator.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id="16505551234", name="Sheena Nelson",
                           message={"type": "text", "text": {"body": "Is the shop open on Sunday?"}})

    row = page.locator(".conversation-list li", has_text="Sheena Nelson")
    row.wait_for(timeout=SLOW_DEADLINE_MS)
    page.wait_for_selector("#inbox-pane >> text=Choose a conversation.")
    assert "No conversations yet" not in page.inner_text("#inbox-pane")
    assert row.locator(".avatar").inner_text() == "SN"
    assert "Is the shop open on Sunday?" in row.locator(".last-message").inner_text()

    row.locator("a").click()
    page.fill("textarea[name=body]", "Yes, 10 to 4.")
    page.click("button[name=send]")
    page.wait_for_selector(".conversation-list li .last-message >> text=You:")
    assert "Yes, 10 to 4." in page.locator(".conversation-list li .last-message").inner_text()
