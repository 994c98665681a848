"""A template manager in a real browser: create a flow, upload JSON with a deliberate error, see it marked at its
line and column (the click selects it), fix it, publish — against the simulator, under the CSP."""

import pytest

from accounts import roles
from accounts.services import ensure_user, grant_phone_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPO_LINE = 11


@pytest.fixture
def manager_page(page, live_server, phone):
    user = ensure_user(username="tina", password="pw-tina-123", role=roles.TEMPLATE_MANAGER)
    grant_phone_number(user=user, phone_number=phone)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "tina")
    page.fill("input[name=password]", "pw-tina-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_create_see_the_error_at_its_place_fix_and_publish(manager_page, live_server, live_simulator):
    page = manager_page
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    page.click("text=Flows")
    page.click("text=New flow")
    page.fill("input[name=name]", "Welcome")
    page.check("input[value=OTHER]")
    page.click("text=Create the draft")
    page.wait_for_selector("text=Write its JSON next")

    editor = page.locator("textarea[name=flow_json]")
    starter = editor.input_value()
    assert '"TextBody"' in starter.splitlines()[TYPO_LINE - 1]
    editor.fill(starter.replace('"TextBody"', '"TextBdy"'))
    page.click("text=Check and upload to Meta")
    page.wait_for_selector("text=Meta found 1 problem")

    column = starter.splitlines()[TYPO_LINE - 1].index('"TextBody"') + 1
    problem = page.locator(".flow-error").first
    assert problem.inner_text().startswith(f"line {TYPO_LINE}, column {column}")
    assert page.locator(".flow-gutter span.has-error").all_inner_texts() == [str(TYPO_LINE)]
    problem.click()
    selected = page.evaluate("() => { const a = document.querySelector('textarea[name=flow_json]');"
                             " return a.value.slice(a.selectionStart, a.selectionEnd); }")
    assert selected == '"TextBdy"'
    assert page.locator("[data-flow-cursor]").inner_text() == f"line {TYPO_LINE}, column {column}"

    editor.fill(editor.input_value().replace('"TextBdy"', '"TextBody"'))
    page.click("text=Check and upload to Meta")
    page.wait_for_selector("text=Meta found no problem in the JSON")
    page.click("text=Back to the flow")
    page.click("button:has-text('Publish')")
    page.wait_for_selector("text=is published")
    assert page.locator(".tm-status").first.inner_text() == "PUBLISHED"
    assert refused == []
