"""The live inbox as an operator works it: canned replies from "/" in the composer (filled in for the
contact, a missing variable flagged), keyboard shortcuts that never fire while typing, the "?"
overlay (Esc closes it), a browser notification and the tab title's count when a customer writes,
at desktop and phone width where that matters."""

import pytest

from messaging.models import CannedReply, Conversation, Message

from ..conftest import PHONE_NUMBER_ID
from .conftest import DEADLINE_MS, SLOW_DEADLINE_MS, log_in, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}

# Playwright grants the permission; the stub records what the page shows (headless chromium
# shows no notification we could look at).
CAPTURE_NOTIFICATIONS = """
window.__notifications = [];
window.Notification = function (title, options) { window.__notifications.push({ title: title, body: (options || {}).body }); };
window.Notification.permission = "default";
window.Notification.requestPermission = function () {
  window.Notification.permission = "granted";
  return Promise.resolve("granted");
};
"""


@pytest.fixture
def operator_page(browser, live_server, operator):
    contexts = []

    def _open(viewport=DESKTOP, *, notifications=False):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        if notifications:
            context.grant_permissions(["notifications"])
            context.add_init_script(CAPTURE_NOTIFICATIONS)
        page = context.new_page()
        page.set_default_timeout(DEADLINE_MS)
        log_in(page, live_server.url, "olivia", "pw-olivia-123")
        return page

    yield _open
    for context in contexts:
        context.close()


def _customer_writes(sim, body: str, *, wa_id="16505551234", name="Sheena Nelson") -> None:
    sim.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=wa_id, name=name, message={"type": "text", "text": {"body": body}})


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_canned_reply_from_slash_is_filled_in_for_the_contact(operator_page, live_simulator, account, viewport):
    CannedReply.objects.create(account=account, code="hours", title="Opening hours", body="We open at 9, {{first_name}}.")
    CannedReply.objects.create(account=account, code="ship", title="Shipped",
                               body="{{first_name}}, your parcel left for {{city}}.")
    page = operator_page(viewport)
    _customer_writes(live_simulator, "When do you open?")
    page.locator(".conversation-list a", has_text="Sheena Nelson").click(timeout=SLOW_DEADLINE_MS)
    page.locator(".bubble", has_text="When do you open?").first.wait_for()

    page.locator("textarea[name=body]").type("/")
    search = page.get_by_role("combobox", name="Search canned replies")
    search.wait_for()
    assert search.evaluate("element => element === document.activeElement")
    options = page.get_by_role("listbox", name="Canned replies").get_by_role("option")
    options.nth(1).wait_for()
    assert options.count() == 2
    search.type("sh")
    assert options.count() == 1 and "/ship" in options.first.inner_text()
    search.press("Enter")

    # The customer has no city on file: flagged, and left empty rather than sent as {{city}}.
    field = page.locator("textarea[name=body]")
    assert field.input_value() == "Sheena, your parcel left for ."
    assert "Not known for this contact: city" in page.locator("#canned-preview").inner_text()
    assert page.locator("#canned-preview mark").inner_text() == "[city?]"

    # The keyboard again: arrows move, Enter chooses, and the text is the one the customer gets.
    field.fill("/")
    search.wait_for()
    search.press("ArrowDown")
    search.press("ArrowUp")
    search.press("Enter")
    assert field.input_value() == "We open at 9, Sheena."
    page.click("button[name=send]")
    page.wait_for_selector(".bubble.out >> text=We open at 9, Sheena.")
    assert Message.objects.filter(direction="out", text="We open at 9, Sheena.").exists()
    assert not Message.objects.filter(text__contains="{{").exists()


def test_shortcuts_move_focus_and_assign_but_never_fire_while_typing(operator_page, live_simulator, operator):
    page = operator_page()
    _customer_writes(live_simulator, "First customer", wa_id="16505550001", name="Ann First")
    _customer_writes(live_simulator, "Second customer", wa_id="16505550002", name="Bob Second")
    page.locator(".conversation-list a", has_text="Ann First").wait_for(timeout=SLOW_DEADLINE_MS)
    page.locator(".conversation-list a", has_text="Bob Second").wait_for(timeout=SLOW_DEADLINE_MS)

    page.keyboard.press("j")  # the newest first: Bob
    page.locator(".thread-head", has_text="Bob Second").wait_for()
    page.keyboard.press("j")
    page.locator(".thread-head", has_text="Ann First").wait_for()
    page.keyboard.press("k")
    page.locator(".thread-head", has_text="Bob Second").wait_for()

    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.name") == "body"
    page.keyboard.type("just a kid")  # j, k, a, e, r, c, ? typed into the field stay text
    assert page.locator("textarea[name=body]").input_value() == "just a kid"
    assert "Bob Second" in page.locator(".thread-head").inner_text()
    assert not page.locator("#shortcuts-help").is_visible()

    page.locator("textarea[name=body]").blur()
    page.keyboard.press("a")
    page.locator("#assignment", has_text="Assigned to you").wait_for()
    bob = Conversation.objects.get(contact__name="Bob Second")
    assert bob.assigned_to == operator

    page.keyboard.press("e")  # resolves, through the thread's own Resolve button
    page.locator(".state-badge[data-state=resolved]").wait_for()
    bob.refresh_from_db()
    assert bob.state == "resolved"


def test_the_question_mark_overlay_lists_the_shortcuts_and_esc_closes_it(operator_page, live_server):
    page = operator_page()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    dialog.wait_for()
    text = dialog.inner_text()
    for line in ("Next conversation", "Previous conversation", "Write a reply", "Pick a canned reply",
                 "Assign the conversation to me", "Resolve the conversation"):
        assert line in text
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    # The button in the top bar opens it too (no keyboard needed), and its Close button closes it.
    page.get_by_role("button", name="Shortcuts").click()
    dialog.wait_for()
    dialog.get_by_role("button", name="Close").click()
    dialog.wait_for(state="hidden")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_customer_message_notifies_once_permission_is_given(operator_page, live_simulator, viewport):
    page = operator_page(viewport, notifications=True)
    permission = page.get_by_role("button", name="Turn on notifications")
    permission.wait_for()  # asked from a button, never on page load
    assert page.evaluate("window.Notification.permission") == "default"
    permission.click()
    permission.wait_for(state="hidden")
    page.get_by_role("button", name="Mute sound").wait_for()

    _customer_writes(live_simulator, "Hello, anyone there?")
    # (wait_for_function would evaluate a string, which our CSP refuses: poll from here instead)
    wait_until(lambda: page.evaluate("window.__notifications.length"), what="a notification",
               timeout=SLOW_DEADLINE_MS / 1000)
    assert page.evaluate("window.__notifications") == [{"title": "Sheena Nelson", "body": "Hello, anyone there?"}]
    wait_until(lambda: page.title().startswith("(1) "), what="the count in the title")
    assert page.title() == "(1) Inbox · Switchboard"

    page.get_by_role("button", name="Mute sound").click()
    assert page.get_by_role("button", name="Sound muted").get_attribute("aria-pressed") == "true"
