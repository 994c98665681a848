"""The flow endpoint page's monitoring charts in a real browser, at desktop and phone width: Chart.js (vendored)
draws both canvases from the JSON data islands, with no console error and no CSP violation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Flow, FlowEndpointStat
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_the_charts_render_under_the_csp(browser, live_server, phone, viewport):
    flow = Flow.objects.create(account=phone.account, flow_id="700000000000009", name="Booking")
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    for back, (requests, refused) in enumerate([(12, 2), (7, 0), (3, 1)]):
        FlowEndpointStat.objects.create(flow=flow, phone_number=phone, hour=hour - timedelta(hours=back),
                                        requests=requests, errors_427=refused, latency_ms_total=requests * 40,
                                        latency_ms_max=90 + back)
    user = ensure_user(username="tina", password="pw-tina-123", role=roles.TEMPLATE_MANAGER)
    grant_phone_number(user=user, phone_number=phone)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        log_in(page, live_server.url, "tina", "pw-tina-123")
        page.goto(f"{live_server.url}/flows/{flow.pk}/endpoint/")

        for island in ("endpoint-requests-data", "endpoint-latency-data"):
            canvas = page.locator(f'canvas[data-chart="{island}"][data-chart-drawn="true"]')
            canvas.wait_for()
            box = canvas.bounding_box()
            assert box["width"] > 200 and box["height"] > 100
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1
            # Something was drawn: the canvas is not blank.
            assert page.evaluate("""(id) => {
                const c = document.querySelector(`canvas[data-chart="${id}"]`);
                const pixels = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
                for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) return true;
                return false; }""", island)
        assert page.locator("#endpoint-hours tbody tr").count() == 3
        assert problems == []
    finally:
        context.close()
