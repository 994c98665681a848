"""A template manager in a real browser: build with the live preview, submit to the simulator, watch
it approved on the board (the simulator's review webhook), then start a conversation with it."""

import time

import pytest

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from django.contrib.auth.models import Group

from .conftest import SLOW_DEADLINE_MS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager_page(page, live_server, phone):
    """Logged in as someone who both manages templates and sends messages."""
    user = ensure_user(username="tina", password="pw-tina-123", role=roles.TEMPLATE_MANAGER)
    user.groups.add(Group.objects.get(name=roles.OPERATOR))
    grant_phone_number(user=user, phone_number=phone)
    log_in(page, live_server.url, "tina", "pw-tina-123")
    return page


def _wait_for_approval(page, url: str, name: str, timeout: float = SLOW_DEADLINE_MS / 1000) -> None:
    """Reload the board, as the manager would, until the template shows under Approved."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.goto(url)
        approved = page.locator("#status-APPROVED")
        if approved.count() and name in approved.inner_text():
            return
        time.sleep(0.5)  # between reloads
    raise AssertionError(f"{name} was not approved on the board within {timeout:.0f} s")


def test_build_submit_approved_on_the_board_then_send(manager_page, live_server, live_simulator):
    page = manager_page
    missed = []  # the live check swaps each field's errors in: none may miss its place
    page.on("console", lambda message: missed.append(message.text) if "oobErrorNoTarget" in message.text else None)
    page.goto(f"{live_server.url}/templates/new/")
    page.fill("input[name=name]", "order_ready")
    page.select_option("select[name=category]", "UTILITY")
    page.fill("textarea[name=body_text]", "Hi {{1}}, your order is ready.")
    # The example field appears as the variable is typed, and the bubble shows the example.
    page.fill("input[name=body_example_1]", "Pablo")
    page.fill("input[name=footer_text]", "Thanks for shopping")
    page.select_option("select[name=button_0_type]", "QUICK_REPLY")
    page.fill("input[name=button_0_text]", "See you")
    preview = page.locator("#template-preview")
    assert "Hi Pablo, your order is ready." in preview.inner_text()
    assert "See you" in preview.inner_text()
    assert page.locator("input[name=button_0_url]").is_hidden()  # only a quick reply's fields show
    page.wait_for_load_state("networkidle")  # the debounced live check has answered
    assert page.locator("#errors-body_example_1").count() == 1
    assert missed == []

    page.click("button[value=submit]")
    page.wait_for_selector("text=Submitted order_ready (en_US) to Meta: pending review.")

    _wait_for_approval(page, f"{live_server.url}/templates/", "order_ready")
    assert "Your template order_ready (en_US) was approved" in page.inner_text(".template-notices")

    page.goto(f"{live_server.url}/templates/send/new/")
    page.fill("input[name=to]", "+1 650 555 1234")
    page.select_option("select[name=template]", label="order_ready (en_US) · Utility")
    page.wait_for_selector("input[name=body_1]")  # the template's own fields, loaded on choice
    assert page.input_value("input[name=to]") == "+1 650 555 1234"
    page.fill("input[name=body_1]", "Ana")
    page.click("button[name=send]")

    page.wait_for_selector(".bubble.out", timeout=SLOW_DEADLINE_MS)
    assert "Hi Ana, your order is ready." in page.locator(".bubble.out").last.inner_text()
    [sent] = live_simulator.sent_messages()
    assert sent["body"]["template"]["components"] == [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]
