"""Browser tests: Debian's chromium driven by Playwright against the live server and the simulator."""

import os
import shutil
import time

import pytest

from cloudapi.simulator import SimNumber, Simulator, SimulatorConfig, serve

from ..conftest import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, WABA_ID, skip_unless_required

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Deadlines are generous: the machine running the suite may be busy with other work, and a wait
# ends as soon as what the user would see is there, so a long deadline costs nothing when all is well.
DEADLINE_MS = 30_000
SLOW_DEADLINE_MS = 60_000  # a round trip through the simulator's webhooks (ticks, review, media)
# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body
# are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_unless_required("playwright is not installed", required_by="SWITCHBOARD_REQUIRE_BROWSER")
    if not shutil.which(CHROMIUM):
        skip_unless_required(f"no chromium at {CHROMIUM} (apt-get install chromium)", required_by="SWITCHBOARD_REQUIRE_BROWSER")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(DEADLINE_MS)
    yield page
    context.close()


@pytest.fixture
def live_simulator(live_server, settings):
    """The simulator posting its signed webhooks to the live server, as Meta would."""
    number = SimNumber(PHONE_NUMBER_ID, "15550783881", WABA_ID, ACCESS_TOKEN, APP_SECRET, "Acme")
    sim = Simulator(
        SimulatorConfig(
            numbers=[number], webhook_url=f"{live_server.url}/webhooks/whatsapp/", status_delays=(0.3, 0.8, 1.3)
        )
    )
    running = serve(sim)
    settings.GRAPH_API_BASE_URL = running.url
    sim.start_dispatcher()
    yield sim
    sim.stop_dispatcher()
    running.shutdown()
    sim.close()


def log_in(page, base_url: str, username: str, password: str) -> None:
    """Sign in through the login page, as a person does, and wait for the inbox."""
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


@pytest.fixture
def logged_in(page, live_server, operator):
    log_in(page, live_server.url, "olivia", "pw-olivia-123")
    return page


def wait_until(condition, *, what: str, timeout: float = DEADLINE_MS / 1000):
    """Poll ``condition`` (something the server stored, which the page cannot show) until it is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}")
