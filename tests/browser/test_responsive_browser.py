"""Every console page at phone width (390×844) and at desktop width (1440×900): nothing scrolls
sideways and the page's main controls can be clicked (nothing covers them, none is off-screen)."""

import os
import time

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Error as PlaywrightError
from django.urls import reverse

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from campaigns.models import Campaign
from messaging.models import Conversation, Message
from messaging.services.inbound import record_inbound_message
from templates_mgr.models import MessageTemplate

from .. import factories
from .conftest import DEADLINE_MS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
CLICK_MS = 5_000  # a control that is there is clickable at once; no need to wait the full deadline


def _history(phone, account):
    """A customer who wrote (a long line, a picture with a caption), our replies, one template."""
    for n, (kind, content) in enumerate([
        ("text", {"body": "Hello! " + "Does the blue one come in a larger size? " * 4}),
        ("location", {"latitude": 52.52, "longitude": 13.405, "name": "Shop", "address": "Unter den Linden 1, Berlin"}),
    ]):
        record_inbound_message(phone_number=phone, profile_name="Sheena Nelson", message={
            "id": f"wamid.resp.{n}", "from": "16505551234", "type": kind, kind: content,
            "timestamp": str(int(time.time()) - 60 + n),  # a minute ago: the window is open
        })
    conversation = Conversation.objects.get()
    factories.outbound(conversation, body="A very long reply without spaces: " + "x" * 120, status=Message.Status.READ)
    template = MessageTemplate.objects.create(
        account=account, template_id="71", name="order_update_with_a_rather_long_name", language="en_US",
        category="UTILITY", status="APPROVED",
        components=[{"type": "BODY", "text": "Hi {{1}}, your order {{2}} has shipped.",
                     "example": {"body_text": [["Sheena", "4521"]]}}, {"type": "FOOTER", "text": "Acme"}],
    )
    return conversation, template


@pytest.fixture
def admin_page(browser, live_server, phone, account):
    """An administrator (every page, every number) with a conversation and a template to look at."""
    user = ensure_user(username="ada", password="pw-ada-12345", role=roles.ADMINISTRATOR)
    user.groups.add(Group.objects.get(name=roles.OPERATOR), Group.objects.get(name=roles.TEMPLATE_MANAGER))
    grant_phone_number(user=user, phone_number=phone)
    conversation, template = _history(phone, account)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(DEADLINE_MS)
    log_in(page, live_server.url, "ada", "pw-ada-12345")
    yield page, conversation, template
    context.close()


def _pages(conversation, template):
    """(name, path, selectors of the controls a person came to that page for)."""
    c, t = conversation.pk, template.pk
    number = conversation.phone_number.phone_number_id
    return [
        ("inbox", reverse("messaging:inbox"), ["input[name=q]", ".conversation-list a", "nav a >> nth=0"]),
        ("thread", reverse("messaging:conversation-detail", args=[c]),
         ["textarea[name=body]", "button[name=send]", ".compose-tabs .tab >> nth=0", ".compose-tabs .tab >> nth=-1",
          "#assignment button >> nth=0"]),
        ("new conversation", reverse("messaging:conversation-new"), ["form button[type=submit] >> nth=-1"]),
        ("contacts", reverse("messaging:contact-list"), ["input[name=q]", "table a >> nth=0"]),
        ("contact", reverse("messaging:contact-detail", args=[conversation.contact_id]),
         ["textarea[name=notes]", ".notes-form button", "#consent-form button", ".edit-profile summary"]),
        ("segments", reverse("audiences:segment-list"), ["a[href$='/campaigns/segments/new/']"]),
        ("new segment", reverse("audiences:segment-create"),
         ["input[name=name]", "select[name=rule-0-type]", "input[name=rule-2-days]", "#segment-form button[type=submit]"]),
        ("contact imports", reverse("audiences:import-list"), ["a[href$='/campaigns/imports/new/']"]),
        ("import contacts", reverse("audiences:import-new"), ["input[name=file]", "#import-form button[type=submit]"]),
        ("prices", reverse("pricing:rate-list"), ["select[name=category]", ".rate-form button[type=submit]"]),
        ("media library", reverse("media_lib:asset-list"), ["input[type=file]"]),
        ("template board", reverse("templates_mgr:template-list"), ["a[href$='/templates/new/']", f"a[href$='/templates/{t}/'] >> nth=0"]),
        ("template", reverse("templates_mgr:template-detail", args=[t]), [".tm-actions a, .tm-actions button"]),
        ("builder", reverse("templates_mgr:template-create"), ["input[name=name]", "textarea >> nth=0", "button[type=submit] >> nth=-1"]),
        ("template send", reverse("templates_mgr:conversation-send", args=[c]), ["select[name=template]"]),
        ("start with a template", reverse("templates_mgr:conversation-start"), ["button[type=submit] >> nth=-1"]),
        *_campaign_pages(conversation, template),
        ("people", reverse("settings:people"), ["a[href$='/settings/people/add/']", "table a >> nth=0"]),
        ("add a person", reverse("settings:person-add"), ["input[name=username]", "input[name=roles] >> nth=-1",
                                                          "button[type=submit] >> nth=-1"]),
        ("person", reverse("settings:person-detail", args=[conversation.phone_number.operators.first().pk]),
         ["input[name=roles] >> nth=0", ".person-actions button >> nth=0"]),
        ("audit log", reverse("settings:audit-log"), ["input[name=person]", "button[type=submit] >> nth=-1",
                                                      "a[href*='export.csv']"]),
        ("phone numbers", reverse("settings:number-list"), ["form button[type=submit]", "table a >> nth=0"]),
        ("number", reverse("settings:number-detail", args=[number]),
         ["input[name=request_code-language]", "input[name=register-pin]", "button[type=submit] >> nth=-1"]),
        ("number health", reverse("settings:number-health", args=[number]), [".crumbs a >> nth=-1"]),
        ("deregister", reverse("settings:number-deregister", args=[number]), ["input[name=confirm]"]),
        ("accounts", reverse("settings:account-list"), ["a[href$='/settings/accounts/connect/'] >> nth=0"]),
        ("connect an account", reverse("settings:account-connect"), ["input[name=waba_id]", "form button[type=submit] >> nth=-1"]),
        ("account", reverse("settings:account-detail", args=[conversation.phone_number.account_id]),
         [".settings-card button >> nth=0", "input[name=value] >> nth=0", "input[name=confirm]"]),
    ]


def _campaign_pages(conversation, template):
    draft = Campaign.objects.create(account=template.account, phone_number=conversation.phone_number, template=template,
                                    name="A spring offer with a long name to wrap", parameters={"body.1": "name", "body.2": "wa_id"})
    running = Campaign.objects.create(account=template.account, phone_number=conversation.phone_number, template=template,
                                      name="Running", parameters={"body.1": "name", "body.2": "wa_id"},
                                      state=Campaign.State.RUNNING)
    return [
        ("campaigns", reverse("campaigns:campaign-list"), ["a[href$='/campaigns/new/'] >> nth=-1", "table a >> nth=0"]),
        ("new campaign", reverse("campaigns:campaign-create"),
         ["input[name=name]", "select[name=template]", "input[name=scheduled_at]", ".cm-form button[type=submit]"]),
        ("dry run", reverse("campaigns:campaign-dry-run", args=[draft.pk]),
         ["input[name=to_wa_id]", "#launch-form input[name=confirm]", "#launch-form button"]),
        ("campaign", reverse("campaigns:campaign-detail", args=[running.pk]), ["#pause", "#cancel", "a[href$='export.csv']"]),
    ]


def _sideways(page) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def _unclickable(page, selector: str) -> str:
    """Why a person could not click the first ``selector`` ("" when they can)."""
    control = page.locator(selector).first
    try:
        control.wait_for(state="visible", timeout=CLICK_MS)
        control.scroll_into_view_if_needed(timeout=CLICK_MS)
        box = control.bounding_box()
        if not box or box["x"] < 0 or box["x"] + box["width"] > page.viewport_size["width"] + 1:
            return f"{selector} is off-screen ({box})"
        # Playwright's actionability checks: visible, stable, enabled, and the click lands on it.
        control.click(trial=True, timeout=CLICK_MS)
    except PlaywrightError as exc:
        return f"{selector}: {str(exc).splitlines()[0]}"
    return ""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_console_page_fits_the_screen_and_its_controls_can_be_clicked(admin_page, live_server, viewport):
    page, conversation, template = admin_page
    page.set_viewport_size(viewport)
    problems = []
    for name, path, controls in _pages(conversation, template):
        page.goto(f"{live_server.url}{path}")
        if shots := os.environ.get("SWITCHBOARD_SCREENSHOT_DIR"):  # for looking at them (and the README)
            page.screenshot(path=f"{shots}/{name.replace(' ', '-')}-{viewport['width']}.png")
        if (extra := _sideways(page)) > 0:
            problems.append(f"{name} scrolls sideways by {extra} px")
        problems.extend(f"{name}: {why}" for selector in controls if (why := _unclickable(page, selector)))
    assert not problems, f"at {viewport['width']} px: " + "; ".join(problems)
    # A problem page (an impossible assignment) fits as well.
    page.goto(f"{live_server.url}{reverse('messaging:conversation-detail', args=[conversation.pk])}")
    page.evaluate("""() => { const form = document.querySelector('#assignment form');
        form.querySelectorAll('[name=assignee]').forEach(e => e.removeAttribute('name'));
        const nobody = Object.assign(document.createElement('input'), {type: 'hidden', name: 'assignee', value: '999999'});
        form.append(nobody); form.submit(); }""")
    page.wait_for_selector("text=Choose someone who works this number.")
    assert _sideways(page) <= 0, f"the problem page scrolls sideways at {viewport['width']} px"


def test_on_a_phone_the_thread_takes_the_screen_with_a_way_back(admin_page, live_server):
    page, conversation, _ = admin_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{reverse('messaging:conversation-detail', args=[conversation.pk])}")
    assert not page.locator("aside.inbox").is_visible()
    assert page.locator("#thread").bounding_box()["width"] >= PHONE["width"] - 2
    page.locator(".compose-tabs .tab", has_text="Location").click()  # the tabs work
    page.wait_for_selector("input[name=latitude]")
    page.locator(".back-to-inbox").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".conversation-list a", has_text="Sheena Nelson").is_visible()

    page.set_viewport_size(DESKTOP)  # side by side again, no back link needed
    page.goto(f"{live_server.url}{reverse('messaging:conversation-detail', args=[conversation.pk])}")
    assert page.locator("aside.inbox").is_visible() and not page.locator(".back-to-inbox").is_visible()


def test_on_a_phone_every_top_bar_link_and_log_out_are_on_the_screen(admin_page, live_server):
    # An administrator has the most links (Inbox, Contacts, Templates, Media, Admin): none may sit
    # behind a sideways scroll of the bar, where nobody looks for "Log out".
    page, _, _ = admin_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    controls = page.locator(".topbar nav a, .topbar nav button")
    names = controls.all_inner_texts()
    assert {"Inbox", "Templates", "Admin", "Log out"} <= {name.strip() for name in names}
    for n in range(controls.count()):
        box = controls.nth(n).bounding_box()
        assert box and 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], f"{names[n]} is off-screen: {box}"


def test_on_a_phone_the_settings_tabs_wrap_and_every_one_is_on_the_screen(admin_page, live_server):
    page, _, _ = admin_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{reverse('settings:audit-log')}")
    nav = page.locator(".settings-nav")
    assert nav.evaluate("n => n.scrollWidth <= n.clientWidth"), "the Settings tabs scroll sideways"
    tabs = nav.locator("a")
    names = [name.strip() for name in tabs.all_inner_texts()]
    assert {"Overview", "Accounts", "Phone numbers", "People and roles", "Audit log"} <= set(names)
    for n in range(tabs.count()):
        box = tabs.nth(n).bounding_box()
        assert box and 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], f"{names[n]} is cut off: {box}"
    tops = {round(tabs.nth(n).bounding_box()["y"]) for n in range(tabs.count())}
    assert len(tops) >= 2, "five tabs cannot fit one line at 390 px: they should wrap"
    assert nav.locator("a[aria-current=page]").inner_text().strip() == "Audit log"
