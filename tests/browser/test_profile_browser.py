"""An administrator edits a business profile in a real browser, at desktop and at phone width: each
rule is checked on its field while typing, the preview follows, and the saved change is at Meta."""

import pytest
import requests

from accounts import roles
from accounts.services import ensure_user

from ..conftest import ACCESS_TOKEN, PHONE_NUMBER_ID
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(WIDTHS))
def admin_page(request, browser, live_server, phone):
    ensure_user(username="ada", password="pw-ada-12345", role=roles.ADMINISTRATOR)
    context = browser.new_context(viewport=WIDTHS[request.param])
    page = context.new_page()
    page.set_default_timeout(30_000)
    log_in(page, live_server.url, "ada", "pw-ada-12345")
    yield page
    context.close()


def _at_meta(settings) -> dict:
    answer = requests.get(f"{settings.GRAPH_API_BASE_URL}/{settings.GRAPH_API_VERSION}/{PHONE_NUMBER_ID}"
                          "/whatsapp_business_profile", headers={"Authorization": f"Bearer {ACCESS_TOKEN}"}, timeout=5)
    return answer.json()["data"][0]


def test_each_rule_shows_on_its_field_as_one_types_and_the_save_reaches_meta(admin_page, live_server, simulator,
                                                                             settings):
    page = admin_page
    page.goto(f"{live_server.url}/settings/numbers/{PHONE_NUMBER_ID}/profile/")
    assert page.input_value("input[name=about]") == "Hey there! I am using WhatsApp."  # Meta's copy

    page.fill("input[name=about]", "x" * 140)
    page.wait_for_selector("#errors-about .error")
    assert page.inner_text("#errors-about") == "At most 139 characters (this has 140)."
    assert page.inner_text("#count-about") == "140 / 139"
    page.fill("#id_websites_0", "ftp://bakery.example/")
    page.wait_for_selector("#errors-websites .error")
    assert "must start with http:// or https://" in page.inner_text("#errors-websites")
    assert page.inner_text("#errors-email") == ""

    page.fill("input[name=about]", "Open 7-19")
    page.fill("#id_websites_0", "https://bakery.example/")
    page.select_option("select[name=vertical]", "RESTAURANT")
    page.wait_for_selector("#profile-preview .wa-vertical")  # the preview follows the typing
    assert page.inner_text("#errors-about") == "" and page.inner_text("#errors-websites") == ""
    assert page.inner_text("#profile-preview .wa-about") == "Open 7-19"
    assert page.inner_text("#profile-preview .wa-vertical") == "Restaurant"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing scrolls sideways

    page.click("button:has-text('Save at Meta')")
    page.wait_for_selector("text=Saved at Meta: about, websites, vertical.")
    at_meta = _at_meta(settings)
    assert (at_meta["about"], at_meta["websites"], at_meta["vertical"]) == (
        "Open 7-19", ["https://bakery.example/"], "RESTAURANT")
    assert page.input_value("input[name=about]") == "Open 7-19"  # read back from Meta
