"""The insights pages' charts in a real browser, at desktop and phone width: Chart.js (vendored) draws every
canvas from its data island, inside the page's width, with no console error and no CSP violation."""

import pytest

from accounts import roles
from accounts.services import ensure_user, grant_phone_number

from ..insights.history import build_history
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = {"/insights/?period=7": ("conversations", "messages", "response", "operators"),
          "/insights/templates/?period=7": ("templates",), "/insights/cost/?period=7": ("cost",)}


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_the_insights_charts_render_under_the_csp(browser, live_server, phone, viewport):
    build_history(phone)
    user = ensure_user(username="mona", password="pw-mona-123", role=roles.MANAGER)
    grant_phone_number(user=user, phone_number=phone)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        log_in(page, live_server.url, "mona", "pw-mona-123")
        for path, charts in CHARTS.items():
            page.goto(f"{live_server.url}{path}")
            for name in charts:
                canvas = page.locator(f'canvas[data-chart="{name}-chart-data"][data-chart-drawn="true"]')
                canvas.wait_for()
                box = canvas.bounding_box()
                assert box["width"] > 200 and box["height"] > 100, (path, name)
                assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, (path, name)
                assert page.evaluate("""(id) => {
                    const c = document.querySelector(`canvas[data-chart="${id}"]`);
                    const pixels = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
                    for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) return true;
                    return false; }""", f"{name}-chart-data"), (path, name)
            # The figures are beside the charts, as a table, and the page fits the screen.
            assert page.locator("table.list tbody tr").count() > 0
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1, path
        assert problems == []
    finally:
        context.close()
