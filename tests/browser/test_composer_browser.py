"""The composer in a real browser: a typed reply survives a reload and the window closing; Enter and
Shift+Enter do what the operator chose; Send is in view on every tab at desktop and phone width; a
picture bubble is at most ~320 px wide and opens full size."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ConsolePreference
from messaging.models import Conversation, Message

from ..conftest import PHONE_NUMBER_ID
from .conftest import SLOW_DEADLINE_MS, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER = "16505551234"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def _customer_writes(sim, body: str) -> None:
    sim.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=CUSTOMER, name="Sheena Nelson",
                message={"type": "text", "text": {"body": body}})


def _open_conversation(page, sim, body="Is my order on its way?"):
    _customer_writes(sim, body)
    page.locator(".conversation-list a", has_text="Sheena Nelson").click()
    # In the thread (on a phone the inbox row, which shows it too, is hidden there).
    page.locator(".bubble", has_text=body).first.wait_for()
    page.wait_for_selector("textarea[name=body]")


def _sent_texts() -> list[str]:
    # A browser submits a textarea's line breaks as CRLF.
    return [text.replace("\r\n", "\n") for text in Message.objects.filter(direction="out").order_by("pk").values_list("text", flat=True)]


def test_a_typed_reply_survives_a_reload_and_the_window_closing(logged_in, live_simulator, account):
    from templates_mgr.models import MessageTemplate

    MessageTemplate.objects.create(account=account, template_id="1", name="we_are_back", language="en_US",
                                   category="UTILITY", status="APPROVED",
                                   components=[{"type": "BODY", "text": "We are back: how can we help?"}])
    page = logged_in
    _open_conversation(page, live_simulator)
    page.type("textarea[name=body]", "Yes, it left the warehouse this morning")

    page.reload()
    assert page.locator("textarea[name=body]").input_value() == "Yes, it left the warehouse this morning"

    # The operator hesitates, and the 24 hours run out: the page's poll notices.
    Conversation.objects.update(last_inbound_at=timezone.now() - timedelta(hours=25))
    kept = page.locator("#kept-draft")
    kept.wait_for(state="visible")
    assert page.locator("#kept-draft-text").input_value() == "Yes, it left the warehouse this morning"
    notice = kept.inner_text()
    assert "The 24-hour window closed at" in notice and "send a template to reopen the conversation" in notice
    page.locator("#template-picker select[name=template]").wait_for()  # the templates are offered

    page.reload()  # still there on a fresh page
    assert page.locator("#kept-draft-text").input_value() == "Yes, it left the warehouse this morning"
    assert not Message.objects.filter(direction="out").exists()

    # The customer writes again: the text is back in the composer, ready to send.
    _customer_writes(live_simulator, "Hello again")
    page.wait_for_selector("textarea[name=body]", timeout=SLOW_DEADLINE_MS)
    assert page.locator("textarea[name=body]").input_value() == "Yes, it left the warehouse this morning"
    page.click("button[name=send]")
    page.wait_for_selector(".bubble.out >> text=Yes, it left the warehouse this morning")
    page.reload()
    assert page.locator("textarea[name=body]").input_value() == ""  # sent: the draft is gone


def test_enter_sends_shift_enter_breaks_the_line_and_the_swap_is_remembered(logged_in, live_simulator, operator):
    page = logged_in
    _open_conversation(page, live_simulator)
    box = page.locator("textarea[name=body]")
    box.type("First line")
    box.press("Shift+Enter")
    box.type("second line")
    assert box.input_value() == "First line\nsecond line"  # nothing sent yet
    box.press("Enter")
    wait_until(lambda: _sent_texts() == ["First line\nsecond line"], what="the two-line message to be queued")

    page.wait_for_selector("textarea[name=body]")
    page.uncheck("[data-enter-pref]")
    wait_until(lambda: ConsolePreference.objects.filter(user=operator, enter_sends=False).exists(),
               what="the preference to be stored")
    page.reload()  # the choice is the server's, not this page's
    assert not page.is_checked("[data-enter-pref]")
    box = page.locator("textarea[name=body]")
    box.type("Now Enter")
    box.press("Enter")
    box.type("breaks the line")
    assert box.input_value() == "Now Enter\nbreaks the line"
    box.press("Shift+Enter")
    wait_until(lambda: _sent_texts()[-1:] == ["Now Enter\nbreaks the line"], what="Shift+Enter to send")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_send_is_in_view_on_every_tab(logged_in, live_simulator, viewport):
    page = logged_in
    page.set_viewport_size(viewport)
    _open_conversation(page, live_simulator)
    kinds = page.eval_on_selector_all(".compose-tabs a[data-kind]", "tabs => tabs.map(t => t.dataset.kind)")
    assert len(kinds) >= 6
    for kind in kinds:
        page.locator(f".compose-tabs a[data-kind={kind}]").click()
        page.wait_for_selector(f"form[data-kind={kind}] button[name=send]")
        page.wait_for_load_state("networkidle")  # the media picker and the like have arrived and taken their room
        # In the viewport, and the topmost thing at its centre: a person sees it and can press it.
        seen = page.eval_on_selector(f"form[data-kind={kind}] button[name=send]", """button => {
            const r = button.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const inside = r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
            return inside && button.contains(document.elementFromPoint(x, y));
        }""")
        assert seen, f"Send is out of view on the {kind} tab at {viewport['width']} px"


def test_a_picture_is_at_most_320_px_wide_and_opens_full_size(logged_in, live_simulator):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1600, 1000), (30, 120, 200)).save(out, "PNG")
    page = logged_in
    page.set_viewport_size(DESKTOP)
    _open_conversation(page, live_simulator, "Here is the damage")
    live_simulator.customer_media(wa_id=CUSTOMER, kind="image", data=out.getvalue(), mime_type="image/png")

    image = page.locator('.bubble.in[data-type="image"] img')
    image.wait_for(timeout=SLOW_DEADLINE_MS)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle(),
                           timeout=SLOW_DEADLINE_MS)
    width = image.bounding_box()["width"]
    assert 100 < width <= 320

    with page.expect_popup() as opened:
        image.click()
    full = opened.value
    full.wait_for_load_state()
    assert full.evaluate("() => document.images.length && document.images[0].naturalWidth") == 1600
