"""Importing a CSV of contacts and reading the per-row report, at desktop and at phone width."""

import pytest

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Contact

from .conftest import DEADLINE_MS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = b"phone,name,tags,city\n07700 900123,Ana,vip,Leeds\n+447700900123,Ana B.,new,\nnot a number,Bob,,\n"


@pytest.mark.parametrize("viewport", [{"width": 1440, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_an_administrator_imports_a_csv_and_sees_every_rows_outcome(browser, live_server, phone, tmp_path, viewport):
    user = ensure_user(username="ada", password="pw-ada-12345", role=roles.ADMINISTRATOR)
    grant_phone_number(user=user, phone_number=phone)
    upload = tmp_path / "customers.csv"
    upload.write_bytes(CSV)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(DEADLINE_MS)
    log_in(page, live_server.url, "ada", "pw-ada-12345")

    page.goto(f"{live_server.url}/campaigns/imports/new/")
    page.select_option("select[name=region]", "GB")
    page.set_input_files("input[name=file]", str(upload))
    page.click("#import-form button[type=submit]")

    page.wait_for_selector("#import-report")
    assert "United Kingdom (GB, +44)" in page.inner_text("#import-region")
    counts = page.inner_text("#import-counts")
    assert "1 imported" in counts and "1 merged" in counts and "1 refused" in counts
    report = page.inner_text("#import-report")
    assert "Same number as line 2: merged into it." in report
    assert "“not a number” is not a phone number." in report
    # Nothing scrolls sideways at this width: the report's rows stack on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.locator("#import-report").get_by_text("refused").first.is_visible()
    assert sorted(Contact.objects.get().labels.values_list("name", flat=True)) == ["new", "vip"]
    context.close()
