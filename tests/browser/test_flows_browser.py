"""A template manager in a real browser: create a flow, upload JSON with a deliberate error, see it marked at its
line and column (the click selects it), fix it, publish — against the simulator, under the CSP. Then an operator
sends it from the composer, a simulated customer completes it, and the answer shows in the thread and the
flow's responses table."""

import pytest

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Flow, Message

from ..conftest import PHONE_NUMBER_ID
from .conftest import SLOW_DEADLINE_MS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPO_LINE = 11


@pytest.fixture
def manager_page(page, live_server, phone):
    user = ensure_user(username="tina", password="pw-tina-123", role=roles.TEMPLATE_MANAGER)
    grant_phone_number(user=user, phone_number=phone)
    log_in(page, live_server.url, "tina", "pw-tina-123")
    return page


def test_create_see_the_error_at_its_place_fix_and_publish(manager_page, live_server, live_simulator):
    assert _create_and_publish(manager_page) == []


def test_an_operator_sends_the_published_flow_and_the_customer_s_answer_shows_in_thread_and_table(
    manager_page, live_server, live_simulator, browser, operator
):
    assert _create_and_publish(manager_page) == []
    flow = Flow.objects.get(name="Welcome")
    live_simulator.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id="16505551234", name="Sheena Nelson",
                           message={"type": "text", "text": {"body": "Hello there"}})

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "olivia")
    page.fill("input[name=password]", "pw-olivia-123")
    page.click("button[type=submit]")
    page.locator(".conversation-list a", has_text="Sheena Nelson").click()
    page.locator(".bubble", has_text="Hello there").first.wait_for()
    page.click(".compose-tabs a[data-kind=flow]")
    page.select_option("select[name=flow]", str(flow.pk))
    page.fill("input[name=flow_cta]", "Say hello")
    page.fill("textarea[name=body]", "Tap to open our welcome")
    page.click("button[name=send]")
    page.locator(".bubble", has_text="Tap to open our welcome").first.wait_for()

    sent = Message.objects.get(direction="out", type="interactive")
    live_simulator.customer_open_flow(wa_id="16505551234", context_id=sent.wamid, name="Sheena Nelson")
    page.locator(".bubble", has_text="Flow completed").first.wait_for(timeout=SLOW_DEADLINE_MS)
    assert "token unknown" not in page.locator(".bubble", has_text="Flow completed").first.inner_text()
    context.close()

    manager_page.goto(f"{live_server.url}/flows/{flow.pk}/responses/")
    assert "Sheena Nelson" in manager_page.locator("table").first.inner_text()


def _create_and_publish(page) -> list[str]:
    """Create "Welcome", upload its JSON with a typo, follow Meta's error to it, fix it, publish;
    the CSP refusals the browser reported meanwhile."""
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
    return refused
