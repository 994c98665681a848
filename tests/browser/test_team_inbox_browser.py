"""Two operators on one number, at desktop and at phone width: one resolves, labels and writes a
private note mentioning the other; the other sees each change arrive through the page's polling,
the note yellow and marked private, their mention counted until they open the thread. The note
never becomes a message, so nothing reaches the customer."""

import os
import time

import pytest

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Conversation, Label, Mention, Message, Note
from messaging.services.inbound import record_inbound_message

from .conftest import DEADLINE_MS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _login(browser, live_server, username: str, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(DEADLINE_MS)
    log_in(page, live_server.url, username, f"pw-{username}-123")
    return context, page


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_two_operators_see_each_others_state_label_and_note(browser, live_server, phone, operator, viewport):
    carla = ensure_user(username="carla", password="pw-carla-123", role=roles.OPERATOR)
    grant_phone_number(user=carla, phone_number=phone)
    Label.objects.create(account=phone.account, name="Refund", colour="red")
    record_inbound_message(phone_number=phone, profile_name="Sheena Nelson", message={
        "id": "wamid.browser.1", "from": "16505551234", "type": "text", "text": {"body": "My parcel is late"},
        "timestamp": str(int(time.time()) - 30)})
    conversation = Conversation.objects.get()
    thread = f"{live_server.url}/c/{conversation.pk}/"
    olivia_context, olivia = _login(browser, live_server, "olivia", viewport)
    carla_context, carla_page = _login(browser, live_server, "carla", viewport)
    try:
        olivia.goto(thread)
        carla_page.goto(thread)
        assert olivia.inner_text("#team-bar .state-badge").strip().lower() == "open"
        assert "The customer wrote: conversation opened" in olivia.inner_text("#thread")

        # Olivia labels and resolves; Carla's open thread follows without a reload.
        olivia.select_option("#team-actions select[name=label]", label="Refund")
        olivia.click("#team-actions .label-form button")
        olivia.wait_for_selector("#team-bar .chip.colour-red >> text=Refund")
        olivia.click("#team-actions button[data-action=resolve]")
        olivia.wait_for_selector("#team-bar .state-badge.state-resolved")
        carla_page.wait_for_selector("#team-bar .state-badge.state-resolved")
        carla_page.wait_for_selector("#team-bar .chip >> text=Refund")
        carla_page.wait_for_selector(".system-line >> text=olivia resolved the conversation")

        # A private note mentioning Carla, chosen from the autocomplete.
        olivia.click("#note-compose summary")
        olivia.click("textarea[name=note]")
        olivia.keyboard.type("Refund approved, @car")
        olivia.wait_for_selector(".mention-menu li >> text=@carla")
        olivia.keyboard.press("Enter")
        olivia.keyboard.type("please tell her")
        assert olivia.input_value("textarea[name=note]") == "Refund approved, @carla please tell her"
        olivia.click(".note-submit")
        note = olivia.locator(".note", has_text="Refund approved")
        note.wait_for()
        assert "private note — only your team sees this" in note.inner_text().lower()
        colour = note.evaluate("element => getComputedStyle(element).backgroundColor")
        assert colour == "rgb(255, 248, 197)"  # yellow: never mistaken for a message

        carla_page.wait_for_selector(".note >> text=please tell her")
        carla_page.wait_for_selector("#mentions-nav .unseen-count >> text=1")
        assert Note.objects.count() == 1 and Message.objects.filter(direction="out").count() == 0

        carla_page.reload()  # opening the thread marks her mention seen
        carla_page.wait_for_function("() => !document.querySelector('#mentions-nav .unseen-count')", timeout=DEADLINE_MS)
        deadline = time.monotonic() + 10
        while Mention.objects.filter(seen_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Mention.objects.filter(seen_at__isnull=True).exists()
        if shots := os.environ.get("SWITCHBOARD_SCREENSHOT_DIR"):  # for looking at them
            olivia.screenshot(path=f"{shots}/team-thread-{viewport['width']}.png")
            carla_page.goto(f"{live_server.url}/?state=all&assigned=anyone")
            carla_page.screenshot(path=f"{shots}/team-inbox-{viewport['width']}.png")
        sideways = olivia.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 0, f"the thread scrolls sideways by {sideways} px at {viewport['width']} px"
    finally:
        olivia_context.close()
        carla_context.close()


def test_the_inbox_selects_rows_and_resolves_them_together(browser, live_server, phone, operator):
    for n in range(3):
        record_inbound_message(phone_number=phone, profile_name=f"Customer {n}", message={
            "id": f"wamid.bulk.{n}", "from": f"1650555000{n}", "type": "text", "text": {"body": "Hi"},
            "timestamp": str(int(time.time()) - 30 + n)})
    context, page = _login(browser, live_server, "olivia", DESKTOP)
    try:
        page.wait_for_selector(".state-tab.current >> text=Open")
        assert page.inner_text("[data-state-tab=open] .count") == "3"
        page.check("[data-select-all]")
        page.wait_for_timeout(2500)  # a poll replaces the rows: the ticks stay
        assert page.locator(".row-select:checked").count() == 3
        page.click("[data-bulk-apply]")
        page.wait_for_selector("text=3 of 3 conversations changed.")
        assert page.inner_text("[data-state-tab=resolved] .count") == "3"
        assert set(Conversation.objects.values_list("state", flat=True)) == {"resolved"}
    finally:
        context.close()
