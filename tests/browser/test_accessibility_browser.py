"""The main pages pass axe-core (vendored in tests/browser/vendor/, injected with Playwright past our
CSP): no "serious" or "critical" violation on the inbox, a thread (with the shortcuts overlay open
and the canned replies list open), templates, flows, contacts, Settings and the canned replies pages,
at desktop and phone width."""

from pathlib import Path

import pytest

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from messaging.models import CannedReply, Message

from .. import factories
from .conftest import DEADLINE_MS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

_RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 8).map(n => n.target.join(" ")) }));
}"""


@pytest.fixture
def admin_page(browser, live_server, phone):
    ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)
    contexts = []

    def _open(viewport):
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(DEADLINE_MS)
        log_in(page, live_server.url, "ada", "pw-ada-123")
        return page

    yield _open
    for context in contexts:
        context.close()


def _serious(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(_RUN) if v["impact"] in BLOCKING]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_main_pages_have_no_serious_accessibility_violations(admin_page, live_server, phone, account, viewport):
    conv = factories.conversation(phone)
    Message.objects.create(conversation=conv, direction="in", type="text", text="Is my order on its way?",
                           status="received", wamid="wamid.a11y")
    factories.outbound(conv, wamid="wamid.a11y.out", status="read", body="It left this morning.")
    CannedReply.objects.create(account=account, code="hours", title="Opening hours", body="9 to 5, {{first_name}}")
    operator = ensure_user(username="olivia", password="pw-olivia-123", role=roles.OPERATOR)
    grant_phone_number(user=operator, phone_number=phone)
    page = admin_page(viewport)
    found = {}
    for path in ("/", f"/c/{conv.pk}/", "/templates/", "/flows/", "/contacts/", "/settings/", "/settings/people/",
                 "/settings/canned-replies/", "/settings/canned-replies/new/", "/canned-replies/", "/media/"):
        page.goto(f"{live_server.url}{path}")
        found[path] = _serious(page)

    page.goto(f"{live_server.url}/c/{conv.pk}/")
    page.keyboard.press("?")
    page.locator("#shortcuts-help").wait_for(state="visible")
    found["the ? overlay"] = _serious(page)
    page.keyboard.press("Escape")
    page.fill("textarea[name=body]", "/")
    page.locator("#canned-options [role=option]").first.wait_for()
    found["the canned replies list"] = _serious(page)

    problems = {where: violations for where, violations in found.items() if violations}
    assert problems == {}, "\n".join(f"{where}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes']}"
                                      for where, violations in problems.items() for v in violations)
